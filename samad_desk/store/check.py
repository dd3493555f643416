"""``samad-desk store check``: verify every file of a data directory without changing it."""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from samad_desk.store import fileio
from samad_desk.store.cache import Cache, ShardCorrupt, read_footer
from samad_desk.store.compaction import segment_of
from samad_desk.store.errors import StoreError
from samad_desk.store.journal import JOURNAL_SCHEMA, STATUS_SCHEMA, check_schema, scan_bytes
from samad_desk.text.digits import to_persian_digits as _fa


def check_data_dir(data_dir: Path) -> tuple[list[str], list[str]]:
    """(problems, info lines), both Persian. Read-only: nothing is repaired here."""
    problems: list[str] = []
    info: list[str] = []
    if data_dir.exists() and not data_dir.is_dir():
        return [f"«{data_dir}» یک فایل است، نه پوشهٔ داده."], info
    if not data_dir.is_dir():
        return [f"پوشهٔ داده «{data_dir}» وجود ندارد."], info
    info.append(f"پوشهٔ داده: {data_dir} (فایل‌سیستم: {fileio.filesystem_type(data_dir) or 'نامعلوم'})")
    net = fileio.is_network_fs(data_dir)
    if net:
        problems.append(f"پوشهٔ داده روی فایل‌سیستم شبکه‌ای ({net}) است؛ باید روی دیسک محلی باشد.")
    outbox = data_dir / "outbox"
    n_ops = 0
    for path in sorted(outbox.glob("*.jsonl")) if outbox.is_dir() else []:
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(_unreadable(path, exc))
            continue
        scan = scan_bytes(data)
        try:
            check_schema(scan.header, path, STATUS_SCHEMA if path.name == "status.jsonl" else JOURNAL_SCHEMA)
        except StoreError as exc:
            problems.append(str(exc))
            continue
        if scan.corrupt_at is not None:
            problems.append(
                f"{path.name}: رکورد خراب در بایت {scan.corrupt_at} و پس از آن {len(scan.salvaged)} رکورد سالم؛"
                " با باز کردن برنامه کنار گذاشته و بازیابی می‌شود."
            )
        if scan.torn_tail:
            info.append(f"{path.name}: انتهای ناقص (هرگز تأیید نشده) در باز کردن بعدی حذف می‌شود.")
        ops = sum(len(r.get("ops") or []) for r in scan.records if r.get("k") == "ops")
        n_ops += ops
        if path.name != "status.jsonl":
            info.append(f"{path.name}: {_fa(str(len(scan.records)))} رکورد، {_fa(str(ops))} عملیات")
            info.extend(_segment_notes(outbox, path, scan.records))
    for path in sorted(outbox.glob("*.corrupt")) if outbox.is_dir() else []:
        problems.append(f"دفتر قرنطینه‌شده: {path.name} (عملیات سالم آن بازیابی شده است)")
    for path in sorted(outbox.glob("*.json")) if outbox.is_dir() else []:
        try:
            orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            problems.append(f"{path.name}: JSON خراب")
        except OSError as exc:
            problems.append(_unreadable(path, exc))
    try:
        d = _check_cache(data_dir / "cache", problems, info)
    except OSError as exc:  # cache is a file, unreadable shard, …
        problems.append(_unreadable(Path(exc.filename or data_dir / "cache"), exc)
                        + " «samad-desk store rebuild» را اجرا کنید.")
        d = None
    for sub in (outbox, d):
        if sub is not None and sub.is_dir():
            temps = [p.name for p in sub.iterdir() if ".tmp-" in p.name]
            if temps:
                info.append(f"{len(temps)} فایل موقت جامانده (در باز کردن بعدی پاک می‌شود)")
    info.append(f"عملیات در دفترها: {_fa(str(n_ops))}")
    return problems, info


def _segment_notes(outbox: Path, path: Path, records: list[dict]) -> list[str]:
    """Compaction's traces: a checkpoint, or a segment a newer one replaced (a compaction
    killed before deleting it; removed at the next open)."""
    notes = []
    for rec in records:
        if rec.get("k") == "checkpoint":
            notes.append(f"{path.name}: نقطهٔ بازرسی، {_fa(str(rec.get('folded') or 0))} عملیات تأییدشدهٔ جمع‌شده")
    client_id = path.name.split(".")[0]
    if any(segment_of(p) > segment_of(path) for p in outbox.glob(f"{client_id}.*.jsonl")):
        notes.append(f"{path.name}: بخش جایگزین‌شدهٔ دفتر (در باز کردن بعدی پاک می‌شود)")
    return notes


def _unreadable(path: Path, exc: OSError) -> str:
    return f"«{path.name}» خوانده نشد ({exc.strerror or type(exc).__name__})."


def _check_cache(cache_root: Path, problems: list[str], info: list[str]) -> Path | None:
    cache = Cache(cache_root)
    d = cache.current_dir()
    if d is None:
        if (cache_root / "CURRENT").exists():
            problems.append("cache/CURRENT خراب است؛ «samad-desk store rebuild» را اجرا کنید.")
        else:
            info.append("حافظهٔ محلی (کش) هنوز ساخته نشده است.")
    else:
        try:
            meta = orjson.loads((d / "meta.json").read_bytes())
            info.append(f"کش: {d.name}، مکان‌نما: {meta.get('cursor')}")
        except (OSError, orjson.JSONDecodeError):
            problems.append(f"{d.name}/meta.json خراب یا گم است.")
        docs = 0
        for f in sorted(d.glob("*.*.json")):
            if f.name == "meta.json":
                continue
            fd = os.open(f, os.O_RDONLY)
            try:
                _h, meta, _arrays, _end = read_footer(fd, os.fstat(fd).st_size, full=True)
                docs += int(meta["count"])
            except ShardCorrupt as exc:
                problems.append(f"{d.name}/{f.name}: خراب ({exc}); «samad-desk store rebuild» را اجرا کنید.")
            finally:
                os.close(fd)
        info.append(f"کش: {_fa(str(docs))} سند")
    return d
