"""``samad-desk central audit verify``: recompute every chain and checkpoint (docs/audit.md).

1. The checkpoints, in order: each body must be the canonical JSON its signature (by the
   trusted key) covers, name the digest of the one before, and match the heads stored
   with it (each signed on its own); folding them gives the newest signed head of every
   case.
2. Every case's chain, streamed in ``(case_id, n)`` order with its events: each link
   against its stored predecessor, the whole chain recomputed against the signed head,
   and the events of the case that have no link. :func:`domain.chain.check_case` names
   what happened: edited, deleted, inserted, reordered, rewritten.

The trusted key is the server's own key file when this host has it (whoever edits the
database cannot change it), else a public key or a published checkpoint given on the
command line, else, with a warning, the key the database names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import and_, select

from samad_desk.central import audit, db
from samad_desk.domain import chain


@dataclass
class Report:
    cases: int = 0
    events: int = 0
    checkpoints: int = 0
    breaks: list[chain.Break] = field(default_factory=list)
    #: problems of the checkpoints themselves (Persian sentences)
    checkpoint_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.checkpoint_problems

    def as_dict(self) -> dict:
        return {"ok": self.ok, "cases": self.cases, "events": self.events, "checkpoints": self.checkpoints,
                "broken_cases": sorted({b.case_id for b in self.breaks}),
                "breaks": [b.as_dict() for b in self.breaks],
                "checkpoint_problems": self.checkpoint_problems, "warnings": self.warnings,
                "seconds": round(self.seconds, 3)}

    def lines(self) -> list[str]:
        out = [f"بازبینی تاریخچه‌ها: {self.cases} پرونده، {self.events} رویداد، {self.checkpoints} نقطهٔ بازرسی"
               f" در {self.seconds:.1f} ثانیه."]
        out += [f"هشدار: {w}" for w in self.warnings]
        out += [f"نقطهٔ بازرسی: {p}" for p in self.checkpoint_problems]
        out += [b.text for b in self.breaks]
        out.append("همه تاریخچه‌ها دست‌نخورده‌اند." if self.ok else
                   f"{len({b.case_id for b in self.breaks})} پرونده تاریخچهٔ دست‌خورده دارد.")
        return out


def check_checkpoints(conn: Any, public: bytes | None, server_id: str, report: Report,
                      since: str | None = None) -> tuple[dict[str, tuple[int, str]], set[str]]:
    """(newest validly signed head per case, cases signed at or after ``since``)."""
    cps = db.audit_checkpoints
    h = db.audit_heads
    state: dict[str, tuple[int, str]] = {}
    recent: set[str] = set()
    prev_digest = chain.GENESIS
    expect = 1
    marks_by_cp: dict[int, list[Any]] = {}
    for r in conn.execute(select(h).order_by(h.c.checkpoint_id, h.c.case_id)):
        marks_by_cp.setdefault(r.checkpoint_id, []).append(r)
    for row in conn.execute(select(cps).order_by(cps.c.id)):
        report.checkpoints += 1
        name = f"{row.id}"
        if row.id != expect:
            report.checkpoint_problems.append(f"{expect} تا {row.id - 1} حذف شده‌اند")
        expect = row.id + 1
        try:
            body = orjson.loads(row.body)
        except orjson.JSONDecodeError:
            report.checkpoint_problems.append(f"{name}: متن آن خراب است")
            continue
        signed = False
        if not isinstance(body, dict) or chain.canonical(body).decode() != row.body or body.get("id") != row.id:
            report.checkpoint_problems.append(f"{name}: متن آن دست خورده است")
        elif public is None or not chain.verify_sig(public, chain.checkpoint_message(body), row.sig):
            report.checkpoint_problems.append(f"{name}: امضای آن با کلید سرور نمی‌خواند")
        else:
            signed = True
            if body.get("prev") != prev_digest:
                report.checkpoint_problems.append(f"{name}: به نقطهٔ بازرسی پیشین نمی‌پیوندد")
            if body.get("server") != server_id:
                report.checkpoint_problems.append(f"{name}: از سرور دیگری است")
        prev_digest = audit.body_digest(row.body)
        marks = marks_by_cp.pop(row.id, [])
        delta = {m.case_id: (m.n, m.head) for m in marks}
        if not (signed and body.get("delta") == audit.heads_digest(delta)):
            # the checkpoint does not vouch for its heads as a whole: each counts only
            # with its own signature (the slow way, only for a broken checkpoint)
            delta = {}
            for m in marks:
                msg = chain.mark_message(server_id, m.case_id, m.n, m.head, row.id)
                if public is not None and chain.verify_sig(public, msg, m.sig):
                    delta[m.case_id] = (m.n, m.head)
                else:
                    report.checkpoint_problems.append(f"{name}: سرآمد امضاشدهٔ پرونده {m.case_id} دست خورده است")
        state.update(delta)
        if isinstance(body, dict):
            if body.get("delta") != audit.heads_digest(delta):
                report.checkpoint_problems.append(f"{name}: سرآمدهای آن کم یا زیاد شده‌اند")
            if body.get("state") != audit.heads_digest(state):
                report.checkpoint_problems.append(f"{name}: جمع سرآمدها با امضا نمی‌خواند")
        at = body.get("at") if isinstance(body, dict) and signed else row.at  # the signed time when there is one
        if since is not None and str(at) >= since:
            recent |= set(delta)
    for cp_id in marks_by_cp:
        report.checkpoint_problems.append(f"سرآمدهای نقطهٔ بازرسی ناموجود {cp_id}")
    return state, recent


def _unlinked(conn: Any) -> dict[str, list[str]]:
    e, t = db.entities, db.event_chain
    rows = conn.execute(
        select(e.c.id, e.c.case_id)
        .select_from(e.outerjoin(t, t.c.event_id == e.c.id))
        .where(and_(e.c.entity == "event", e.c.case_id.is_not(None), e.c.deleted.is_(False),
                    t.c.event_id.is_(None))))
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r.case_id, []).append(r.id)
    return out


def chain_rows(conn: Any):
    """Every link with its event's stored text, in ``(case_id, n)`` order (streamed)."""
    e, t = db.entities, db.event_chain
    q = (select(t.c.case_id, t.c.n, t.c.event_id, t.c.hash, e.c.data)
         .select_from(t.outerjoin(e, and_(e.c.entity == "event", e.c.id == t.c.event_id)))
         .order_by(t.c.case_id, t.c.n))
    return conn.execution_options(stream_results=True, yield_per=5000).execute(q)


def check_chains(conn: Any, state: dict[str, tuple[int, str]], report: Report,
                 only: set[str] | None = None, *, hash_events: bool = True) -> None:
    """Recompute every case's chain (``only``: just these cases and those with unlinked
    events). ``hash_events=False`` reads the same rows and hashes nothing (the
    benchmark's baseline)."""
    unlinked = _unlinked(conn)
    seen: set[str] = set()

    def finish(case_id: str, links: list[chain.Link], events: dict[str, dict | None]) -> None:
        seen.add(case_id)
        if only is not None and case_id not in only and case_id not in unlinked:
            return
        report.cases += 1
        report.events += len(links)
        if not hash_events:
            return
        signed = state.get(case_id)
        mark = chain.Mark(*signed) if signed else None
        report.breaks += chain.check_case(case_id, links, events, mark, unlinked.get(case_id, ()))

    current: str | None = None
    links: list[chain.Link] = []
    events: dict[str, dict | None] = {}
    loads, link = orjson.loads, chain.Link
    for case_id, n, event_id, hash_, data in chain_rows(conn):
        if case_id != current:
            if current is not None:
                finish(current, links, events)
            current, links, events = case_id, [], {}
        links.append(link(n, event_id, hash_))
        events[event_id] = loads(data) if data is not None else None
    if current is not None:
        finish(current, links, events)
    for case_id in sorted(set(unlinked) - seen):
        finish(case_id, [], {})
    for case_id in sorted(set(state) - seen):  # a whole history gone, signed heads kept
        if only is None or case_id in only:
            report.breaks.append(chain.Break(case_id, "deleted", "همه رویدادها"))


def check_published(conn: Any, published: dict, public: bytes | None, report: Report) -> None:
    """A checkpoint kept outside the server must be in the database, unchanged."""
    body = published.get("checkpoint") if isinstance(published, dict) else None
    if not isinstance(body, dict) or not isinstance(published.get("sig"), str):
        report.checkpoint_problems.append("پروندهٔ نقطهٔ بازرسی منتشرشده خوانا نیست")
        return
    if public is None or not chain.verify_sig(public, chain.checkpoint_message(body), published["sig"]):
        report.checkpoint_problems.append("امضای نقطهٔ بازرسی منتشرشده با کلید سرور نمی‌خواند")
        return
    t = db.audit_checkpoints
    row = conn.execute(select(t.c.body).where(t.c.id == body.get("id"))).first()
    if row is None:
        report.checkpoint_problems.append(f"نقطهٔ بازرسی منتشرشدهٔ {body.get('id')} در پایگاه داده نیست")
    elif row.body != chain.canonical(body).decode():
        report.checkpoint_problems.append(f"نقطهٔ بازرسی {body.get('id')} با نسخهٔ منتشرشده فرق دارد")


def trusted_key(central: Any, public_b64: str | None, published: dict | None, report: Report) -> bytes | None:
    """The key checkpoints are checked against (see the module docstring)."""
    known = central.audit_public_key()
    path = central.audit_key_path
    public: bytes | None
    if path.exists():
        public = audit.AuditKey.load_or_create(path).public
    elif public_b64:
        public = audit.public_from_b64(public_b64)
    elif published and isinstance(published.get("checkpoint"), dict):
        public = audit.public_from_b64(str(published["checkpoint"].get("key") or ""))
    else:
        public = audit.public_from_b64(known) if known else None
        report.warnings.append("کلید سرور در دسترس نبود؛ به کلیدی که پایگاه داده نام می‌برد اعتماد شد"
                               " (--public-key یا --checkpoint بدهید)")
        return public
    if known is not None and known != chain.b64(public or b""):
        report.checkpoint_problems.append("پایگاه داده کلید دیگری را کلید سرور می‌نامد")
    return public


def verify(central: Any, *, since: str | None = None, public_b64: str | None = None,
           published: dict | None = None, hash_events: bool = True) -> Report:
    """Check everything (``since``: an ISO date; only checkpoints from then on and the
    cases they signed or that grew since are recomputed)."""
    report = Report()
    started = time.perf_counter()
    public = trusted_key(central, public_b64, published, report)
    with central.engine.connect() as conn:
        state, recent = check_checkpoints(conn, public, central.server_id, report, since)
        if published is not None:
            check_published(conn, published, public, report)
        only = None
        if since is not None:
            grown = {c for c, (n, _h) in audit.current_heads(conn).items() if state.get(c, (0, ""))[0] < n}
            only = recent | grown
        check_chains(conn, state, report, only, hash_events=hash_events)
    report.seconds = time.perf_counter() - started
    return report
