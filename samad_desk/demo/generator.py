"""Deterministic demo and benchmark data: citizens, cases and their histories.

``generate(seed, n_citizens, n_cases)`` yields ``(entity, dict)`` pairs, streaming:
agencies, operators, then every citizen, then each case's events followed by the case in
its final state. Nothing but a byte per citizen (its city) is kept in memory, so it makes
1,000,000 citizens and 200,000 cases in bounded memory.

Citizens are built directly from precomputed pools (it is the hot loop); every case
history is produced by running real ops through :func:`samad_desk.domain.reducer.apply_op`
at simulated times, so each event is exactly what the desk and the server would record
and every state of the workflow occurs with a plausible history (referrals, returns and
re-referrals, extensions, notes, follow-up calls, objections and reopening, escalations,
closing). The same seed, sizes and ``now`` always give the same output.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import accumulate
from time import gmtime, strftime

import jdatetime

from samad_desk.demo import data
from samad_desk.demo.texts import (
    ANSWERS,
    CLOSE_REASONS,
    ESCALATE_REASONS,
    EXTEND_REASONS,
    FOLLOWUP_NOTES,
    NOTES,
    OBJECTIONS,
    PLACES,
    RETURN_REASONS,
    SATISFIED_NOTES,
    describe,
)
from samad_desk.domain.ids import uuid7_from_parts, uuid7_from_rand
from samad_desk.domain.reducer import apply_op
from samad_desk.domain.sla import IRAN_TZ, WorkingCalendar
from samad_desk.domain.tracking import make_tracking_code

#: the fixed "now" of generated data unless another is given (keeps output reproducible)
DEFAULT_NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
BATCH = 4096
DAY = 86400
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_IRAN_OFFSET = int(IRAN_TZ.utcoffset(None).total_seconds())  # type: ignore[union-attr]


class _Pool:
    """Weighted choice from a fixed list with precomputed cumulative weights."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs) -> None:
        pairs = list(pairs)
        self.items = [p[0] for p in pairs]
        self.cum = list(accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]

    def many(self, rng: random.Random, k: int) -> list:
        return rng.choices(self.items, cum_weights=self.cum, k=k)


def _nid_tables():
    w_hi = [0] * 1000  # serial digits 1-3 (weights 7, 6, 5)
    w_lo = [0] * 1000  # serial digits 4-6 (weights 4, 3, 2)
    for x in range(1000):
        a, b, c = x // 100, x // 10 % 10, x % 10
        w_hi[x] = 7 * a + 6 * b + 5 * c
        w_lo[x] = 4 * a + 3 * b + 2 * c
    return w_hi, w_lo


_W_HI, _W_LO = _nid_tables()
_SERIAL_MUL = 387_371  # odd and not a multiple of 5: a bijection of 0..999999


def _prefix_sum(prefix: str) -> int:
    return 10 * int(prefix[0]) + 9 * int(prefix[1]) + 8 * int(prefix[2])


def _surname_pool() -> _Pool:
    pairs: list[tuple[str, float]] = [(n, float(w)) for n, w in data.COMMON_SURNAMES]
    common_total = sum(w for _, w in pairs)
    tail: list[tuple[str, float]] = []
    suffix_total = sum(w for _, w in data.SURNAME_SUFFIXES)
    for rank, stem in enumerate(data.SURNAME_STEMS):
        zipf = 1.0 / (rank + 2)
        for suffix, sw in data.SURNAME_SUFFIXES:
            weight = zipf * sw / suffix_total
            if suffix in ("زاده", "پور"):
                # the same family name comes with a ZWNJ, nothing, or a space
                tail.append((stem + data.ZWNJ + suffix, weight * 0.7))
                tail.append((stem + suffix, weight * 0.2))
                tail.append((stem + " " + suffix, weight * 0.1))
            elif suffix == "ی" and stem.endswith(("ی", "ا")):
                tail.append((stem + "یی", weight))
            else:
                tail.append((stem + suffix, weight))
    tail_total = sum(w for _, w in tail)
    scale = common_total * 0.8 / tail_total  # the long tail is ~45% of people
    return _Pool(pairs + [(n, w * scale) for n, w in tail])


class _Pools:
    def __init__(self) -> None:
        self.female = _Pool(data.FEMALE_NAMES)
        self.male = _Pool(data.MALE_NAMES)
        self.surname = _surname_pool()
        self.sayyed_surname = data.SAYYED_SURNAMES
        self.city = _Pool([(i, c[1]) for i, c in enumerate(data.QAZVIN_CITIES)])
        self.city_names = [c[0] for c in data.QAZVIN_CITIES]
        self.city_prefixes = [c[2] for c in data.QAZVIN_CITIES]
        self.other_prefix = _Pool(data.OTHER_NID_PREFIXES)
        self.mobile = _Pool(data.MOBILE_PREFIXES)
        self.prefix_sum = {}
        for p in [p for c in data.QAZVIN_CITIES for p in c[2]] + [p for p, _ in data.OTHER_NID_PREFIXES]:
            self.prefix_sum[p] = _prefix_sum(p)
        # 1 Farvardin of 1315..1360: many older records carry it as a placeholder birth date
        self.nowruz_births = [jdatetime.date(y, 1, 1).togregorian().isoformat() for y in range(1315, 1361)]


def _national_id(prefix: str, serial: int, psum: int) -> str:
    s = psum + _W_HI[serial // 1000] + _W_LO[serial % 1000]
    r = s % 11
    return f"{prefix}{serial:06d}{r if r < 2 else 11 - r}"


_MASK74 = (1 << 74) - 1
_MIX = 0x2545F4914F6CDD1D3B  # odd: a bijection modulo 2**74


def _key(seed: int, kind: str) -> int:
    return int(uuid7_from_parts(0, f"{seed}:{kind}".encode()).replace("-", ""), 16) & _MASK74


def _rand(n: int, key: int) -> int:
    """74 pseudo-random bits, distinct for distinct ``n`` (a bijection of n, then a key)."""
    return ((n * _MIX) & _MASK74) ^ key


def citizen_id(seed: int, index: int, n_citizens: int, now: datetime = DEFAULT_NOW) -> str:
    """The id of the ``index``-th generated citizen (recomputable without storing it)."""
    return uuid7_from_rand(_citizen_ms(index, n_citizens, now), _rand(index, _key(seed, "citizen")))


def _citizen_ms(index: int, n: int, now: datetime) -> int:
    end = int(now.timestamp() * 1000) - 366 * DAY * 1000
    start = end - 5 * 365 * DAY * 1000
    n = max(1, n)
    step = (end - start) // n
    # evenly spread (so ids stay in index order), with a jitter smaller than the step
    return start + (end - start) * index // n + ((index * 2654435761) % 997) * step // 1000


def generate_citizens(
    seed: int, n: int, *, now: datetime = DEFAULT_NOW, cities: bytearray | None = None
) -> Iterator[dict]:
    """``n`` citizen dicts. ``cities``, if given, receives each citizen's city index."""
    rng = random.Random(f"citizens:{seed}")
    P = _Pools()
    counters: dict[str, int] = {}
    offsets = {p: rng.randrange(1_000_000) for p in P.prefix_sum}
    birth_lo = date(1940, 1, 1).toordinal()
    birth_hi = date(2007, 12, 31).toordinal()
    birth_mode = date(1984, 6, 1).toordinal()
    rand = rng.random
    variants = data.COMPOUND_VARIANTS
    ckey = _key(seed, "citizen")
    for start in range(0, n, BATCH):
        k = min(BATCH, n - start)
        females = P.female.many(rng, k)
        males = P.male.many(rng, k)
        fathers = P.male.many(rng, k)
        surnames = P.surname.many(rng, k)
        city_idx = P.city.many(rng, k)
        mobiles = P.mobile.many(rng, k)
        for j in range(k):
            i = start + j
            ci = city_idx[j]
            if cities is not None:
                cities.append(ci)
            female = rand() < 0.5
            first = females[j] if female else males[j]
            if first in variants and rand() < 0.12:
                first = rng.choice(variants[first])
            sayyed = rand() < 0.09
            last = surnames[j]
            if sayyed:
                if rand() < 0.6:
                    last = rng.choice(P.sayyed_surname)
                u = rand()
                if u < 0.2:
                    first = ("سیده " if female else "سید ") + first
                elif u < 0.26 and female:
                    first = first + " سادات"
            # national ID: office prefix by city of birth (or elsewhere), unique serial
            u = rand()
            if u < 0.003:
                nid = None
            else:
                if u < 0.8:
                    prefixes = P.city_prefixes[ci]
                    prefix = prefixes[0] if len(prefixes) == 1 else rng.choice(prefixes)
                else:
                    prefix = P.other_prefix.pick(rng)
                c = counters.get(prefix, 0)
                counters[prefix] = c + 1
                serial = (c * _SERIAL_MUL + offsets[prefix]) % 1_000_000
                nid = _national_id(prefix, serial, P.prefix_sum[prefix])
            mobile = None if rand() < 0.04 else f"0{mobiles[j]}{rng.randrange(10_000_000):07d}"
            u = rand()
            if u < 0.02:
                birth = None
            elif u < 0.04:
                birth = rng.choice(P.nowruz_births)
            else:
                birth = date.fromordinal(int(rng.triangular(birth_lo, birth_hi, birth_mode))).isoformat()
            ms = _citizen_ms(i, n, now)
            yield {
                "id": uuid7_from_rand(ms, _rand(i, ckey)),
                "national_id": nid,
                "no_national_id": nid is None,
                "first_name": first,
                "last_name": last,
                "father_name": "" if rand() < 0.03 else fathers[j],
                "birth_date": birth,
                "mobile": mobile,
                "city": P.city_names[ci],
                "sayyed": sayyed,
                "merged_into": None,
                "created_at": strftime("%Y-%m-%dT%H:%M:%SZ", gmtime(ms // 1000)),
                "version": 1,
            }


# -- cases -------------------------------------------------------------------------------------

#: mean working days an agency takes to answer (drives on-time share per agency)
_AGENCY_SPEED = {
    "water-qazvin": 5, "power-qazvin": 4, "gas-qazvin": 6, "municipality-qazvin": 9,
    "education-qazvin": 7, "social-security-qazvin": 8, "medical-university-qazvin": 8,
    "roads-qazvin": 11, "welfare-qazvin": 7, "inspection-qazvin": 12,
}
_TYPE_WEIGHTS = {"request": 45, "complaint": 30, "report": 8, "criticism": 6, "suggestion": 5,
                 "inspection": 4, "plan": 2}


class _CaseReader:
    """The reader the generator gives the reducer: one case, its citizen, shared tables."""

    __slots__ = ("case", "citizen", "agencies", "operators")

    def __init__(self, agencies: dict, operators: dict) -> None:
        self.case: dict | None = None
        self.citizen: dict = {}
        self.agencies = agencies
        self.operators = operators

    def get(self, entity: str, id: str) -> dict | None:
        if entity == "case":
            return self.case if self.case is not None and self.case["id"] == id else None
        if entity == "citizen":
            return self.citizen if self.citizen.get("id") == id else None
        if entity == "operator":
            return self.operators.get(id)
        return None

    def citizen_by_national_id(self, nid: str) -> dict | None:
        return None

    def case_by_tracking_code(self, code: str) -> dict | None:
        case = self.case
        return case if case is not None and case.get("tracking_code") == code else None

    def agency(self, id: str) -> dict | None:
        return self.agencies.get(id)


def _actor(op: dict) -> dict:
    return {"operator_id": op["id"], "name": op["name"], "role": op["role"],
            "agency_id": op["agency_id"], "office_id": "QZV-111" if op["agency_id"] is None else op["agency_id"]}


_OP_KEYS: dict[int, int] = {}


class _CaseSim:
    """Simulates one case's life with real ops until ``now``."""

    def __init__(self, seed: int, now: datetime, cal: WorkingCalendar, reader: _CaseReader,
                 rng: random.Random) -> None:
        self.seed = seed
        self.now = now
        self.now_ts = now.timestamp()
        self.cal = cal
        self.reader = reader
        self.rng = rng
        self.events: list[dict] = []
        self.k = 0
        self.n = 0
        self.op_key = _OP_KEYS.get(seed) or _OP_KEYS.setdefault(seed, _key(seed, "op"))

    def op(self, type_: str, actor: dict, payload: dict, ts: float) -> bool:
        """Apply one op at time ``ts``; False (and nothing applied) if ``ts`` is after now."""
        if ts > self.now_ts:
            return False
        self.n += 1
        ms = int(ts * 1000)
        case = self.reader.case
        entity_id = case["id"] if case is not None else self.case_id
        op = {
            "op_id": uuid7_from_rand(ms, _rand(self.k << 16 | self.n, self.op_key)),
            "client_id": None, "client_seq": None, "type": type_, "v": 1,
            "entity_id": entity_id, "base_version": None if case is None else case["version"],
            "payload": payload, "actor": actor,
            "client_time": None, "clock_offset_ms": 0,  # ops are not output; events carry the time
        }
        at = datetime.fromtimestamp(ts, UTC)
        out = apply_op(op, self.reader, now=at, calendar=self.cal)
        if not out.ok:  # a bug in the simulation, not in the data: fail loudly
            raise AssertionError(f"demo op {type_} rejected: {out.code} {out.message}")
        for ch in out.changes:
            if ch.entity == "case":
                self.reader.case = ch.data
            elif ch.entity == "event":
                self.events.append(ch.data)
        return True

    def workday_ts(self, after_ts: float, working_days: int) -> float:
        """A moment in office hours (Iran time) ``working_days`` working days after ``after_ts``
        (``0``: half an hour to four hours later)."""
        if working_days <= 0:
            return after_ts + self.rng.uniform(1800, 4 * 3600)
        o = int((after_ts + _IRAN_OFFSET) // DAY) + _EPOCH_ORD
        d = self.cal.add_working_days(date.fromordinal(o), working_days)
        local_8am = (d.toordinal() - _EPOCH_ORD) * DAY - _IRAN_OFFSET + 8 * 3600
        return local_8am + self.rng.uniform(0, 6.5 * 3600)


def generate_cases(
    seed: int, n_cases: int, n_citizens: int, *, now: datetime = DEFAULT_NOW,
    cities: bytearray | None = None, calendar: WorkingCalendar | None = None,
) -> Iterator[tuple[str, dict]]:
    """Each case's events, then the case itself in its state at ``now``."""
    rng = random.Random(f"cases:{seed}")
    cal = calendar or WorkingCalendar(province=data.PROVINCE)
    agencies = {a["id"]: a for a in data.qazvin_agencies()}
    operators = {o["id"]: o for o in data.demo_operators()}
    agents = [_actor(o) for o in operators.values() if o["role"] == "agent"]
    supers = [_actor(o) for o in operators.values() if o["role"] == "supervisor"]
    officers: dict[str, list[dict]] = {}
    managers: dict[str, dict] = {}
    for o in operators.values():
        if o["role"] == "officer":
            officers.setdefault(o["agency_id"], []).append(_actor(o))
        elif o["role"] == "manager":
            managers[o["agency_id"]] = _actor(o)
    subjects = data.subjects_flat()
    subject_pool = _Pool([(s, s["weight"]) for s in subjects])
    agency_ids = list(agencies)
    type_names = list(_TYPE_WEIGHTS)
    reader = _CaseReader(agencies, operators)
    counters = [0] * len(agents)
    now_ts = now.timestamp()
    frequent = max(1, n_citizens // 50)
    cit_rng = random.Random(f"callers:{seed}")
    case_key = _key(seed, "case")
    citizen_key = _key(seed, "citizen")
    for k in range(n_cases):
        # caller: repeat callers are over-represented
        if n_citizens <= 0:
            raise ValueError("cases need citizens")
        ci = cit_rng.randrange(frequent) if cit_rng.random() < 0.25 else cit_rng.randrange(n_citizens)
        cid = uuid7_from_rand(_citizen_ms(ci, n_citizens, now), _rand(ci, citizen_key))
        city = data.QAZVIN_CITIES[cities[ci]][0] if cities is not None and ci < len(cities) else "قزوین"
        reader.citizen = {"id": cid, "national_id": "x", "no_national_id": False, "merged_into": None}
        reader.case = None
        sim = _CaseSim(seed, now, cal, reader, rng)
        sim.k = k
        age_days = 400 * rng.random() ** 1.4
        reg_ts = now_ts - age_days * DAY
        # calls come in office hours, Iran time
        local = datetime.fromtimestamp(reg_ts, IRAN_TZ)
        reg_ts = datetime(local.year, local.month, local.day, 7, 30, tzinfo=IRAN_TZ).timestamp() + rng.uniform(0, 12 * 3600)
        if reg_ts > now_ts:
            reg_ts = now_ts - rng.uniform(60, 3600)
        sim.case_id = uuid7_from_rand(int(reg_ts * 1000), _rand(k, case_key))
        subject = subject_pool.pick(rng)
        ctype = rng.choice(subject["case_types"]) if rng.random() < 0.85 else rng.choices(
            type_names, weights=list(_TYPE_WEIGHTS.values()))[0]
        ai = rng.randrange(len(agents))
        agent = agents[ai]
        counters[ai] += 1
        code = make_tracking_code(101 + ai, counters[ai])
        place = rng.choice(PLACES)
        sim.op("case.register", agent, {
            "tracking_code": code, "citizen_id": cid, "type": ctype, "subject": subject["key"],
            "city": city, "description": describe(subject["key"], city, place, rng),
            "urgency": "urgent" if rng.random() < 0.07 else "normal",
            "channel": rng.choices(("call", "letter", "walk_in", "web"), weights=(86, 5, 5, 4))[0],
        }, reg_ts)
        _life(sim, subject, agent, agents, supers, officers, managers, agency_ids, agencies, reg_ts)
        yield from (("event", e) for e in sim.events)
        yield ("case", reader.case)


def _life(sim: _CaseSim, subject, agent, agents, supers, officers, managers, agency_ids, agencies,
          t: float) -> None:
    rng = sim.rng
    u = rng.random()
    if u < 0.01:  # a duplicate or nuisance message, closed by the supervisor
        t += rng.uniform(3600, 3 * DAY)
        sim.op("case.close", rng.choice(supers), {"reason": rng.choice(CLOSE_REASONS)}, t)
        return
    if u < 0.04 and sim.now_ts - t < 3 * DAY:  # not referred yet
        return
    target = subject["agency_id"]
    wrong = rng.random() < 0.07
    first = rng.choice([a for a in agency_ids if a != target]) if wrong else target
    t += rng.uniform(60, 600) if rng.random() < 0.9 else rng.uniform(3600, 2 * DAY)
    if not sim.op("case.refer", agent, {"agency_id": first, "note": ""}, t):
        return
    agency = first
    for _round in range(2):
        officer = rng.choice(officers[agency])
        manager = managers[agency]
        speed = _AGENCY_SPEED.get(agency, 8)
        if rng.random() < 0.04:  # this agency never gets to it
            _maybe_followup(sim, agents, t + rng.uniform(2, 12) * DAY)
            _maybe_escalate(sim, supers, t)
            return
        if rng.random() < 0.2:
            t = sim.workday_ts(t, rng.randint(0, 1))
            if not sim.op("case.assign", manager, {"operator_id": officer["operator_id"]}, t):
                return
        t = sim.workday_ts(t, rng.choice((0, 0, 1, 1, 2, 3)))
        if not sim.op("case.accept", officer, {}, t):
            return
        if agency != target and rng.random() < 0.9:
            t = sim.workday_ts(t, rng.randint(1, 3))
            reason = rng.choice(RETURN_REASONS).format(agency=agencies[target]["name"])
            if not sim.op("case.return", officer, {"reason": reason, "suggested_agency_id": target}, t):
                return
            if rng.random() < 0.1:
                return  # still waiting for the 111 unit
            t = sim.workday_ts(t, rng.randint(0, 2))
            if not sim.op("case.refer", rng.choice(agents), {"agency_id": target, "note": "ارجاع مجدد به دستگاه پیشنهادی"}, t):
                return
            agency = target
            continue
        break
    case = sim.reader.case
    days, max_days = sim.cal.sla_days_for(agencies[agency], case["type"])
    need = max(1, int(rng.gauss(speed, speed / 2)))
    t_answer = sim.workday_ts(t, need)
    # what happens while the agency works on it, applied in time order
    plan: list[tuple[float, str, dict, dict]] = []
    if rng.random() < 0.15:
        t_note = sim.workday_ts(t, rng.randint(0, max(0, need - 1)))
        plan.append((min(t_note, t_answer - 120), "case.note", officer, {"text": rng.choice(NOTES)}))
    if rng.random() < 0.2:
        t_f = min(t + rng.uniform(1, 8) * DAY, t_answer - 60)
        plan.append((t_f, "case.followup", rng.choice(agents),
                     {"note": rng.choice(FOLLOWUP_NOTES), "satisfied": None}))
    if need > days and rng.random() < 0.6:
        extra = min(max_days - days, need - days + rng.randint(0, 1))
        if extra > 0:
            t_ext = sim.workday_ts(t, max(0, days - 1 - rng.randint(0, 2)))
            plan.append((t_ext, "case.extend", officer,
                         {"days": extra, "reason": rng.choice(EXTEND_REASONS)}))
    if need > days + 3 and rng.random() < 0.4:
        plan.append((sim.workday_ts(t, days + 3), "case.escalate", rng.choice(supers),
                     {"reason": rng.choice(ESCALATE_REASONS)}))
    plan.sort(key=lambda p: p[0])
    for ts, type_, actor, payload in plan:
        if ts <= t:
            ts = t + 60
        if not sim.op(type_, actor, payload, ts):
            return
        t = ts
    t = max(t_answer, t + 60)
    answerer = officer if rng.random() < 0.85 else managers[agency]
    if not sim.op("case.answer", answerer, {"text": rng.choice(ANSWERS)}, t):
        return
    u = rng.random()
    if u < 0.10:  # objection: reopened, answered again
        t += rng.uniform(1, 5) * DAY
        if not sim.op("case.followup", rng.choice(agents), {"note": rng.choice(OBJECTIONS), "satisfied": False}, t):
            return
        t = sim.workday_ts(t, rng.randint(2, 6))
        if not sim.op("case.answer", answerer, {"text": rng.choice(ANSWERS)}, t):
            return
        u = rng.random() * 0.85
    if u < 0.60:
        t += rng.uniform(1, 7) * DAY
        sim.op("case.followup", rng.choice(agents), {"note": rng.choice(SATISFIED_NOTES), "satisfied": True}, t)
    elif u < 0.85:
        t = sim.workday_ts(t, rng.randint(3, 10))
        sim.op("case.close", managers[agency] if rng.random() < 0.5 else officer,
               {"reason": "پاسخ به اطلاع شهروند رسید و در مهلت مقرر اعتراضی نشد"}, t)
    # else: stays answered


def _maybe_followup(sim: _CaseSim, agents, t: float) -> None:
    sim.op("case.followup", sim.rng.choice(agents), {"note": sim.rng.choice(FOLLOWUP_NOTES), "satisfied": None}, t)


def _maybe_escalate(sim: _CaseSim, supers, t: float) -> None:
    if sim.rng.random() < 0.5:
        sim.op("case.escalate", sim.rng.choice(supers), {"reason": sim.rng.choice(ESCALATE_REASONS)},
               t + 20 * DAY)


def generate(
    seed: int = 1, n_citizens: int = 1000, n_cases: int = 200, *, now: datetime | None = None,
    calendar: WorkingCalendar | None = None, reference: bool = True,
) -> Iterator[tuple[str, dict]]:
    """Everything, as ``(entity, dict)`` pairs: agencies and operators (``reference``),
    citizens, then cases with their events. Deterministic for (seed, sizes, now)."""
    now = now or DEFAULT_NOW
    if reference:
        for a in data.qazvin_agencies():
            yield ("agency", a)
        for o in data.demo_operators():
            yield ("operator", o)
    cities = bytearray()
    for c in generate_citizens(seed, n_citizens, now=now, cities=cities):
        yield ("citizen", c)
    if n_cases:
        yield from generate_cases(seed, n_cases, n_citizens, now=now, cities=cities, calendar=calendar)


__all__ = ["DEFAULT_NOW", "citizen_id", "generate", "generate_cases", "generate_citizens"]
