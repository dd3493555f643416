"""An agency manager's case screen in tmux at 80×24 against a real central server: the
return dialog (Shift+F3, as xterm sends it) lists each agency on one row."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests.integration.e2e.test_report_tmux import central  # noqa: F401  (the module's server)
from tests.support.tmux import Tmux, shows


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path, "desk", prefix="samad-case")
    yield t
    t.kill()


def test_the_return_dialog_lists_each_agency_on_one_row(tmux, central, settings) -> None:  # noqa: F811
    """The dialog's choices were laid out 70 cells wide and the narrower list wrapped them
    again: «نامشخص» alone under «(واحد ۱۱۱ تصمیم بگیرد)», «اداره» alone above the rest of
    its agency's name. Now the list lays its rows out for its own width."""
    from samad_desk.demo_mode import demo_login

    demo_login(replace(settings, server_url=central.url), "watermgr", "watermgr")
    tmux.start_desk("run", "--server", central.url,
                    ready=lambda r: shows("کارتابل")(r) and any("F2" in row for row in r))
    tmux.wait_for(lambda r: any(re.search("[۰-۹]{4}-[۰-۹]{4}-[۰-۹]{4}", row) for row in r),
                  "the cartable's cases (read in a worker)")
    tmux.key("Enter")  # the first case of the cartable
    tmux.wait_for(shows("مهلت پاسخ"), "the case screen")
    tmux.key("S-F3")
    tmux.wait_for(shows("عودت (عدم ارتباط)"), "the return dialog")
    names = ("نامشخص (واحد ۱۱۱ تصمیم بگیرد)", "اداره کل آموزش و پرورش استان قزوین",
             "اداره بازرسی استانداری قزوین")
    tmux.wait_for(lambda r: all(shows(name)(r) for name in names), "each agency whole on one row")
