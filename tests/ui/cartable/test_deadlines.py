"""Deadline arithmetic in working days (Nowruz, a Thursday-off week, an override closure)
and the overdue → escalation path with a fake clock. Pure: no Textual."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from samad_desk.domain.sla import (
    WorkingCalendar,
    due_date,
    parse_holiday_file,
    remaining_working_days,
)
from samad_desk.reports import (
    CartableFilter,
    apply_filter,
    build_rows,
    deadline_cue,
    escalation_candidates,
    near_deadline,
    overdue_cases,
    responsiveness,
    state_counts,
)
from samad_desk.text.jalali import format_jalali
from tests.support.cartable import NOW, WATER, World


def tehran(d: date, hour: int = 9) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC) - timedelta(hours=3, minutes=30)


def test_nowruz_is_skipped() -> None:
    cal = WorkingCalendar()
    # referred Monday 1403/12/27; 29-30 Esfand, 1-4 Farvardin, 11-13 Farvardin and Fridays are off
    referred = date(2025, 3, 17)
    due = due_date(tehran(referred), 10, cal)
    assert due == date(2025, 4, 7)
    assert format_jalali(due) == "۱۴۰۴/۰۱/۱۸"
    case = {"state": "referred", "due_date": due.isoformat()}
    # during the holidays the count does not move
    assert remaining_working_days(case, date(2025, 3, 19), cal) == 9
    assert remaining_working_days(case, date(2025, 3, 24), cal) == 9
    assert remaining_working_days(case, date(2025, 3, 25), cal) == 8
    assert remaining_working_days(case, due, cal) == 0
    # the day after the deadline is overdue by one, even across a weekend
    assert remaining_working_days(case, date(2025, 4, 8), cal) == -1


def test_thursday_off_week_moves_the_deadline() -> None:
    referred = tehran(date(2025, 1, 11))  # Saturday
    friday_only = WorkingCalendar(weekend=(4,))
    thursday_too = WorkingCalendar(weekend=(3, 4))
    assert due_date(referred, 10, friday_only) == date(2025, 1, 23)
    assert due_date(referred, 10, thursday_too) == date(2025, 1, 26)
    case = {"state": "in_progress", "due_date": "2025-01-26"}
    # Thursday 16 January is not counted in an office with Thursdays off
    assert remaining_working_days(case, date(2025, 1, 15), thursday_too) == 7
    assert remaining_working_days(case, date(2025, 1, 16), thursday_too) == 7
    assert remaining_working_days(case, date(2025, 1, 16), WorkingCalendar(weekend=(4,))) == 8


def test_override_closure_applies_to_its_province_only() -> None:
    overrides = parse_holiday_file("+ ۱۴۰۳/۱۰/۲۶ @qazvin تعطیلی آلودگی هوا\n")
    qazvin = WorkingCalendar(province="qazvin", overrides=overrides)
    tehran_cal = WorkingCalendar(province="tehran", overrides=overrides)
    referred = tehran(date(2025, 1, 11))
    assert not qazvin.is_working_day(date(2025, 1, 15))
    assert tehran_cal.is_working_day(date(2025, 1, 15))
    assert due_date(referred, 10, tehran_cal) == date(2025, 1, 23)
    assert due_date(referred, 10, qazvin) == date(2025, 1, 25)  # +1 working day (24th is Friday)
    # an estimated holiday removed by the file becomes a working day again
    removed = WorkingCalendar(overrides=parse_holiday_file("- 2025-01-14\n"))
    assert removed.is_working_day(date(2025, 1, 14))
    assert due_date(referred, 10, removed) == date(2025, 1, 22)


def test_cues_read_without_colour() -> None:
    assert deadline_cue(3).text == "۳ روز" and deadline_cue(3).level == "ok"
    assert deadline_cue(1).level == "soon"
    assert deadline_cue(0).text == "امروز"
    assert deadline_cue(-2).text == "۲ روز تأخیر" and deadline_cue(-2).overdue
    assert deadline_cue(None).text == "—"


def test_overdue_and_escalation_with_a_fake_clock(settings) -> None:
    world = World(settings)
    cal = world.calendar
    case_id = world.call(WATER, at=NOW)
    due = date.fromisoformat(world.case(case_id)["due_date"])
    assert due == date(2025, 1, 23)

    def at(d: date) -> list:
        return [world.case(case_id)], d

    cases, today = at(due - timedelta(days=1))
    assert near_deadline(cases, today, cal) == cases  # reminder: one working day left
    assert overdue_cases(cases, today, cal) == []
    cases, today = at(due)
    assert deadline_cue(remaining_working_days(cases[0], today, cal)).text == "امروز"
    # the next working day (Friday is off): overdue by one, a candidate for the supervisor
    cases, today = at(date(2025, 1, 25))
    assert overdue_cases(cases, today, cal) == [(cases[0], 1)]
    assert escalation_candidates(cases, today, cal) == [(cases[0], 1)]
    # the supervisor escalates: still overdue, no longer a candidate
    world.act("super1", case_id, "escalate", {"reason": "پاسخ دیر شده است"}, tehran(date(2025, 1, 25), 10))
    cases, today = at(date(2025, 1, 25))
    assert cases[0]["escalated"] is True
    assert overdue_cases(cases, today, cal) == [(cases[0], 1)]
    assert escalation_candidates(cases, today, cal) == []
    # an extension moves the deadline: no longer overdue; it is in the history
    ev = world.act("water1", case_id, "extend", {"days": 3, "reason": "نیاز به بازدید میدانی"},
                   tehran(date(2025, 1, 25), 11))
    assert ev["kind"] == "extend" and ev["data"]["previous_due_date"] == "2025-01-23"
    cases, today = at(date(2025, 1, 25))
    assert cases[0]["due_date"] == "2025-01-27" and cases[0]["extended_days"] == 3
    assert overdue_cases(cases, today, cal) == []
    assert [e["kind"] for e in world.reader.events_of_case(case_id)][-2:] == ["escalate", "extend"]


def test_rows_filters_counts_and_responsiveness(settings) -> None:
    world = World(settings)
    late = world.call(WATER, at=NOW - timedelta(days=30), city="تاکستان", type="request")
    fresh = world.call(WATER, at=NOW - timedelta(days=1))
    answered = world.call(WATER, at=NOW - timedelta(days=20))
    world.act("water1", answered, "answer", {"text": "انجام شد"}, NOW - timedelta(days=18))
    answered_late = world.call(WATER, at=NOW - timedelta(days=40))
    world.act("water1", answered_late, "answer", {"text": "دیر انجام شد"}, NOW - timedelta(days=2))
    world.act("watermgr", fresh, "assign", {"operator_id": "op-water2"}, NOW)
    cases = [world.case(i) for i in (late, fresh, answered, answered_late)]
    today = NOW.date()
    rows = build_rows(cases, today=today, calendar=world.calendar)
    assert [r.id for r in rows][:2] == [late, fresh]  # deadline order: overdue first
    counts = state_counts(rows)
    assert counts["referred"] == 2 and counts["answered"] == 2 and counts["overdue"] == 1
    assert [r.id for r in apply_filter(rows, CartableFilter())] == [late, fresh]
    assert [r.id for r in apply_filter(rows, CartableFilter(overdue=True))] == [late]
    assert [r.id for r in apply_filter(rows, CartableFilter(state="", city="تاکستان"))] == [late]
    assert [r.id for r in apply_filter(rows, CartableFilter(state="", type="request"))] == [late]
    assert [r.id for r in apply_filter(rows, CartableFilter(assigned="op-water2"))] == [fresh]
    assert [r.id for r in apply_filter(rows, CartableFilter(assigned="-"))] == [late]
    code = world.case(fresh)["tracking_code"]
    assert [r.id for r in apply_filter(rows, CartableFilter(state="", query=code[-6:]))] == [fresh]
    assert [r.id for r in apply_filter(rows, CartableFilter(state="", query="تاکس"))] == [late]

    stats = {s.agency_id: s for s in responsiveness(cases, world.reader.entities["agency"].values(), today,
                                                    world.calendar)}
    water = stats[WATER]
    assert (water.open, water.overdue, water.answered, water.answered_in_time) == (2, 1, 2, 1)
    assert water.in_time_pct == 50.0 and water.in_time_text == "۵۰٪"
    assert water.mean_days is not None and water.mean_days > 0
    assert stats["power-qazvin"].answered == 0 and stats["power-qazvin"].in_time_text == "—"
