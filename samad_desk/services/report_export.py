"""Export of the report on the screen to a file the operator names (CSV, XLSX or PDF), and
the typed filter's value: pure Python, no Textual (``screens/report_screen.py`` uses both).

A file is written whole or not at all: the bytes go to a temporary file beside the target,
are flushed to disk, and only then replace the target. A full disk, a missing folder or a
refused permission leaves the target (an earlier export) as it was and says why in Persian
(:class:`ExportError`), so the operator can fix the path and press Enter again.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from samad_desk.reports.engine import label_of
from samad_desk.reports.spec import DIMENSIONS
from samad_desk.services.errors import ServiceError
from samad_desk.store.fileio import atomic_write
from samad_desk.text.digits import fa
from samad_desk.text.jalali import jalali_parts
from samad_desk.text.limits import echo
from samad_desk.text.normalize import name_key

#: what a file name may end with, and the format it selects
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".pdf": "pdf"}
#: dimensions the typed filter offers (stored on every fact; the derived ones, such as
#: month or deadline band, come from a row with Shift+F7 or a saved spec)
FILTER_DIMENSIONS = ("agency", "type", "state", "channel", "urgency", "city", "subject_group", "manager",
                     "operator", "agency_kind", "province")


class ExportError(ServiceError):
    """An export refused or failed; ``str()`` is Persian."""


def default_path(today: date, home: Path | None = None, fmt: str = "xlsx") -> Path:
    """``~/samad-report-1403-10-22.xlsx``: in the operator's home, named by the Jalali day."""
    base = home if home is not None else Path(os.environ.get("HOME") or Path.home())
    y, m, d = jalali_parts(today)
    stamp = f"{y:04d}-{m:02d}-{d:02d}"
    return base / f"samad-report-{stamp}.{fmt}"


def check_path(text: str) -> tuple[Path, str]:
    """The target and its format (from the extension), or :class:`ExportError` saying what
    is wrong with the typed path; ``~`` is the home folder."""
    raw = text.strip()
    if not raw:
        raise ExportError("مسیر پرونده را بنویسید؛ مانند ~/report.xlsx")
    path = Path(raw).expanduser()
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError("پسوند پرونده باید ‎.csv یا ‎.xlsx یا ‎.pdf باشد.")
    try:
        if path.is_dir():
            raise ExportError(f"«{echo(str(path))}» پوشه است؛ نام پرونده را هم بنویسید.")
        if not path.parent.is_dir():
            raise ExportError(f"پوشهٔ «{echo(str(path.parent))}» نیست.")
    except OSError as exc:  # a name longer than the file system takes, …: said, not a crash
        raise ExportError(_os_reason(exc, path)) from exc
    return path, fmt


def render(result: dict, fmt: str) -> bytes:
    if fmt == "csv":
        from samad_desk.reports.render import to_csv

        return to_csv(result)
    if fmt == "xlsx":
        from samad_desk.reports.xlsx import to_xlsx

        return to_xlsx(result)
    from samad_desk.reports.pdf import PdfUnavailable, to_pdf

    try:
        return to_pdf(result)
    except PdfUnavailable as exc:
        raise ExportError(str(exc)) from exc


def _os_reason(exc: OSError, path: Path) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "دیسک پر است؛ پرونده نوشته نشد (پروندهٔ پیشین دست‌نخورده ماند). جایی باز کنید یا مسیر دیگری بنویسید."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"اجازهٔ نوشتن در «{echo(str(path.parent))}» نیست؛ مسیر دیگری بنویسید."
    if exc.errno == errno.ENAMETOOLONG:
        return "نام پرونده یا مسیر بیش از اندازه بلند است؛ کوتاه‌ترش کنید."
    if exc.errno == errno.ENOENT:
        return f"پوشهٔ «{echo(str(path.parent))}» نیست."
    return f"پرونده نوشته نشد: {exc.strerror or exc}"


def write_whole(path: Path, data: bytes) -> None:
    """``data`` to ``path`` all or nothing (the store's temp file, fsync, rename)."""
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise ExportError(_os_reason(exc, path)) from exc


def export(result: dict, text: str, *, write: Callable[[Path, bytes], None] | None = None) -> Path:
    """Write ``result`` (a report's JSON) to the typed path in the format its extension
    names (``write``: :func:`write_whole`); the path written, or :class:`ExportError`."""
    path, fmt = check_path(text)
    (write or write_whole)(path, render(result, fmt))
    return path


def match_value(dim: str, text: str, values: Iterable[str], names: dict[str, dict[str, str]] | None) -> str:
    """The stored value of ``dim`` the operator typed (its id or its Persian label, or a
    part of one label), or :class:`ExportError` in Persian naming a few known values."""
    want = name_key(text.strip())
    if not want:
        raise ExportError(f"مقدار «{DIMENSIONS[dim]}» را بنویسید.")
    known = sorted({str(v) for v in values})
    labels = {v: label_of(dim, v, names) for v in known}
    exact = [v for v in known if want in (name_key(v), name_key(labels[v]))]
    if len(exact) == 1:
        return exact[0]
    part = exact or [v for v in known if want in name_key(labels[v])]
    if len(part) == 1:
        return part[0]
    some = "، ".join(labels[v] for v in (part or known)[:4])
    if part:
        raise ExportError(f"«{echo(text)}» با {fa(len(part))} {DIMENSIONS[dim]} جور است ({some}…)؛ دقیق‌تر بنویسید.")
    if not known:
        raise ExportError(f"در این گزارش هیچ «{DIMENSIONS[dim]}»ی نیست.")
    raise ExportError(f"«{echo(text)}» در «{DIMENSIONS[dim]}» نیست؛ مانند: {some}")


def filter_values(columns: Callable[[str], list], dims: Iterable[str] = FILTER_DIMENSIONS) -> dict[str, list[str]]:
    """The distinct values of each filter dimension (``columns(dim)``: a facts column)."""
    return {d: sorted({str(v) for v in columns(d)}) for d in dims}


def absent_filter_values(filters: dict[str, Iterable[str]], columns: Callable[[str], list]) -> dict[str, list[str]]:
    """The values a spec filters on that no case has (per filter dimension; only those of
    :data:`FILTER_DIMENSIONS`, whose values are stored ids): a typo in a spec file, which
    would quietly report 0 cases every night. The screen resolves what is typed instead
    (:func:`match_value`)."""
    out: dict[str, list[str]] = {}
    for dim, known in filter_values(columns, [d for d in filters if d in FILTER_DIMENSIONS]).items():
        have = set(known)
        missing = [str(v) for v in filters[dim] if str(v) not in have]
        if missing:
            out[dim] = missing
    return out


__all__ = ["FILTER_DIMENSIONS", "FORMATS", "ExportError", "absent_filter_values", "check_path", "default_path",
           "export", "filter_values", "match_value", "render", "write_whole"]
