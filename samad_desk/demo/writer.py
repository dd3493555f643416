"""Write a stream of ``(entity, dict)`` pairs to one file per entity, JSONL or CSV.

``write_dataset(items, out_dir, fmt="jsonl")`` → ``{entity: rows}``; files are named
``citizens.jsonl``, ``cases.jsonl``, ``events.jsonl``, ``agencies.jsonl``,
``operators.jsonl`` (or ``.csv``). CSV has the entity's fields as columns; nested values
(an event's ``actor`` and ``data``) are JSON text. Nothing is held in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

import orjson

from samad_desk.domain.models import (
    AGENCY_FIELDS,
    CASE_FIELDS,
    CITIZEN_FIELDS,
    EVENT_FIELDS,
    OPERATOR_FIELDS,
)

FILE_NAMES = {"citizen": "citizens", "case": "cases", "event": "events", "agency": "agencies",
              "operator": "operators"}
FIELDS = {"citizen": CITIZEN_FIELDS, "case": CASE_FIELDS, "event": EVENT_FIELDS,
          "agency": AGENCY_FIELDS, "operator": OPERATOR_FIELDS}


def write_dataset(items: Iterable[tuple[str, dict]], out_dir: Path | str, fmt: str = "jsonl") -> dict[str, int]:
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    handles: dict[str, object] = {}
    writers: dict[str, object] = {}
    try:
        if fmt == "jsonl":
            dumps = orjson.dumps
            for entity, doc in items:
                fh = handles.get(entity)
                if fh is None:
                    fh = handles[entity] = open(out / f"{FILE_NAMES.get(entity, entity)}.jsonl", "wb", buffering=1 << 20)
                    counts[entity] = 0
                fh.write(dumps(doc) + b"\n")  # type: ignore[attr-defined]
                counts[entity] += 1
        else:
            for entity, doc in items:
                w = writers.get(entity)
                if w is None:
                    fh = handles[entity] = open(out / f"{FILE_NAMES.get(entity, entity)}.csv", "w",
                                                encoding="utf-8", newline="", buffering=1 << 20)
                    fields = FIELDS.get(entity) or tuple(doc)
                    w = writers[entity] = csv.writer(fh)
                    w.writerow(fields)  # type: ignore[attr-defined]
                    counts[entity] = 0
                fields = FIELDS.get(entity) or tuple(doc)
                w.writerow([_cell(doc.get(f)) for f in fields])  # type: ignore[attr-defined]
                counts[entity] += 1
    finally:
        for fh in handles.values():
            fh.close()  # type: ignore[attr-defined]
    return counts


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def read_jsonl(path: Path | str):
    """Iterate the dicts of a JSONL file written by :func:`write_dataset`."""
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                yield orjson.loads(line)
