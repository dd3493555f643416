"""The embedded default: the demo operator and the Qazvin demo data seeded into an empty
store on a first start without a server."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from samad_desk.domain.reference import qazvin_agencies
from samad_desk.services.core import utcnow

EMBEDDED_OPERATOR: dict[str, Any] = {
    "id": "demo-agent",
    "username": "demo",
    "name": "اپراتور نمایشی",
    "role": "agent",
    "agency_id": None,
    "province": "qazvin",
    "office_id": "embedded",
}


def _snapshot_records(items: Iterable[Any]) -> Iterable[dict[str, Any]]:
    """Whatever the generator yields, as change-shaped snapshot records."""
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            entity, data = item
        elif isinstance(item, dict) and "entity" in item and "data" in item:
            yield item
            continue
        elif isinstance(item, dict) and ("entity" in item or "kind" in item):
            entity = item.get("entity") or item.get("kind")
            data = {k: v for k, v in item.items() if k not in ("entity",)}
        else:
            continue
        yield {"entity": entity, "id": data.get("id"), "version": data.get("version", 1), "data": data}


EMBEDDED_CURSOR = "embedded-demo"


def seed_embedded_demo(store: Any, *, seed: int = 111, n_citizens: int = 400, n_cases: int = 600) -> bool:
    """First start without a server: Qazvin agencies and demo citizens and cases.

    Only into an empty store (no cursor, no agencies): never over real data. Returns
    whether it seeded.
    """
    if store.cursor() is not None or store.agencies():
        return False
    from samad_desk.demo import generate  # the demo data is this function's whole job

    records: list[dict[str, Any]] = [
        {"entity": "agency", "id": a["id"], "version": a.get("version") or 1, "data": a}
        for a in qazvin_agencies()
    ]
    seen = {r["id"] for r in records}
    for rec in _snapshot_records(generate(seed, n_citizens, n_cases, now=utcnow())):
        if rec["entity"] not in ("citizen", "case", "event") or rec["id"] in seen:
            continue
        records.append(rec)
    store.replace_from_snapshot(records, cursor=EMBEDDED_CURSOR)
    return True
