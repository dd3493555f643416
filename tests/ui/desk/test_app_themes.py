"""The app takes its theme through ``themes.py`` (registered, applied, remembered there):
an unknown theme in the settings falls back to samad-dark with themes.py's Persian toast,
and a theme chosen on the desk is saved in ``config.toml``."""

from __future__ import annotations

from dataclasses import replace

from samad_desk.app import SamadDeskApp
from samad_desk.settings import load_settings
from tests.support.desk_ui import desk, settle
from tests.support.pilot import toasts


async def test_unknown_theme_falls_back_with_a_persian_toast(settings, store) -> None:
    app = SamadDeskApp(replace(settings, theme="no-such-theme"), store=store, seed_demo=False)
    async with desk(app):
        assert app.theme == "samad-dark"
        assert any("«no-such-theme»" in t and "samad-dark" in t for t in toasts(app)), toasts(app)


async def test_a_theme_chosen_on_the_desk_is_remembered(settings, store) -> None:
    app = SamadDeskApp(settings, store=store, seed_demo=False)
    async with desk(app) as pilot:
        assert app.theme == settings.theme
        app.theme = "samad-high-contrast"
        await settle(pilot)
    assert load_settings().theme == "samad-high-contrast"
