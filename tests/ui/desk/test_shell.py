"""The app shell: keys under the Persian layout, help, status bar, modes, drafts."""

from __future__ import annotations

from samad_desk.screens.call_screen import CallEntryScreen
from samad_desk.screens.modals import HelpModal
from samad_desk.screens.modals.help import BINDING_SOURCES, help_rows
from tests.support.desk_ui import GOOD, desk, press, run_command, settle, type_text, wait_until


async def test_persian_letters_fire_no_action(make_app, store) -> None:
    """With the Persian layout, q→ض, s→س, p→ح, c→ز …; Ctrl+letter arrives as the bare
    letter. None of them may do anything but type."""
    seen: list = []
    app = make_app()
    async with desk(app, message_hook=seen.append) as pilot:
        screen = app.screen
        mode = app.current_mode
        # focus outside any input: the candidate list
        screen.query_one("#candidates").focus()
        await pilot.pause()
        stack = list(app.screen_stack)
        for ch in "ضصثقفغعهخحجچشسیبلاتنمکگظطزرذدپو":
            await press(pilot, ch)
        assert app.current_mode == mode
        assert list(app.screen_stack) == stack
        assert store.pending_ops(limit=10) == []
        # inside a field the letters are typed, and still nothing fires
        screen.input("first_name").focus()
        await pilot.pause()
        await type_text(pilot, "ضسح")
        await settle(pilot)
        assert screen.input("first_name").value == "ضسح"
        assert app.current_mode == mode and isinstance(app.screen, CallEntryScreen)
        assert store.pending_ops(limit=10) == []
    from textual.events import Key

    fired = [m for m in seen if type(m).__name__ in ("CaseSaved", "LoggedIn") and not isinstance(m, Key)]
    assert [type(m).__name__ for m in fired] == ["LoggedIn"]


def _every_screen_binding_id() -> dict[str, str]:
    """binding id -> class, for every class in ``samad_desk/screens/`` and
    ``samad_desk/widgets/`` (found by walking both packages, dialogs and feature folders
    included, not from the help screen's own list) and the app."""
    import importlib
    import inspect
    import pkgutil

    import samad_desk.screens
    import samad_desk.widgets
    from samad_desk.app import SamadDeskApp

    classes: list[type] = [SamadDeskApp]
    for package in (samad_desk.screens, samad_desk.widgets):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name == "samad_desk.widgets.demo":
                continue  # the RTL widgets' own demo app, not part of the desk
            module = importlib.import_module(info.name)
            classes += [
                c for _n, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__
            ]
    ids: dict[str, str] = {}
    for cls in classes:
        for b in cls.__dict__.get("BINDINGS", []):
            if getattr(b, "id", None) and not b.system:
                ids[b.id] = cls.__name__
    return ids


def test_every_screen_with_bindings_is_a_help_source() -> None:
    names = {name for _t, _m, name in BINDING_SOURCES}
    owners = set(_every_screen_binding_id().values())
    assert {"CartableScreen", "CaseScreen", "SupervisorScreen", "ActionForm",
            "DuplicatesScreen", "MergeScreen", "MergeHistoryScreen"} <= owners
    assert owners <= names, owners - names


async def test_help_lists_every_binding_id(make_app) -> None:
    ids = _every_screen_binding_id()
    assert {"case-save", "app-help", "mode-call", "followup-save", "attention-reissue",
            "cartable-state", "case-accept", "form-submit", "supervisor-chart",
            "duplicates-merge", "merge-confirm", "merge-history-unmerge"} <= set(ids)
    app = make_app()
    async with desk(app) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        text = app.screen.text
        for binding_id, owner in ids.items():
            assert f"[{binding_id}]" in text, (binding_id, owner)
        assert "F2" in text and "ذخیره" in text
        # keys without an id are listed too (the case table's paging)
        assert "PgDn" in text and "صفحه بعد" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CallEntryScreen)


def test_help_applies_the_keymap() -> None:
    rows = dict(
        (binding_id, keys)
        for _area, items in help_rows({"case-save": "f6"})
        for keys, _desc, binding_id in items
    )
    assert rows["case-save"] == "F6"


async def test_keymap_setting_rebinds_save(settings, store) -> None:
    from dataclasses import replace

    from samad_desk.app import SamadDeskApp

    app = SamadDeskApp(replace(settings, keymap={"case-save": "ctrl+f2"}), store=store, seed_demo=False)
    async with desk(app) as pilot:
        app.screen.load_form(GOOD)
        await settle(pilot)
        await press(pilot, "f2")
        assert store.pending_ops(limit=10) == []
        await press(pilot, "ctrl+f2")
    assert len(store.pending_ops(limit=10)) == 3


async def test_modes_switch_with_function_keys(make_app) -> None:
    app = make_app()
    async with desk(app) as pilot:
        for key, mode in (("f6", "lookup"), ("f7", "followup"), ("f8", "cartable"),
                          ("f9", "supervisor"), ("f10", "attention"), ("f5", "call")):
            await press(pilot, key)
            assert app.current_mode == mode


async def test_status_bar_shows_state_pending_attention(make_app, store, services) -> None:
    from samad_desk.widgets.chrome import StatusBar
    from tests.support.desk_ui import existing_call

    await existing_call(services)
    app = make_app()
    async with desk(app) as pilot:
        await pilot.pause(1.2)
        await app.workers.wait_for_complete()
        text = app.screen.query_one(StatusBar).text
        assert "محلی" in text
        assert "در صف: ۳" in text
        assert "نیازمند توجه: ۰" in text


async def test_sync_problems_are_said_once_and_the_clock_stays_visible(make_app) -> None:
    """The engine reports each problem once; the desk shows it as a toast (it used to be
    kept in the status object and never shown). A clock off the server's stays on the
    status bar, which still fits 80 columns."""
    from rich.cells import cell_len

    from samad_desk.messages import SyncFailed
    from samad_desk.text import rtl
    from samad_desk.widgets.chrome import StatusBar
    from tests.support.pilot import toasts

    app = make_app()
    async with desk(app, notifications=True) as pilot:
        app.post_message(SyncFailed("سرور در دسترس نیست؛ عملیات در صف می‌مانند."))
        await settle(pilot)
        assert any("سرور در دسترس نیست" in t for t in toasts(app))
        app.status.connection = "online"
        app.status.last_sync = "2026-11-28T10:00:00Z"
        app._apply_stats({"clock_offset_ms": 7 * 60_000, "pending": 12, "attention": 3})
        await settle(pilot)
        text = app.screen.query_one(StatusBar).text
        assert "ساعت رایانه ۷ دقیقه عقب" in text and "نیازمند توجه" in text
        assert cell_len(rtl.layout_line(text).visual.strip()) <= 80


async def test_draft_survives_a_crash(make_app, settings, store) -> None:
    app = make_app()
    async with desk(app) as pilot:
        await type_text(pilot, "0012345679")
        await pilot.press("enter")
        await type_text(pilot, "مریم")
        await pilot.press("enter")
        await type_text(pilot, "احمدی")
        # the draft timer writes the file a crash leaves behind: wait for it, not for a time
        draft = settings.operator_dir / "draft.json"
        await wait_until(pilot, lambda: draft.exists() and "احمدی" in draft.read_text(encoding="utf-8"),
                         timeout=10, what="the draft file with the last name typed")
        await app.workers.wait_for_complete()
    app2 = make_app()
    async with desk(app2) as pilot:
        from samad_desk.screens.modals import DraftModal

        assert isinstance(app2.screen, DraftModal)
        assert "مریم احمدی" in app2.screen.text
        await press(pilot, "enter")
        screen = app2.screen
        assert isinstance(screen, CallEntryScreen)
        assert screen.input("first_name").value == "مریم"
        assert screen.input("last_name").value == "احمدی"
        assert screen.input("national_id").value == "0012345679"


async def test_a_saved_call_never_comes_back_as_a_draft(make_app, settings, store) -> None:
    """F2 within the draft timer's 0.3 s after the last keystroke: the timer, or a draft
    write already running, must not write the saved call back (a crash while its code is
    on screen would offer it again: a duplicate case)."""
    from tests.support.desk_ui import GOOD

    app = make_app()
    async with desk(app) as pilot:
        screen = app.screen
        screen.load_form(GOOD)
        await settle(pilot)
        screen.input("description").focus()
        await type_text(pilot, " لطفا")  # a keystroke starts the draft timer
        await pilot.press("f2")  # saved before the timer fires
        await pilot.pause(0.6)
        await app.workers.wait_for_complete()
        assert screen.tracking.shown
        assert not (settings.operator_dir / "draft.json").exists()


def test_draft_writes_from_two_threads_and_a_stale_one(settings) -> None:
    from samad_desk.services import DraftStore
    from tests.support.concurrent import at_once
    from tests.support.desk_ui import GOOD

    drafts = DraftStore(settings.operator_dir)

    def writer() -> None:
        for _ in range(100):
            drafts.save(GOOD, started_at=1.0)

    at_once({1: writer, 2: writer})  # raises what a writer raised
    assert drafts.load() is not None  # (two threads shared one temp name)
    epoch = drafts.epoch
    drafts.clear()
    assert drafts.save(GOOD, epoch=epoch) is False and drafts.load() is None
    assert drafts.save(GOOD, epoch=drafts.epoch) is True and drafts.load() is not None


async def test_discarded_draft_is_gone(make_app, settings) -> None:
    from samad_desk.services import CallForm, DraftStore

    DraftStore(settings.operator_dir).save(CallForm(first_name="مریم"))
    app = make_app()
    async with desk(app) as pilot:
        await press(pilot, "escape")
        assert app.screen.input("first_name").value == ""
    assert not (settings.operator_dir / "draft.json").exists()


async def test_palette_has_persian_desk_commands(make_app) -> None:
    app = make_app()
    async with desk(app) as pilot:
        await run_command(pilot, "پیگیری")
        assert app.current_mode == "followup"


async def test_duplicates_queue_from_anywhere_by_key_and_palette(make_app) -> None:
    from samad_desk.screens.duplicates_screen import DuplicatesScreen

    app = make_app()
    async with desk(app) as pilot:
        # from the call form, focus in a field
        await press(pilot, "shift+f9")
        assert isinstance(app.screen, DuplicatesScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, CallEntryScreen)
        # from another mode, through the command palette (Persian title)
        await press(pilot, "f8")
        await run_command(pilot, "تکراری")
        assert isinstance(app.screen, DuplicatesScreen)
        assert app.current_mode == "cartable"
        await press(pilot, "escape")
        assert app.current_mode == "cartable" and not isinstance(app.screen, DuplicatesScreen)
