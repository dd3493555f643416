"""``samad-desk store check|rebuild`` and ``import`` on a damaged data directory: a
Persian problem list, never a traceback."""

from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner

from samad_desk.cli import main

HEADER = "national_id,first_name,last_name,type,subject,description\n"
ROW = "0013542419,علی,رضایی,complaint,قطعی آب,سه روز است آب قطع است\n"


def cli(*args):
    r = CliRunner().invoke(main, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), (r.output, r.exception)
    assert "Traceback" not in r.output
    return r


@pytest.fixture
def data(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text(HEADER + ROW, encoding="utf-8")
    d = tmp_path / "data"
    assert cli("import", "cases", str(f), "--data-dir", str(d)).exit_code == 0
    return d


def _journal(d):
    return next(p for p in (d / "outbox").glob("c-*.jsonl"))


DAMAGE = {
    "cache_is_a_file": lambda d: (shutil.rmtree(d / "cache", ignore_errors=True), (d / "cache").write_text("x")),
    "journal_is_a_dir": lambda d: (d / "outbox" / "zz.0001.jsonl").mkdir(),
    "json_is_a_dir": lambda d: (d / "outbox" / "zz.state.json").mkdir(),
    "flipped_bytes": lambda d: _flip(_journal(d)),
    "binary_journal": lambda d: (d / "outbox" / "zz.0001.jsonl").write_bytes(os.urandom(4000)),
    "garbage_state": lambda d: next((d / "outbox").glob("c-*.state.json")).write_bytes(b"\xff{"),
}


def _flip(path):
    raw = bytearray(path.read_bytes())
    raw[50:90] = os.urandom(40)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_check_reports_damage_without_traceback(data, damage):
    DAMAGE[damage](data)
    r = cli("store", "check", "--data-dir", str(data))
    if damage not in ("binary_journal",):
        assert r.exit_code == 1 and "مشکل" in r.output, r.output
    cli("store", "rebuild", "--data-dir", str(data))


def test_data_dir_is_a_file(tmp_path):
    f = tmp_path / "data"
    f.write_text("x")
    r = cli("store", "check", "--data-dir", str(f))
    assert r.exit_code == 1 and "فایل" in r.output, r.output
