"""Saved report specs on the central server (``/v1/reports/specs``, table ``report_specs``).

Scope is the one of ``/v1/reports/run``: who asks is the bearer token's operator row,
never the request body. An operator lists, saves and replaces its own specs by name and
lists the specs shared in its own province; a supervisor or an administrator may share
its own spec with its province (others get a 403). A shared spec is only the question:
running it still counts only the cases the runner may read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Engine

from samad_desk.central import db
from samad_desk.central.errors import ApiError, bad_request, forbidden
from samad_desk.reports.spec import SpecError, spec_from_dict

SHARERS = frozenset({"supervisor", "admin"})
MAX_NAME = 80
MAX_SPECS = 500  # per operator


def _entry(row: Any, me: str, names: dict[str, str]) -> dict:
    return {"name": row.name, "spec": json.loads(row.spec), "owner": row.owner_id,
            "owner_name": names.get(row.owner_id, ""), "shared": bool(row.shared),
            "mine": row.owner_id == me, "province": row.province, "updated_at": row.updated_at}


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise bad_request("نام گزارش باید از ۱ تا ۸۰ نویسه باشد.", "invalid_spec")
    return name


def list_specs(engine: Engine, op: dict) -> dict:
    """The operator's own specs and those shared in its province."""
    t = db.report_specs
    me = op["id"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(t).where(or_(t.c.owner_id == me, and_(t.c.shared.is_(True), t.c.province == op["province"])))
            .order_by(t.c.name, t.c.owner_id)
        ).all()
        owners = {r.owner_id for r in rows}
        names = dict(conn.execute(select(db.operators.c.id, db.operators.c.name)
                                  .where(db.operators.c.id.in_(owners))).all()) if owners else {}
    return {"specs": [_entry(r, me, names) for r in rows]}


def save_spec(engine: Engine, op: dict, name: str, body: Any) -> dict:
    """Save (or replace) the operator's own spec ``name``; a replaced one keeps its sharing."""
    name = _name(name)
    if not isinstance(body, dict) or not isinstance(body.get("spec"), dict) or set(body) - {"spec"}:
        raise bad_request("بدنه درخواست باید {\"spec\": {...}} باشد.", "invalid_spec")
    try:
        spec = spec_from_dict({**body["spec"], "name": name})
    except SpecError as exc:
        raise bad_request(str(exc), "invalid_spec") from None
    t = db.report_specs
    now = datetime.now(UTC).isoformat(timespec="seconds")
    text = json.dumps(spec.to_dict(), ensure_ascii=False, sort_keys=True)
    with db.writer(engine).begin() as conn:
        key = and_(t.c.owner_id == op["id"], t.c.name == name)
        if conn.execute(select(t.c.name).where(key)).first() is None:
            count = len(conn.execute(select(t.c.name).where(t.c.owner_id == op["id"])).all())
            if count >= MAX_SPECS:
                raise ApiError(409, "too_many_specs", f"بیش از {MAX_SPECS} گزارش ذخیره‌شده ممکن نیست.")
            conn.execute(insert(t).values(owner_id=op["id"], name=name, province=op["province"], spec=text,
                                          shared=False, updated_at=now))
        else:
            conn.execute(update(t).where(key).values(spec=text, province=op["province"], updated_at=now))
        row = conn.execute(select(t).where(key)).one()
    return _entry(row, op["id"], {op["id"]: op.get("name") or ""})


def share_spec(engine: Engine, op: dict, name: str, body: Any) -> dict:
    """Share (``{"shared": true}``) or stop sharing one's own spec in one's province."""
    name = _name(name)
    if not isinstance(body, dict) or not isinstance(body.get("shared"), bool) or set(body) - {"shared"}:
        raise bad_request("بدنه درخواست باید {\"shared\": true|false} باشد.")
    if op["role"] not in SHARERS:
        raise forbidden("فقط ناظر استان یا مدیر سامانه گزارش را در استان به اشتراک می‌گذارد.")
    t = db.report_specs
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with db.writer(engine).begin() as conn:
        key = and_(t.c.owner_id == op["id"], t.c.name == name)
        done = conn.execute(update(t).where(key).values(shared=body["shared"], province=op["province"],
                                                       updated_at=now))
        if not done.rowcount:
            raise ApiError(404, "not_found", f"گزارش «{name}» در گزارش‌های شما نیست.")
        row = conn.execute(select(t).where(key)).one()
    return _entry(row, op["id"], {op["id"]: op.get("name") or ""})
