"""The first download (snapshot) kept page by page on disk, so a broken one resumes.

A fresh desk starts from ``GET /v1/sync/snapshot``: NDJSON pages, each ending with a
control line that names the next page (``next_page``, a stateless server token) or the
cursor to pull from (``done``). On a lossy provincial link a large province needs many
pages; before this module any failure restarted the download from page 1, so it might
never finish.

Every page is written, as received, to ``<dir>/page.000001.ndjson`` … by temp file +
fsync + rename + directory fsync (``fileio.atomic_write``) before the next one is asked
for. A page file is therefore whole or absent; after a crash or a cut link the download
continues with the ``next_page`` token of the last kept page. The pages are applied to
the store only when the last one is in (a cut download leaves the cache alone), then
deleted.

A kept token the server no longer accepts (``410``: a new epoch after a restore, or the
operator's scope changed) throws the kept pages away and starts again; so does a
download older than :data:`STALE_AFTER_S` (its cursor could be past the server's
compaction horizon, which would loop).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from samad_desk.store import fileio
from samad_desk.sync.errors import ResyncRequired, TransientError

#: a kept download older than this is started again
STALE_AFTER_S = 24 * 3600.0
_PAGE = "page.{:06d}.ndjson"
_STARTED = "started"
_BROKEN = "پاسخ سرور مرکزی ناقص رسید."


@dataclass
class DownloadProgress:
    """What the status bar shows of a first download (``engine.status()["download"]``)."""

    pages_done: int = 0
    rows_done: int = 0
    rows_total: int | None = None  # when the server said (``total`` on the control line)
    resumed_pages: int = 0         # pages found on disk when this download (re)started
    done: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"pages_done": self.pages_done, "rows_done": self.rows_done, "rows_total": self.rows_total,
                "resumed_pages": self.resumed_pages, "done": self.done}


def split_page(body: bytes) -> tuple[bytes, dict] | None:
    """(entity lines, control) of one page, or ``None`` when the control line is missing
    or broken (a cut page: a page always ends with its control line)."""
    stripped = body.rstrip(b"\n")
    last = stripped.rsplit(b"\n", 1)[-1]
    try:
        control = orjson.loads(last) if last else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(control, dict) or not ({"cursor", "next_cursor", "next_page"} & control.keys()):
        return None
    return stripped[: len(stripped) - len(last)], control


def _count_rows(lines: bytes) -> int:
    return lines.count(b"\n")


class SnapshotDownload:
    """One operator's first download in ``directory`` (created on demand)."""

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.dir = Path(directory)
        self.clock = clock
        self.progress = DownloadProgress()

    # --- what is on disk ----------------------------------------------------------------
    def _pages(self) -> list[Path]:
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.glob("page.*.ndjson") if p.is_file())

    def _last_control(self, pages: list[Path]) -> dict | None:
        if not pages:
            return None
        split = split_page(pages[-1].read_bytes())
        return split[1] if split else None

    def _stale(self) -> bool:
        try:
            started = float((self.dir / _STARTED).read_text())
        except (OSError, ValueError):
            return True
        return self.clock() - started > STALE_AFTER_S

    def clear(self) -> None:
        """Forget the kept pages (after they were applied, or when they can't be resumed)."""
        if self.dir.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
            with contextlib.suppress(OSError):
                fileio.IO.fsync_dir(self.dir.parent)
        self.progress = DownloadProgress()

    def _start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o770)
        fileio.remove_stale_temps(self.dir)
        if not (self.dir / _STARTED).exists():
            fileio.atomic_write(self.dir / _STARTED, str(self.clock()).encode())

    def _keep(self, index: int, body: bytes) -> None:
        fileio.atomic_write(self.dir / _PAGE.format(index), body)

    # --- fetching -----------------------------------------------------------------------
    def fetch(self, get_page: Callable[[str | None], bytes],
              on_page: Callable[[DownloadProgress], None] | None = None) -> None:
        """Download the pages not yet kept. ``get_page(token)`` returns one raw page and
        raises the client's errors; every error leaves the kept pages for the next try.
        A ``410`` on a kept token starts the download again (once)."""
        if self._stale() and self._pages():
            self.clear()
        try:
            self._fetch(get_page, on_page)
        except ResyncRequired:
            if not self.progress.pages_done:
                raise  # nothing kept was refused: the caller's business
            self.clear()
            self._fetch(get_page, on_page)

    def _fetch(self, get_page: Callable[[str | None], bytes],
               on_page: Callable[[DownloadProgress], None] | None) -> None:
        self._start()
        pages = self._pages()
        self.progress = DownloadProgress(resumed_pages=len(pages))
        control: dict | None = None
        for path in pages:
            split = split_page(path.read_bytes())
            if split is None:  # cannot happen with atomic writes; be safe: refetch from here
                for later in pages[pages.index(path):]:
                    later.unlink()
                pages = pages[: pages.index(path)]
                self.progress.resumed_pages = len(pages)
                break
            lines, control = split
            self._count(lines, control)
        while control is None or not self._finished(control):
            token = None if control is None else control.get("next_page")
            if control is not None and not token:
                raise TransientError(_BROKEN)
            body = get_page(token)
            split = split_page(body)
            if split is None:
                raise TransientError(_BROKEN)
            self._keep(self.progress.pages_done + 1, body)
            lines, control = split
            self._count(lines, control)
            if on_page is not None:
                on_page(self.progress)
        self.progress.done = True

    @staticmethod
    def _finished(control: dict) -> bool:
        return bool(control.get("cursor") or control.get("next_cursor")) and bool(control.get("done", True))

    def _count(self, lines: bytes, control: dict) -> None:
        self.progress.pages_done += 1
        self.progress.rows_done += _count_rows(lines)
        total = control.get("total")
        if isinstance(total, int):
            self.progress.rows_total = total

    def finished_cursor(self) -> str | None:
        """The cursor of a kept download whose last page is in, else ``None``."""
        control = self._last_control(self._pages())
        if not control or not self._finished(control):
            return None
        return control.get("cursor") or control.get("next_cursor")

    # --- the result ---------------------------------------------------------------------
    def result(self) -> tuple[Iterator[dict], str, dict]:
        """(records, cursor, acks) of a finished download; records are parsed lazily,
        one kept page at a time."""
        pages = self._pages()
        control = self._last_control(pages) or {}
        cursor = control.get("cursor") or control.get("next_cursor")
        if not cursor:
            raise RuntimeError("snapshot download is not finished")
        return _records(pages), cursor, dict(control.get("acks") or {})

    def controls(self) -> Iterator[dict]:
        """The control line of every kept page (each carries its cases' hash chains)."""
        return _controls(self._pages())


def _controls(pages: list[Path]) -> Iterator[dict]:
    for path in pages:
        split = split_page(path.read_bytes())
        if split is not None:
            yield split[1]


def _records(pages: list[Path]) -> Iterator[dict]:
    for path in pages:
        split = split_page(path.read_bytes())
        if split is None:  # pragma: no cover - checked when fetched
            continue
        for line in split[0].split(b"\n"):
            if line.strip():
                yield orjson.loads(line)


def download_dir(data_dir: str | os.PathLike, profile: str) -> Path:
    """Where a profile's first download is kept: ``<data_dir>/download/<profile>``."""
    return Path(data_dir) / "download" / profile
