"""``samad-desk report run`` for cron: over the desk's cache (scoped by the logged-in
operator) and with ``--server`` against a real central server process; CSV is UTF-8 with
a BOM, the table is right to left, bad input is a Persian error."""

from __future__ import annotations

import csv
import io

import orjson
import pytest
from click.testing import CliRunner

from samad_desk.cli import main
from samad_desk.reports import synth
from tests.support import report_world as fixed_world
from tests.support.resources import in_ci, missing

SPEC = 'name = "دستگاه‌ها"\nrows = ["agency"]\nmeasures = ["cases", "answered", "in_time_pct"]\n'
URL = "http://127.0.0.1:9"  # a server URL only names the session; the cache run never calls it


@pytest.fixture
def spec_file(tmp_path):
    p = tmp_path / "agencies.toml"
    p.write_text(SPEC, encoding="utf-8")
    return p


def _login_as(operator: dict, url: str = URL) -> None:
    from samad_desk.settings import load_settings
    from samad_desk.sync.tokens import TokenStore

    TokenStore(load_settings().operator_dir, url).save({"operator": operator, "access_token": "x"})


@pytest.fixture
def cache(monkeypatch):
    """A desk cache holding both agencies' cases (as a supervisor's desk would)."""
    from samad_desk.settings import load_settings
    from samad_desk.store import Store

    monkeypatch.setenv("SAMAD_DESK_SERVER_URL", URL)
    store = Store.open(load_settings().data_dir)
    docs = [("agency", a) for a in fixed_world.AGENCIES] + [("case", c) for c in fixed_world.cases()] + \
        [("event", e) for e in fixed_world.events()]
    store.put_entities([{"entity": k, "id": d["id"], "op": "put", "data": dict(d, version=1)} for k, d in docs])
    store.close()


def test_cache_report_is_scoped_to_the_managers_agency(cache, spec_file, tmp_path):
    _login_as({"id": "m1", "role": "manager", "agency_id": "water-qazvin", "province": "qazvin"})
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(main, ["report", "run", str(spec_file), "--format", "csv", "--out", str(out),
                                  "--today", "1404/02/10"])
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Persian
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["دستگاه", "پرونده‌ها", "پاسخ‌داده", "پاسخ به‌موقع ٪"]
    assert rows[1:] == [["آب قزوین", "3", "2", "100.0"], ["جمع", "3", "2", "100.0"]]


def test_cache_report_for_the_supervisor_and_as_table(cache, spec_file):
    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    r = CliRunner().invoke(main, ["report", "run", str(spec_file), "--format", "json", "--today", "1404/02/10"])
    assert r.exit_code == 0, r.output
    body = orjson.loads(r.stdout_bytes)
    assert body["total"]["cases"] == 6
    assert {tuple(x["key"]) for x in body["rows"]} == {("water-qazvin",), ("power-qazvin",), ("",)}
    r = CliRunner().invoke(main, ["report", "run", str(spec_file), "--today", "1404/02/10", "--width", "80"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    total = lines[-1]
    # right to left: the label column is at the right end, the numbers (Persian digits) left of it
    assert total.rstrip().endswith("ﻊﻤﺟ") and "۶" in total


def test_cli_errors_are_persian(cache, tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nmeasures = ["speed"]\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "run", str(bad)])
    assert r.exit_code == 1 and "«speed»" in r.output
    good = tmp_path / "good.toml"
    good.write_text(SPEC, encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "run", str(good)])  # nobody logged in
    assert r.exit_code == 1 and "وارد شوید" in r.output
    r = CliRunner().invoke(main, ["report", "run", str(good), "--today", "1404/13/01"])
    assert r.exit_code != 0 and "--today" in r.output


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    from samad_desk.central import db
    from samad_desk.central.process import sqlite_url, start_server

    tmp = tmp_path_factory.mktemp("central")
    url = sqlite_url(tmp)
    srv = start_server(url, seed_demo=True, log_path=tmp / "central.log")
    items = []
    for case, events, _province in synth.generate(80, 9):
        if case["agency_id"]:
            case["agency_id"] = "water-qazvin" if case["agency_id"].startswith(("water", "gas")) else "power-qazvin"
        items.append((case, events, "qazvin"))
    engine = db.open_engine(url)
    synth.load_central(engine, items, agency_docs=[])
    engine.dispose()
    yield srv, items
    srv.kill()


def test_server_report_is_scoped_by_the_account(central, spec_file, monkeypatch):
    from samad_desk.settings import load_settings
    from samad_desk.sync.client import SyncClient
    from samad_desk.sync.tokens import TokenStore

    srv, items = central
    client = SyncClient(srv.url, TokenStore(load_settings().operator_dir, srv.url))
    client.login("watermgr", "watermgr", remember_offline=False)
    client.close()
    r = CliRunner().invoke(main, ["report", "run", str(spec_file), "--server", srv.url, "--format", "json"])
    assert r.exit_code == 0, r.output
    body = orjson.loads(r.stdout_bytes)
    water = sum(1 for c, _, _ in items if c["agency_id"] == "water-qazvin")
    assert water > 0
    assert [x["key"] for x in body["rows"]] == [["water-qazvin"]]
    assert body["total"]["cases"] == water


def test_xlsx_export_read_back(cache, tmp_path):
    """A right-to-left sheet, Persian headers, numbers as numbers, Jalali text beside real
    date cells, and a native chart; opened back with openpyxl."""
    import zipfile
    from datetime import datetime

    import openpyxl

    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    spec = tmp_path / "months.toml"
    spec.write_text('name = "ماهانه"\nrows = ["month"]\nmeasures = ["cases", "in_time_pct"]\n', encoding="utf-8")
    out = tmp_path / "r.xlsx"
    r = CliRunner().invoke(main, ["report", "run", str(spec), "--format", "xlsx", "--out", str(out),
                                  "--today", "1404/02/10"])
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(out)["گزارش"]
    assert ws.sheet_view.rightToLeft is True
    assert ws["A1"].value == "ماهانه"
    assert [c.value for c in ws[3]] == ["ماه", "تاریخ میلادی", "پرونده‌ها", "پاسخ به‌موقع ٪"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=7)]
    assert rows[0] == ["فروردین ۱۴۰۴", datetime(2025, 3, 21), 4, 50]
    assert rows[-1][0] == "جمع" and rows[-1][2] == 6 and ws.cell(7, 3).font.b
    assert ws.cell(4, 4).number_format == "0.0" and ws.cell(4, 3).number_format == "#,##0"
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
    r = CliRunner().invoke(main, ["report", "run", str(spec), "--format", "xlsx"])
    assert r.exit_code != 0 and "--out" in r.output


def test_pdf_export_read_back(cache, tmp_path):
    """A4, the Persian font embedded, the text read back by pdftotext in logical order."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        missing("pdftotext (poppler-utils)")
    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    spec = tmp_path / "agencies.toml"
    spec.write_text(SPEC + 'period = "1404"\ncompare = true\n', encoding="utf-8")
    out = tmp_path / "r.pdf"
    r = CliRunner().invoke(main, ["report", "run", str(spec), "--format", "pdf", "--out", str(out),
                                  "--today", "1404/02/10"])
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e")  # pdftotext's bidi marks
    for words in ("دستگاه", "آب قزوین", "برق قزوین", "جمع", "دوره قبل", "۱۴۰۳", "نمودار"):
        assert words in text, words
    assert "۱۰۰٫۰" in text  # water's in-time %, Persian digits
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "pts (A4)" in info
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    installed = "nazli" in subprocess.run(["fc-list"], capture_output=True, text=True).stdout.lower()
    if installed:  # .ci/run installs fonts-farsiweb: the Persian text is in its font
        assert "Nazli" in fonts
    elif in_ci():
        missing("the Persian font Nazli (fonts-farsiweb)")


# ------------------------------------------------------- found driving the CLI (drive session)

def _fill(path) -> None:
    """Write ``path`` until the file system is full (unbuffered: nothing left to flush)."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.fixture
def full_dir(tmp_path):
    """A folder on a full file system: a real 64 KiB tmpfs filled up when this process may
    mount one (root, as under .ci/run), else the store's FileIO seam failing every write
    with ENOSPC (the path the store's own fault tests use)."""
    import errno
    import subprocess

    from samad_desk.store import fileio

    where = tmp_path / "full"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
                             capture_output=True).returncode == 0
    old_io = None
    if mounted:
        _fill(where / "filler")
    else:
        class Full(fileio.FileIO):
            def write(self, fd: int, data: bytes) -> int:
                raise OSError(errno.ENOSPC, "No space left on device")

        old_io = fileio.set_io(Full())
    try:
        yield where
    finally:  # (a mount left behind would keep pytest from removing its temp folders)
        if old_io is not None:
            fileio.set_io(old_io)
        if mounted:
            subprocess.run(["umount", str(where)], check=True)


def test_out_on_a_full_disk_keeps_the_earlier_report(cache, spec_file, full_dir):
    """``--out`` wrote in place: a full disk truncated last night's report to a torn file
    (seen: a 4,096-byte XLSX). It is written whole or not at all, like the screen's export."""
    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    out = full_dir / "r.xlsx"
    try:
        out.write_bytes(b"last night")
    except OSError:  # the real tmpfs is full already: room for the earlier report, then full again
        (full_dir / "filler").unlink()
        out.write_bytes(b"last night")
        _fill(full_dir / "filler")
    r = CliRunner().invoke(main, ["report", "run", str(spec_file), "--format", "xlsx", "--out", str(out),
                                  "--today", "1404/02/10"])
    assert r.exit_code == 1, r.output
    assert "دیسک پر است" in r.output
    assert out.read_bytes() == b"last night"
    assert sorted(p.name for p in full_dir.iterdir()) in (["r.xlsx"], ["filler", "r.xlsx"])  # no part left


def test_a_spec_file_that_is_not_utf8_is_a_persian_error(cache, tmp_path):
    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    spec = tmp_path / "binary.toml"
    spec.write_bytes(b"\xff\xfe\x00name = 1")
    r = CliRunner().invoke(main, ["report", "run", str(spec)])
    assert r.exit_code == 1 and "UTF-8" in r.output, r.output  # was a UnicodeDecodeError traceback
    assert not isinstance(r.exception, UnicodeDecodeError)


def test_a_long_bidi_period_is_quoted_short_and_clean(cache, tmp_path):
    """A spec's period of 5,000 characters after a U+202E: the message quotes 40 of them,
    without the override (which turned the rest of the terminal line around)."""
    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    spec = tmp_path / "long.toml"
    spec.write_text(SPEC + 'period = "\u202e' + "a" * 5000 + '"\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "run", str(spec), "--today", "1404/02/10"])
    assert r.exit_code == 1 and "شناخته نیست" in r.output, r.output
    assert "\u202e" not in r.output and len(r.output) < 400, r.output


WIDE = ('name = "پهن"\nrows = ["agency"]\n'
        'measures = ["cases", "open", "overdue", "answered", "in_time_pct", "median_days"]\n')


def test_a_narrow_table_leaves_whole_columns_out_never_cuts_one(cache, tmp_path):
    """``--width`` narrower than the table: the table sliced its visual lines, so a column
    at the cut showed part of its header and part of each number (an open count of ۵۳ read
    «۳»). Now whole columns are left out, and a line says how many."""
    from samad_desk.reports.render import to_lines
    from samad_desk.reports.spec import MEASURES
    from tests.support.tmux import shaped

    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    spec = tmp_path / "wide.toml"
    spec.write_text(WIDE, encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "run", str(spec), "--format", "json", "--today", "1404/02/10"])
    assert r.exit_code == 0, r.output
    result = orjson.loads(r.stdout_bytes)
    measures = ["cases", "open", "overdue", "answered", "in_time_pct", "median_days"]
    labels = {shaped("دستگاه")} | {shaped(MEASURES[m]) for m in measures}
    more = shaped("ستون دیگر جا نشد")
    widest = max(len(line) for line in to_lines(result, 200))
    for width in range(20, widest + 1):
        lines = to_lines(result, width)
        assert all(len(line) <= width for line in lines), (width, lines)
        header = [cell.strip() for cell in lines[1].split("│")]
        assert all(cell in labels for cell in header), (width, header)  # no label cut at the left
        assert (len(header) - 1 < len(measures)) == (more in lines[-1]), (width, lines[-1])
    r = CliRunner().invoke(main, ["report", "run", str(spec), "--width", "5"])
    assert r.exit_code == 2 and "پهنای جدول" in r.output, r.output


def test_a_folder_is_a_persian_error_and_an_unreachable_server_exits_3(cache, spec_file, tmp_path):
    """A folder as SPEC or --out was Click's English usage error with exit 2, the status
    that also meant "server unreachable": a cron job retrying on 2 retried a typo forever.
    Now a folder is a Persian error (1) and an unreachable server alone is 3."""
    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    r = CliRunner().invoke(main, ["report", "run", str(tmp_path)])
    assert r.exit_code == 1 and "پوشه است" in r.output and "Invalid" not in r.output, r.output
    r = CliRunner().invoke(main, ["report", "run", str(spec_file), "--out", str(tmp_path)])
    assert r.exit_code == 1 and "پوشه است" in r.output and "--out" in r.output, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agencies.toml"]  # nothing written
    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"}, "http://127.0.0.1:9")
    r = CliRunner().invoke(main, ["report", "run", str(spec_file), "--server", "http://127.0.0.1:9"])
    assert r.exit_code == 3 and "خطا" in r.output, r.output
    r = CliRunner().invoke(main, ["report", "run", str(spec_file), "--no-such-option"])
    assert r.exit_code == 2  # Click's usage error stays 2


def test_a_filter_value_no_case_has_is_a_warning(cache, tmp_path):
    """A spec file filtering on «water-qazwin» (a typo) reported 0 cases without a word;
    now standard error names the value, and the report still runs (an agency with no case
    yet is not an error)."""
    _login_as({"id": "s1", "role": "supervisor", "province": "qazvin"})
    spec = tmp_path / "typo.toml"
    spec.write_text(SPEC + 'filters = { agency = ["water-qazwin", "water-qazvin"] }\n',
                    encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "run", str(spec), "--format", "json", "--today", "1404/02/10"])
    assert r.exit_code == 0, r.output
    assert "هشدار" in r.stderr and "«water-qazwin»" in r.stderr and "«water-qazvin»" not in r.stderr, r.stderr
    assert orjson.loads(r.stdout_bytes)["total"]["cases"] == 3  # water-qazvin's, as in the scoped test
    spec.write_text(SPEC + 'filters = { agency = ["water-qazvin"] }\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["report", "run", str(spec), "--format", "json", "--today", "1404/02/10"])
    assert r.exit_code == 0 and "هشدار" not in r.stderr, r.stderr
