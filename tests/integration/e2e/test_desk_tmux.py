"""A whole call in a real terminal multiplexer at 80×24: ``samad-desk`` on a fresh machine
(embedded default), typed with ``tmux send-keys`` (Persian with ``-l``), the screen read
back with ``capture-pane``, and the journal checked afterwards."""

from __future__ import annotations

import sys

import pytest

from samad_desk.text import rtl
from tests.support.tmux import Tmux


def shaped(text: str) -> str:
    """How a Persian phrase appears on the terminal (shaped, visual order)."""
    return rtl.layout_line(text).visual.strip()


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path, "desk", prefix="samad-desk")
    yield t
    t.kill()


def _field(tmux: Tmux, text: str, shown: str | None = None) -> None:
    tmux.type(text)
    if shown:
        tmux.wait_for(lambda r: any(shown in row for row in r), f"typed {text!r}")
    tmux.key("Enter")  # no sleep: the next field gets the next keys however fast they come


def test_whole_call_at_80x24(tmux, settings) -> None:
    tmux("new-session", "-d", "-s", "desk", "-x", "80", "-y", "24",
         f"{sys.executable} -m samad_desk")
    def ready(r: list[str]) -> bool:
        return (any(shaped("ثبت تماس") in row for row in r)
                and any(shaped("کد ملی") in row for row in r)
                and any("F2" in row for row in r))  # the key hints are filled after the first paint

    rows = tmux.wait_for(ready, "the call screen with its key hints")
    # (cells, not code points: the birth-date placeholder «مثلاً» carries a combining tanwin)
    assert len(rows) == 24 and all(rtl.text_cells(r) <= 80 for r in rows)
    _field(tmux, "0012345679", "۰۰۱۲۳۴۵۶۷۹")
    _field(tmux, "علی", shaped("علی"))
    _field(tmux, "رضایی", shaped("رضایی"))
    _field(tmux, "")
    _field(tmux, "")
    _field(tmux, "09121234567", "۰۹۱۲۱۲۳۴۵۶۷")
    _field(tmux, "قزو", shaped("قزوین"))
    _field(tmux, "شکا", shaped("شکایت"))
    _field(tmux, "قطعی آب", shaped("قطعی آب"))
    tmux.key("Enter")  # agency suggested from the subject
    tmux.key("Enter")  # urgency: normal
    tmux.type("سه روز است آب محله قطع است")
    tmux.wait_for(lambda r: any(shaped("محله") in row for row in r), "the description")
    tmux.key("F2")
    rows = tmux.wait_for(lambda r: any("╭───╮" in row for row in r), "the tracking code")
    boxed = [row for row in rows if "││" in row]
    assert len(boxed) == 1, "\n".join(rows)
    digits = [ch for ch in boxed[0] if "۰" <= ch <= "۹"]
    tmux.key("Enter")
    tmux.wait_for(lambda r: any(shaped("در صف: ۳") in row for row in r), "three pending ops")
    tmux.quit_desk()

    from samad_desk.domain.tracking import format_tracking_code
    from samad_desk.store import Store
    from samad_desk.text.digits import to_ascii_digits

    code = to_ascii_digits("".join(digits))
    store = Store.open(settings.data_dir)
    try:
        case = store.case_by_tracking_code(code)
        assert case is not None, format_tracking_code(code)
        assert case["subject"] == "water.outage" and case["agency_id"] == "water-qazvin"
        assert [o["type"] for o in store.pending_ops(limit=10)] == [
            "citizen.upsert", "case.register", "case.refer"]
    finally:
        store.close()
