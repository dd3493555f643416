"""services/report_export.py: the typed path's checks, all-or-nothing writing, and the
typed filter value matched by id, label or a unique part of a label."""

from __future__ import annotations

import errno
import os
from datetime import date

import pytest

from samad_desk.services import report_export
from samad_desk.services.report_export import (
    ExportError,
    check_path,
    default_path,
    match_value,
    write_whole,
)

NAMES = {"agency": {"water": "شرکت آب و فاضلاب", "power": "شرکت توزیع برق", "gas": "شرکت گاز"}}


def test_default_path_is_the_jalali_day_in_home(tmp_path) -> None:
    assert default_path(date(2025, 1, 11), tmp_path) == tmp_path / "samad-report-1403-10-22.xlsx"


@pytest.mark.parametrize(("typed", "says"), [("", "مسیر"), ("{d}/r.txt", "پسوند"), ("{d}/no/r.csv", "پوشهٔ"),
                                             ("{d}/dir.csv", "پوشه است")])
def test_bad_paths_are_refused_in_persian(tmp_path, typed, says) -> None:
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(ExportError, match=says):
        check_path(typed.format(d=tmp_path))


def test_formats_from_the_extension(tmp_path) -> None:
    assert check_path(f"{tmp_path}/a.CSV")[1] == "csv" and check_path(f"{tmp_path}/a.pdf")[1] == "pdf"


def test_a_full_disk_leaves_the_earlier_file_and_no_part(tmp_path, monkeypatch) -> None:
    out = tmp_path / "r.csv"
    write_whole(out, b"first")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report_export.os, "fsync", full)
    with pytest.raises(ExportError, match="دیسک پر است"):
        write_whole(out, b"second, longer")
    monkeypatch.undo()
    assert out.read_bytes() == b"first" and os.listdir(tmp_path) == ["r.csv"]
    write_whole(out, b"second")
    assert out.read_bytes() == b"second"


def test_filter_value_by_id_label_or_unique_part() -> None:
    known = ["water", "power", "gas"]
    assert match_value("agency", "water", known, NAMES) == "water"
    assert match_value("agency", "شرکت گاز", known, NAMES) == "gas"
    assert match_value("agency", "برق", known, NAMES) == "power"  # a unique part of one label
    with pytest.raises(ExportError, match="جور است"):  # a part of three labels
        match_value("agency", "شرکت", known, NAMES)
    with pytest.raises(ExportError, match="نیست؛ مانند"):
        match_value("agency", "مخابرات", known, NAMES)
    with pytest.raises(ExportError, match="بنویسید"):
        match_value("agency", "  ", known, NAMES)
    assert match_value("type", "شکایت", ["complaint", "request"], None) == "complaint"
