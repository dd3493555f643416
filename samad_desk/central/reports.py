"""Reports on the central server: the SQL executor behind ``POST /v1/reports/run``.

Cases live in ``entities`` as JSON; a report groups the ``report_facts`` table instead:
one row per case, built by :func:`samad_desk.reports.facts.case_fact` (the function the
desk uses), so both executors count a case the same way. The table is derived data: it
is created on first use and kept up to date from the change log (``report_seq`` in
``server_meta`` is the last change folded in); a missing or compacted log rebuilds it.

The query is SQLAlchemy Core ``GROUP BY`` on SQLite and PostgreSQL; the grouped sums go
to the same engine (``reports/engine.py``) as the desk's. Scope comes from the
operator's own row (``read_scope``): an agency role sees its agency, a province role its
province, whatever the request says.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Connection

from samad_desk.central import db
from samad_desk.central.errors import bad_request
from samad_desk.domain.permissions import read_scope
from samad_desk.domain.sla import WorkingCalendar, iran_date
from samad_desk.reports.engine import Hist, Parts, Plan, Result, add_dups, run
from samad_desk.reports.facts import STORED_DIMS, SUM_COLS, build_facts, duplicate_facts
from samad_desk.reports.period import Period
from samad_desk.reports.spec import ReportSpec, SpecError, spec_from_dict

_meta = MetaData()
facts_table = Table(
    "report_facts",
    _meta,
    Column("id", String(64), primary_key=True),
    *(Column(d, String(200), nullable=False, default="") for d in STORED_DIMS),
    Column("reg_date", String(10), nullable=False, default=""),
    Column("due", String(10)),
    Column("answer_days", Integer),
    *(Column(c, Integer, nullable=False, default=0) for c in SUM_COLS),
    Index("ix_report_facts_province", "province", "reg_date"),
    Index("ix_report_facts_agency", "agency", "reg_date"),
)
_COLUMNS = [c.name for c in facts_table.columns]

#: the dimensions of the rollup: the agency's (province, agency, kind, manager) and the
#: registration day's; a spec grouped and filtered only by these (and the deadline band)
#: is answered from the rollup instead of the facts
ROLLUP_DIMS = ("province", "agency", "agency_kind", "manager", "day", "week", "month", "season", "year")
_ROLLUP_KEYS = (*ROLLUP_DIMS, "reg_date")


def _rollup_columns() -> list[Column]:
    """Key columns of a rollup row: the rollup dimensions, the registration day, and for
    an open case its due day (``odue``; "" for a case not open or without one) and
    ``is_open`` — all the deadline band and overdue read (a case not open is "none"
    whatever its due day, so folding those due days together changes no answer)."""
    return [*(Column(d, String(200), nullable=False, default="") for d in _ROLLUP_KEYS),
            Column("odue", String(10), nullable=False, default=""),
            Column("is_open", Integer, nullable=False, default=0)]


#: the facts summed per rollup key (a few dozen rows per agency and day instead of a
#: row per case); derived data like report_facts, rebuilt per registration day
rollup_table = Table(
    "report_rollup", _meta, *_rollup_columns(),
    *(Column(c, Integer, nullable=False, default=0) for c in SUM_COLS),
    Index("ix_report_rollup_province", "province", "reg_date"),
    Index("ix_report_rollup_agency", "agency", "reg_date"),
    Index("ix_report_rollup_day", "reg_date"),
)
#: cases per rollup key and working days to answer (the median's histogram)
rollup_hist_table = Table(
    "report_rollup_hist", _meta, *_rollup_columns(),
    Column("answer_days", Integer, nullable=False),
    Column("n", Integer, nullable=False, default=0),
    Index("ix_report_rollup_hist_province", "province", "reg_date"),
    Index("ix_report_rollup_hist_agency", "agency", "reg_date"),
    Index("ix_report_rollup_hist_day", "reg_date"),
)
#: the *duplicate citizens found* measure's facts (``facts.duplicate_facts``): one row per
#: citizen merge not undone, in the province of the desk that pushed it
dups_table = Table(
    "report_dups", _meta,
    Column("id", String(64), primary_key=True),
    Column("op_id", String(100), nullable=False),
    *(Column(d, String(200), nullable=False, default="") for d in STORED_DIMS),
    Column("reg_date", String(10), nullable=False, default=""),
    Column("due", String(10)),
    Column("open", Integer, nullable=False, default=0),
    Column("dups", Integer, nullable=False, default=0),
    Index("ix_report_dups_province", "province", "reg_date"),
    Index("ix_report_dups_op", "op_id"),
)
_DUP_COLUMNS = [c.name for c in dups_table.columns]
_MERGE_KINDS = ("citizen.merge", "citizen.unmerge")
#: the rollup's (and the duplicates table's) layout version in ``server_meta`` (a
#: missing or older one rebuilds them)
ROLLUP_KEY = "report_rollup"
ROLLUP_VERSION = "1"
META_KEY = db.REPORT_SEQ
_LOCK = 1110116
CHUNK = 2000


def _row(fact: dict) -> dict:
    return {k: fact[k] for k in _COLUMNS}


def _agencies(conn: Connection) -> list[dict]:
    t = db.entities
    rows = conn.execute(select(t.c.data).where(t.c.entity == "agency", t.c.deleted.is_(False))).all()
    return [orjson.loads(r.data) for r in rows if r.data]


def _facts_of(conn: Connection, case_rows: Sequence[Any], agencies: list[dict], cal: WorkingCalendar) -> list[dict]:
    """Facts of the case rows (``id, data, province``) with their events."""
    t = db.entities
    ids = [r.id for r in case_rows]
    events = (orjson.loads(r.data) for r in conn.execute(
        select(t.c.data).where(t.c.entity == "event", t.c.case_id.in_(ids), t.c.deleted.is_(False))))
    cases = [orjson.loads(r.data) for r in case_rows]
    return build_facts(cases, events, agencies, cal, provinces={r.id: r.province for r in case_rows})


def _write(conn: Connection, ids: list[str], facts: list[dict]) -> set[str]:
    """Replace the facts of ``ids`` with ``facts``; returns the registration days they
    had before and have now (the rollup days to rebuild)."""
    days: set[str] = set()
    if ids:
        t = facts_table
        days.update(r[0] for r in conn.execute(select(t.c.reg_date).where(t.c.id.in_(ids)).distinct()))
        conn.execute(delete(t).where(t.c.id.in_(ids)))
    if facts:
        conn.execute(insert(facts_table), [_row(f) for f in facts])
        days.update(f["reg_date"] for f in facts)
    return days


def _odue(t: Table) -> Any:
    return case((t.c.open == 1, func.coalesce(t.c.due, "")), else_="")


def _rollup(conn: Connection, days: set[str] | None) -> None:
    """Rebuild the rollup rows of the registration ``days`` from the facts (all of them
    for None): the same sums, grouped by the rollup keys."""
    f = facts_table
    keys = [f.c[k] for k in _ROLLUP_KEYS]
    odue = _odue(f).label("odue")
    for table in (rollup_table, rollup_hist_table):
        for chunk in ([None] if days is None else _chunks(sorted(days))):
            if chunk is not None:
                conn.execute(delete(table).where(table.c.reg_date.in_(chunk)))
            where = [] if chunk is None else [f.c.reg_date.in_(chunk)]
            if table is rollup_table:
                q = select(*keys, odue, f.c.open, *(func.sum(f.c[c]) for c in SUM_COLS)) \
                    .where(*where).group_by(*keys, odue, f.c.open)
                cols = [*_ROLLUP_KEYS, "odue", "is_open", *SUM_COLS]
            else:
                q = select(*keys, odue, f.c.open, f.c.answer_days, func.count()) \
                    .where(*where, f.c.answer_days.is_not(None)).group_by(*keys, odue, f.c.open, f.c.answer_days)
                cols = [*_ROLLUP_KEYS, "odue", "is_open", "answer_days", "n"]
            conn.execute(insert(table).from_select(cols, q))


def _chunks(items: list, n: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _rebuild(conn: Connection, cal: WorkingCalendar) -> int:
    t = db.entities
    conn.execute(delete(facts_table))
    agencies = _agencies(conn)
    ids = [r.id for r in conn.execute(
        select(t.c.id).where(t.c.entity == "case", t.c.deleted.is_(False)).order_by(t.c.id))]
    for chunk in _chunks(ids):
        rows = conn.execute(select(t.c.id, t.c.data, t.c.province).where(
            t.c.entity == "case", t.c.id.in_(chunk))).all()
        _write(conn, [], _facts_of(conn, rows, agencies, cal))
    _rollup_all(conn)
    return len(ids)


def _rollup_all(conn: Connection) -> None:
    for table in (rollup_table, rollup_hist_table):
        conn.execute(delete(table))
    _rollup(conn, None)
    _dups(conn, None)
    db.set_meta(conn, ROLLUP_KEY, ROLLUP_VERSION)


def _dups(conn: Connection, events: list[dict] | None) -> None:
    """Fold merge and unmerge ``events`` (in change order) into ``report_dups``; None:
    rebuild it from every citizen-level event. A merge's province is its event row's
    (the province of the desk that pushed it)."""
    t = db.entities
    provinces: dict[str, str | None] = {}
    if events is None:
        conn.execute(delete(dups_table))
        rows = conn.execute(select(t.c.id, t.c.data, t.c.province).where(
            t.c.entity == "event", t.c.case_id.is_(None), t.c.deleted.is_(False),
            t.c.data.like("%citizen.%merge%"))).all()
        events = [d for d in (orjson.loads(r.data) for r in rows if r.data) if d.get("kind") in _MERGE_KINDS]
        provinces.update((r.id, r.province) for r in rows)
        facts = duplicate_facts(events, lambda ev: provinces.get(str(ev.get("id"))))
        if facts:
            conn.execute(insert(dups_table), [{k: f[k] for k in _DUP_COLUMNS} for f in facts])
        return
    # a fold's merges and unmerges at once: one province query, one delete of each kind,
    # one insert (a merge undone in the same fold gives no row: duplicate_facts)
    merges = [str(ev.get("id")) for ev in events if ev.get("kind") == "citizen.merge"]
    undone = [str((ev.get("data") or {}).get("merge_op_id")) for ev in events if ev.get("kind") == "citizen.unmerge"]
    for chunk in _chunks(merges):
        provinces.update((r.id, r.province) for r in conn.execute(select(t.c.id, t.c.province).where(
            t.c.entity == "event", t.c.id.in_(chunk))))
        conn.execute(delete(dups_table).where(dups_table.c.id.in_(chunk)))
    for chunk in _chunks(undone):
        conn.execute(delete(dups_table).where(dups_table.c.op_id.in_(chunk)))
    facts = duplicate_facts(events, lambda ev: provinces.get(str(ev.get("id"))))
    if facts:
        conn.execute(insert(dups_table), [{k: f[k] for k in _DUP_COLUMNS} for f in facts])


def _affected(conn: Connection, changes: Iterable) -> set[str]:
    """Case ids whose fact may have changed: cases written, cases of events written, the
    cases of an agency written (its manager, kind or province)."""
    t = db.entities
    ids: set[str] = set()
    agencies: set[str] = set()
    for ch in changes:
        if ch.entity == "case":
            ids.add(ch.id)
        elif ch.entity == "agency":
            agencies.add(ch.id)
        elif ch.entity == "event" and ch.data:
            cid = orjson.loads(ch.data).get("case_id")
            if cid:
                ids.add(cid)
    for chunk in _chunks(sorted(agencies)):
        ids.update(r.id for r in conn.execute(
            select(t.c.id).where(t.c.entity == "case", t.c.agency_id.in_(chunk))))
    return ids


def refresh_facts(engine: Engine, cal: WorkingCalendar, *, behind: bool = False) -> int:
    """Fold the change log into ``report_facts`` (rebuilding it when needed); returns the
    number of cases whose facts were written. ``behind``: the caller knows there is
    something to fold (a push applied ops), so the read-only look first is skipped."""
    if not behind:
        with engine.connect() as conn:  # up to date: no write lock, reports run side by side
            last_text = db.get_meta(conn, META_KEY)
            top = conn.execute(select(func.max(db.changes.c.seq))).scalar() or 0
            rolled = db.get_meta(conn, ROLLUP_KEY) == ROLLUP_VERSION
        if last_text is not None and int(last_text) >= top and rolled:
            return 0
    w = db.writer(engine)
    with w.begin() as conn:
        if not db.is_sqlite(engine):
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
        for table in (facts_table, rollup_table, rollup_hist_table, dups_table):
            table.create(conn, checkfirst=True)
        top = conn.execute(select(func.max(db.changes.c.seq))).scalar() or 0
        last_text = db.get_meta(conn, META_KEY)
        last = int(last_text) if last_text is not None else None
        min_seq = int(db.get_meta(conn, "min_seq") or 0)
        if last is not None and last < min_seq:
            last = None
        rebuilt = last is None
        if last is not None and db.get_meta(conn, ROLLUP_KEY) != ROLLUP_VERSION:
            _rollup_all(conn)  # facts current, the rollup missing or of an older layout
            rebuilt = True
        if last is not None and last >= top:
            db.set_meta(conn, META_KEY, str(top))
            n = 0
        elif last is None:
            n = _rebuild(conn, cal)
        else:
            c = db.changes
            changes = conn.execute(select(c.c.entity, c.c.id, c.c.data).where(
                c.c.seq > last, c.c.seq <= top, c.c.entity.in_(("case", "event", "agency"))).order_by(c.c.seq)).all()
            ids = sorted(_affected(conn, changes))
            agencies = _agencies(conn) if ids else []
            t = db.entities
            days: set[str] = set()
            for chunk in _chunks(ids):
                rows = conn.execute(select(t.c.id, t.c.data, t.c.province).where(
                    t.c.entity == "case", t.c.id.in_(chunk), t.c.deleted.is_(False))).all()
                days |= _write(conn, chunk, _facts_of(conn, rows, agencies, cal))
            if days:
                _rollup(conn, days)
            merges = [d for d in (orjson.loads(ch.data) for ch in changes
                                  if ch.entity == "event" and ch.data and "citizen." in ch.data)
                      if d.get("kind") in _MERGE_KINDS]
            if merges:
                _dups(conn, merges)
            n = len(ids)
        db.set_meta(conn, META_KEY, str(top))
    if rebuilt and not db.is_sqlite(engine):
        analyze(engine)
    return n


def analyze(engine: Engine) -> None:
    """Fresh planner statistics for the report tables after they were (re)built: with
    none, PostgreSQL guessed 25 rows for a 340,000-row slice of 1,000,000 facts and
    sorted them on disk (3.5 s instead of 0.9 s)."""
    with engine.connect() as conn:
        for table in (facts_table, rollup_table, rollup_hist_table, dups_table):
            conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.format_table(table)}")
        conn.commit()


class PushRefresher:
    """Folds the change log into the report tables after a push instead of in the next
    report (``POST /v1/sync/push`` schedules :meth:`after_push` to run once the answer
    is sent). One fold runs at a time; a push during a fold asks for one more after it.
    Only on a server that has run a report (the tables exist): the push read that in its
    own transaction (``Central.push_and_fold``), so a central that never reports pays
    nothing, and one that does opens one connection per fold. The read path keeps its own
    check, so a report right after a push is still current (it folds whatever this has
    not yet)."""

    def __init__(self, engine: Engine, calendar: Any) -> None:
        self.engine = engine
        self.calendar = calendar
        self._lock = threading.Lock()
        self._running = False
        self._again = False
        #: folds done (tests read it)
        self.folds = 0

    def after_push(self) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        try:
            while True:
                refresh_facts(self.engine, self.calendar, behind=True)
                self.folds += 1
                with self._lock:
                    if not self._again:
                        self._running = False
                        return
                    self._again = False
        except BaseException:
            with self._lock:
                self._running = False
            raise


def uses_rollup(p: Plan) -> bool:
    """Whether the plan's groups and filters are all rollup dimensions (the deadline band
    reads the rollup's open due day)."""
    return all(d in ROLLUP_DIMS for d in (*p.stored, *p.filters))


def sql_parts(conn: Connection, actor: dict, p: Plan, periods: list[Period | None]) -> list[tuple[Parts, Hist]]:
    """The grouped sums of the facts ``actor`` may read, per period: one ``GROUP BY``, and
    one more (a count) for the answer-days histogram when a median is asked for — over
    the rollup when :func:`uses_rollup`, else over the facts.
    (One query over both periods, told apart by a column and with the answer days as a
    grouping column, measured ~20 % slower on PostgreSQL at 200,000 cases.)"""
    if conn.dialect.name == "postgresql":
        # JIT compiling costs 100+ ms on a 1,000,000-row aggregate and saves less
        conn.exec_driver_sql("SET LOCAL jit = off")
        # room to hash-aggregate in memory (the default 4 MB spilled a sort to disk)
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    return [_period_parts(conn, actor, p, period) for period in periods]


def _period_parts(conn: Connection, actor: dict, p: Plan, period: Period | None) -> tuple[Parts, Hist]:
    rolled = uses_rollup(p)
    t = rollup_table if rolled else facts_table
    scope = read_scope(actor)

    def where(t: Table) -> list[Any]:
        conds: list[Any] = [false()] if scope is None else [t.c[scope[0]] == scope[1]]
        for dim, values in p.filters.items():
            conds.append(t.c[dim].in_(list(values)))
        if period is not None:
            conds.append(t.c.reg_date.between(period.start_iso, period.end_iso))
        return conds

    def group_cols(t: Table) -> list[Any]:
        if not rolled:
            return [t.c[g] for g in p.group]
        return [t.c[{"due": "odue", "open": "is_open"}.get(g, g)] for g in p.group]

    cols = group_cols(t)
    # only the sums the measures read; the others are a constant 0
    sums = [func.sum(t.c[c]) if c in p.sums else literal(0) for c in SUM_COLS]
    if not p.need_overdue:
        overdue: Any = literal(0)
    elif rolled:
        overdue = func.sum(case((and_(t.c.is_open == 1, t.c.odue != "", t.c.odue < p.today), t.c.n), else_=0))
    else:
        overdue = func.sum(case((and_(t.c.open == 1, t.c.due < p.today), 1), else_=0))
    q = select(*cols, *sums, overdue).where(and_(*where(t)))
    if cols:
        q = q.group_by(*cols)
    ng = len(cols)
    band_at = ng - 2 if p.band else None  # the (due, open) pair: "" due is none

    def key(r: Any) -> tuple:
        k = tuple(r[:ng])
        if rolled and band_at is not None and k[band_at] == "":
            k = (*k[:band_at], None, k[band_at + 1])
        return k

    parts: Parts = {}
    for r in conn.execute(q):
        if r[ng] is None:  # no rows at all: SUM over nothing
            continue
        parts[key(r)] = [int(v or 0) for v in r[ng:]]
    hist: Hist = {}
    if p.need_hist:
        if rolled:
            h = rollup_hist_table
            hcols = group_cols(h)
            hq = select(*hcols, h.c.answer_days, func.sum(h.c.n)).where(and_(*where(h)))
            hq = hq.group_by(*hcols, h.c.answer_days)
        else:
            hq = select(*cols, t.c.answer_days, func.count()).where(and_(*where(t), t.c.answer_days.is_not(None)))
            hq = hq.group_by(*cols, t.c.answer_days)
        for r in conn.execute(hq):
            hist[(*key(r), r[ng])] = int(r[ng + 1])
    if p.need_dups:
        d = dups_table
        dcols = [d.c[g] for g in p.group]
        dq = select(*dcols, func.sum(d.c.dups)).where(and_(*where(d)))
        if dcols:
            dq = dq.group_by(*dcols)
        add_dups(parts, {tuple(r[:ng]): int(r[ng]) for r in conn.execute(dq) if r[ng] is not None})
    return parts, hist


def names(conn: Connection) -> dict[str, dict[str, str]]:
    o = db.operators
    ops = {r.id: r.name for r in conn.execute(select(o.c.id, o.c.name))}
    agencies = {a["id"]: str(a.get("name") or a["id"]) for a in _agencies(conn)}
    return {"agency": agencies, "operator": ops}


def run_sql(engine: Engine, spec: ReportSpec, actor: dict, *, today: date, calendar: WorkingCalendar,
            refresh: bool = True) -> Result:
    if refresh:
        refresh_facts(engine, calendar)
    with engine.connect() as conn:
        labels = names(conn)
        return run(spec, lambda p, periods: sql_parts(conn, actor, p, periods), today=today,
                   calendar=calendar, names=labels)


def parse_request(body: Any, now: datetime) -> tuple[ReportSpec, date]:
    """``{"spec": {...}, "today": "YYYY-MM-DD"?}`` → (spec, today). Nothing about who
    asks is read from the body."""
    if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
        raise bad_request("بدنه درخواست باید {\"spec\": {...}} باشد.", "invalid_spec")
    extra = sorted(set(body) - {"spec", "today"})
    if extra:
        raise bad_request(f"کلید ناشناخته «{extra[0]}» در بدنه درخواست.", "invalid_spec")
    try:
        spec = spec_from_dict(body["spec"])
    except SpecError as exc:
        raise bad_request(str(exc), "invalid_spec") from None
    today = iran_date(now)
    if body.get("today") is not None:
        try:
            today = date.fromisoformat(str(body["today"]))
        except ValueError:
            raise bad_request("تاریخ today باید به شکل YYYY-MM-DD باشد.", "invalid_spec") from None
    return spec, today
