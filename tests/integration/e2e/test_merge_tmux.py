"""The duplicate-citizen merge driven as a supervisor drives it: a real central server with
demo data and three profiles of one person (long Persian names, a 100-character address
each), a desk logged in as ``super1`` in tmux at 80×24 (and 100×30). Each test is a defect
found by driving the desk."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from samad_desk.domain import ops as O
from samad_desk.text.digits import fa
from tests.integration.e2e.test_report_tmux import central, screen, wait_screen  # noqa: F401  (the module's server)
from tests.support.merge import nid, seed_ops
from tests.support.tmux import Tmux, shaped, shows

FIRST, LAST, FATHER = "محمدحسین", "میرزاآقابزرگ‌زاده‌طباطبایی‌نژاد", "سیدعبدالحمید"
MOBILE = "09127778899"
#: each profile's address is 100 characters and ends in a word of its own
ENDS = ("نشانی‌یکم", "نشانی‌دوم", "نشانی‌سوم")


def _address(end: str) -> str:
    head = "قزوین، بلوار شهید بهشتی، خیابان شانزدهم، کوچه شهید رجایی، پلاک ۲۳، طبقه سوم، واحد شش، "
    address = head + "ا" * (100 - len(head) - len(end) - 1) + " " + end
    assert len(address) == 100
    return address


PROFILES = {
    "x": dict(national_id=nid("431222333"), city="قزوین", address=_address(ENDS[0])),
    "y": dict(national_id=nid("431222444"), city="قزوین", address=_address(ENDS[1])),
    "z": dict(national_id=None, no_national_id=True, city="آبیک", address=_address(ENDS[2])),
}


@pytest.fixture(scope="module")
def dups(central, tmp_path_factory):  # noqa: F811
    """The three profiles, registered by an agent's desk and synced to the server."""
    from tests.support.desks import Desk

    agent = Desk(tmp_path_factory.mktemp("agent"), central.url, "agent1")
    try:
        agent.sync()
        person = dict(first_name=FIRST, last_name=LAST, father_name=FATHER, birth_date="1975-03-21", mobile=MOBILE)
        seed_ops(agent.store, O.make_actor(agent.operator),
                 {key: dict(person, **fields) for key, fields in PROFILES.items()}, {"x": 1, "y": 1, "z": 1})
        agent.sync()
    finally:
        agent.close()
    return central


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path, "desk", prefix="samad-merge")
    yield t
    t.kill()


def _titles() -> list[str]:
    """How each profile is named in the pick dialog (name and national ID)."""
    from samad_desk.services.merges import citizen_title

    return [citizen_title(dict(first_name=FIRST, last_name=LAST, national_id=p["national_id"]))
            for p in PROFILES.values()]


def open_queue(tmux: Tmux, server, settings) -> list[str]:
    """A supervisor's desk on the duplicates queue, with the group pulled from the server."""
    from samad_desk.demo_mode import demo_login

    demo_login(replace(settings, server_url=server.url), "super1", "super1")
    tmux.start_desk("run", "--server", server.url,
                    ready=lambda r: shows("نظارت")(r) and any("F2" in row for row in r))
    tmux.key("S-F9")
    # the queue is computed over what the desk holds: wait for the group of the first pull
    return tmux.wait_for(lambda r: shows("۱ گروه احتمالاً تکراری")(r) and shows(f"• {FIRST} {LAST}، فرزند {FATHER}")(r),
                         "the duplicates queue with the pulled group")


def _pick_rows(rows: list[str]) -> list[str]:
    """The rows of the pick dialog's list, between its top (▔) and bottom (▁) borders."""
    top = next(i for i, row in enumerate(rows) if "▔▔▔" in row)
    bottom = next(i for i, row in enumerate(rows) if "▁▁▁" in row and i > top)
    return rows[top + 1:bottom]


def _pick_laid_out(rows: list[str]) -> bool:
    """Three profiles, each on one row that ends at the list's right edge (the mark, the
    option's padding, the list's border, the box's padding and border) with its name and
    national ID whole."""
    if not shows("کدام پروفایل‌ها ادغام شوند؟")(rows) or not any("▔▔▔" in row for row in rows):
        return False
    listed = _pick_rows(rows)
    return (len(listed) == 3
            and all(re.search(r"[☑☐] ▎ │\s*$", row) for row in listed)
            and all(any(shaped(title) in row for row in listed) for title in _titles() if "(" in title))


def test_the_duplicates_queue_shows_the_status_and_names_at_80_columns(tmux, dups, settings) -> None:
    """The table (status, names, IDs, reasons) is wider than 80 columns. It was scrolled to
    its right end on mount, over the headers alone; the rows read afterwards widened it and
    the screen showed its last columns: the reasons and the IDs, no status and no names."""
    open_queue(tmux, dups, settings)
    tmux.wait_for(lambda r: shows("وضعیت")(r) and shows("شهروندان")(r) and shows("همان شهروند")(r)
                  and shows(f"{FIRST} {LAST[:8]}")(r),
                  "the status and names columns of the queue")


def test_the_pick_dialog_lays_each_profile_on_one_row(tmux, dups, settings) -> None:
    """Three profiles of one person: the dialog laid its rows out for the list's outer
    width, not the text's (the list's border and the option's padding inside it): each row
    stopped three cells short of the right edge, a long name was cut sooner, and a row laid
    out before the list had its size was wrapped again by the list (the case dialog's
    «نامشخص» alone on a row). At 80×24, and again at 100×30."""
    open_queue(tmux, dups, settings)
    tmux.key("Enter")
    tmux.wait_for(_pick_laid_out, "the pick dialog: each profile on one row, to the right edge")
    tmux.key("Down", "Enter")  # mark the second profile: the rows are laid out again
    rows = tmux.wait_for(lambda r: _pick_laid_out(r) and sum("☑" in row for row in _pick_rows(r)) == 2,
                         "two profiles marked, each still on one row")
    tmux("resize-window", "-t", tmux.target, "-x", "100", "-y", "30")
    rows = wait_screen(tmux, lambda r: len(r) >= 30 and _pick_laid_out(r), "the pick dialog at 100×30")
    assert sum("☑" in row for row in _pick_rows(rows)) == 2


def test_merge_a_long_address_then_undo(tmux, dups, settings) -> None:
    """The merge of two of the profiles: the grid's columns cut each 100-character address
    and nothing showed it whole; now the highlighted field's values are shown whole under
    the grid. Then F2, the profile the merge lands on (its birth date was cut from its label
    onto a row of its own by the long name), the merge history (its table cut both names
    to the same «محمدحسین میرزاآقابز…») and the unmerge."""
    open_queue(tmux, dups, settings)
    tmux.key("Enter")
    tmux.wait_for(_pick_laid_out, "the pick dialog")
    tmux.key("Down", "Enter", "F2")
    # the grid, not only the key bar: the profiles are read in a worker
    tmux.wait_for(lambda r: shows("۱. اصلی")(r) and shows("۲. ادغام‌شونده")(r) and shows("↑↓ فیلد")(r),
                  "the merge screen with its grid")
    tmux.key(*["Down"] * 8)  # national ID, name, surname, father, birth date, mobile, city, phone, address
    rows = tmux.wait_for(lambda r: sum(shows(end)(r) for end in ENDS) == 2 and shows("۲. ادغام‌شونده، نشانی:")(r),
                         "both addresses whole under the grid")
    assert shows("۱. اصلی، نشانی:")(rows)
    tmux.key("F2")
    tmux.wait_for(lambda r: shows("ادغام شود؟")(r) and shows("Enter: بله   Esc: نه")(r), "the merge's confirmation")
    tmux.key("Enter")
    birth = [shaped(word) for word in ("تاریخ", "تولد:", "۱۳۵۴/۰۱/۰۱")]
    tmux.wait_for(lambda r: shows("پرونده‌ها (۲)")(r) and any(all(w in row for w in birth) for row in r),
                  "the merged profile, its birth date whole beside its label")
    tmux.key("F3")
    # the table cuts each name before its national ID: the highlighted merge in full below it
    ids = [f"({fa(p['national_id'])})" for p in PROFILES.values() if p["national_id"]]
    tmux.wait_for(lambda r: shows("سابقه ادغام (۱)")(r) and shows("ثبت‌شده")(r) and shows("پروفایل اصلی:")(r)
                  and shows("ادغام‌شده:")(r) and any(shows(i)(r) for i in ids),
                  "the merge history with the merge in full")
    tmux.key("F8")
    tmux.wait_for(lambda r: shows("این ادغام لغو شود؟")(r) and shows("Enter: بله   Esc: نه")(r),
                  "the unmerge's confirmation")
    tmux.key("Enter")
    # «لغو شده» once the unmerge reached the server («لغو در صف ارسال» before): the
    # group is back on the server for the next desk of this module
    tmux.wait_for(shows("لغو شده"), "the merge undone and synced")
