"""Imports are idempotent (issue 13 §3): a re-run saves no row twice, whether the file is
the same, has a ``source_id`` column and changed cells, or had one bad row fixed. The
SIGKILL-then-re-run-then-sync path with a real server is in tests/integration/sync/test_import_sync.py."""

from __future__ import annotations

import random

import orjson
from click.testing import CliRunner

from samad_desk import paths
from samad_desk.cli import main
from samad_desk.store import Store
from tests.support.store import valid_nid

HEADER = "source_id,national_id,first_name,last_name,city,type,subject,description\n"


def _import(f, kind: str = "cases") -> str:
    r = CliRunner().invoke(main, ["import", kind, str(f), "--batch", "2"])
    assert r.exit_code == 0, r.output
    return r.output


def _import_progress(f, rows: list[str]) -> str:
    f.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return _import(f)


def _count(kind: str) -> int:
    with Store.open(paths.data_dir()) as s:
        return sum(1 for o in s.pending_ops(limit=10_000) if o["type"] == kind)


SUBJECTS = ("قطعی آب", "water.bill", "روشنایی معابر")  # a leaf's title or its key


def _rows(rng, n: int, *, source: bool) -> list[str]:
    return [f"{f'sys-a:{i}' if source else ''},{valid_nid(rng)},علی,رضایی,قزوین,complaint,{SUBJECTS[i % 3]},"
            f"شرح کافی شماره {i}" for i in range(n)]


def test_a_rerun_of_the_same_file_saves_nothing_again(tmp_path):
    f = tmp_path / "cases.csv"
    f.write_text(HEADER + "\n".join(_rows(random.Random(1), 5, source=False)) + "\n", encoding="utf-8")
    assert "۵ پرونده از ۵ سطر ثبت شد" in _import(f)
    again = _import(f)
    assert "۰ پرونده از ۵ سطر ثبت شد" in again and "۵ سطر در اجرای پیشین" in again
    assert _count("case.register") == 5 and _count("citizen.upsert") == 5
    # the progress line names the last saved line only when a row was saved («تا سطر ۰» read as a fault)
    assert "(تا سطر" not in again
    assert "(تا سطر" in _import_progress(f.with_name("other.csv"), _rows(random.Random(2), 2, source=False))


def test_source_id_keeps_a_row_whose_cells_changed(tmp_path):
    rows = _rows(random.Random(2), 4, source=True)
    f = tmp_path / "cases.csv"
    f.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    _import(f)
    rows[1] = rows[1].replace("شرح کافی", "شرح اصلاح‌شده")  # the source system edited it
    f.write_text(HEADER + "\n".join(reversed(rows)) + "\n", encoding="utf-8")  # and re-ordered
    again = _import(f)
    assert "۴ سطر در اجرای پیشین" in again
    assert _count("case.register") == 4


def test_fixing_a_bad_row_imports_only_that_row(tmp_path):
    rows = _rows(random.Random(3), 4, source=False)
    bad = rows[2].replace(",قزوین,complaint,", ",قزوین,nonsense,")
    f = tmp_path / "cases.csv"
    f.write_text(HEADER + "\n".join([*rows[:2], bad, rows[3]]) + "\n", encoding="utf-8")
    assert "۳ پرونده از ۴ سطر ثبت شد؛ ۱ سطر رد شد" in _import(f)
    f.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")  # the row fixed
    again = _import(f)
    assert "۱ پرونده از ۴ سطر ثبت شد" in again and "۳ سطر در اجرای پیشین" in again
    assert _count("case.register") == 4


def test_citizens_without_a_national_id_are_not_imported_twice(tmp_path):
    f = tmp_path / "citizens.jsonl"
    people = [{"source_id": f"p{i}", "no_national_id": "1", "first_name": "سارا", "last_name": f"نوری{'ی' * i}",
               "city": "قزوین"}
              for i in range(3)]
    f.write_text("\n".join(orjson.dumps(p).decode() for p in people) + "\n", encoding="utf-8")
    _import(f, "citizens")
    again = _import(f, "citizens")
    assert "۳ سطر در اجرای پیشین" in again
    assert _count("citizen.upsert") == 3
