"""SamadDeskApp: modes, bindings, palette, themes, keymap and the session. Wiring only.

Every primary action has a function key, because with the Persian keyboard layout active
a letter (and Ctrl+letter) arrives as a Persian letter (STYLE.md §7). Ctrl combinations
are second routes only. The binding table is also the source of the F1 help screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import App
from textual.screen import Screen
from textual.worker import get_current_worker

from samad_desk.commands import DeskCommands
from samad_desk.key_order import OrderedKeys
from samad_desk.keys import keys, title
from samad_desk.messages import (
    AppSyncReporter,
    AttentionChanged,
    CaseSaved,
    ConnectionChanged,
    FollowupRecorded,
    LoggedIn,
    OpenCase,
    OpenCitizen,
    StoreChanged,
    SyncFailed,
    SyncFinished,
    SyncProgressed,
)
from samad_desk.settings import Settings


def _freeze_heap() -> None:
    """Move the long-lived heap (store cache, index) out of the garbage collector's scans.

    With 100,000 cached cases a full collection walks millions of objects and can stall
    the UI for a noticeable moment right when the agent presses F2; frozen objects are
    never scanned (they are still freed normally when unreferenced, just not by the
    cycle collector)."""
    import gc

    gc.freeze()  # O(1): no collection first, which would itself stall the UI


def later(*isos: Any) -> str | None:
    """The latest of some ISO times (None and unreadable ones ignored)."""
    from datetime import UTC, datetime

    best: tuple[datetime, str] | None = None
    for iso in isos:
        if not iso:
            continue
        try:
            moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if best is None or moment > best[0]:
            best = (moment, str(iso))
    return best[1] if best else None


def toast_text_width(columns: int) -> int:
    """Cells for a toast's text: Textual's toast is 60 wide but at most half of its rack
    (the screen less the rack's 2-column scrollbar), less its border and padding (3) and
    one spare cell. Laid out any wider, Textual wrapped the lines again and left word
    fragments in the rightmost columns (60 columns: 26 laid out for 25)."""
    return max(12, min(60, (columns - 2) // 2) - 4)


def quit_warning(pending: int, status: DeskStatus) -> str:
    """What quitting with queued ops means: nothing is lost, and when it will be sent."""
    from samad_desk.text.digits import fa

    text = f"{fa(pending)} عملیات ثبت‌شده هنوز به سرور مرکزی نرسیده است. "
    if status.problem is not None:
        text += f"({status.problem.title}.) "
    text += (
        "در این میز نگه داشته می‌شوند و دفعهٔ بعد که samad-desk اجرا شود و به سرور وصل باشد، "
        "خودکار ارسال می‌شوند. اکنون خارج می‌شوید؟"
    )
    return text


def _thread_ident() -> int:
    import threading

    return threading.get_ident()

#: how long quitting waits for the sync thread to stop at a request boundary; a request in
#: flight is not waited for (the journal keeps its ops; they go again at the next start)
QUIT_SYNC_WAIT_S = 0.5

#: mode name -> Persian title (header, palette, help): the title of its area of the key table
MODE_TITLES: dict[str, str] = {
    mode: title(mode) for mode in ("call", "lookup", "followup", "cartable", "supervisor", "attention")
}


#: where each role works; anyone else (agents, the embedded demo operator) takes calls
ROLE_START_MODE: dict[str, str] = {
    "officer": "cartable",
    "manager": "cartable",
    "supervisor": "supervisor",
    "admin": "supervisor",
}


def start_mode(operator: dict[str, Any]) -> str:
    """The first screen of a session: an agency's officer or manager starts on the
    cartable (the call form would only refuse them at F2), a supervisor on supervision."""
    return ROLE_START_MODE.get(str(operator.get("role") or ""), "call")


@dataclass
class DeskStatus:
    """What the status bar shows; UI state only (the facts live in the store)."""

    connection: str = "offline"  # online | offline | auth_required | refused | embedded
    pending: int = 0
    attention: int = 0
    last_sync: str | None = None  # ISO UTC: the last round that worked (or the cache's last pull)
    #: why the server refuses this desk (``sync.problems.SyncProblem``), until a round works
    problem: Any = None
    #: the first download in progress or broken off (``DownloadProgress.as_dict()``), else None
    download: dict[str, Any] | None = None
    last_error: str | None = None
    pushed: int = 0
    pulled: int = 0
    clock_offset_ms: int | None = None  # the server's clock minus this computer's


class SamadDeskApp(OrderedKeys, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "samad-desk"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {DeskCommands}

    BINDINGS = keys("app")

    def __init__(
        self,
        settings: Settings | None = None,
        store: Any = None,
        sync: Any = None,
        operator: dict[str, Any] | None = None,
        *,
        client: Any = None,
        sync_factory: Any = None,
        now: Any = None,
        seed_demo: bool = True,
        startup: Any = None,
    ) -> None:
        from samad_desk.services.session import DeskStartup
        from samad_desk.settings import Settings as _Settings

        super().__init__()
        self.settings = settings or _Settings()
        #: everything known before the operator; ``start_session`` opens the session from it
        self.startup = startup or DeskStartup(
            self.settings, store=store, client=client, sync=sync, sync_factory=sync_factory,
            clock=now, seed_demo=seed_demo,
        )
        self.operator = operator
        #: the one ``DeskSession`` of the run (None until the operator is known)
        self.session: Any = None
        self.services: Any = None
        self.status = DeskStatus()
        self.online = False
        #: one-time terminal hints from ``terminal.bidi_session`` (shown as toasts)
        self.startup_hints: list[Any] = []
        #: (title, message) of every toast, in logical order
        self.notified: list[tuple[str, str]] = []
        #: ``terminal.BidiSession``: restores the terminal's BiDi mode on suspend
        self.bidi_session: Any = None
        # 16 colours (TERM=xterm, TEXTUAL_COLOR_SYSTEM=standard): faint bands vanish
        self.set_class(self.console.color_system in ("standard", "windows"), "-colors-16")
        self._register_themes()
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self._register_modes()

    def get_driver_class(self) -> Any:
        # a bracketed paste is read whole, ESC and all (terminal_input.py)
        from samad_desk.terminal_input import use_paste_safe_parser

        use_paste_safe_parser()
        return super().get_driver_class()

    # -- themes (themes.py: registered, applied and remembered there)
    def _register_themes(self) -> None:
        from samad_desk.themes import ThemeFileError, apply_theme, register_themes

        try:
            register_themes(self)
        except ThemeFileError as exc:  # a broken theme file: say so, keep Textual's theme
            self._theme_warning: str | None = str(exc)
            return
        self._theme_warning = apply_theme(self, self.settings.theme)

    # -- modes
    def _register_modes(self) -> None:
        from samad_desk.screens import factories

        for name in MODE_TITLES:
            self.add_mode(name, factories.mode_factory(self, name))

    def action_switch_mode(self, mode: str) -> None:  # type: ignore[override]
        if self.services is None:
            return  # not logged in yet
        if self.current_mode == mode:
            return
        self.switch_mode(mode)

    # -- lifecycle
    def on_mount(self) -> None:
        from samad_desk.themes import remember_theme_changes

        remember_theme_changes(self)
        if self.bidi_session is not None:
            try:
                self.bidi_session.attach(self)
            except Exception:
                pass
        self.set_interval(1.0, self._poll_status)
        if self._theme_warning:
            self.notify(self._theme_warning, title="پوسته", severity="warning", markup=False)
        self._show_hints()
        if self.operator is not None:
            self.start_session(self.operator, online=not self.settings.embedded)
        elif self.settings.embedded:
            from samad_desk.services import EMBEDDED_OPERATOR

            self.start_session(dict(EMBEDDED_OPERATOR), online=False)
        else:
            from samad_desk.screens.login_screen import LoginScreen

            self.push_screen(LoginScreen(self.settings, self.client), self._logged_in)

    def _show_hints(self) -> None:
        if not self.startup_hints:
            return
        for hint in self.startup_hints:
            self.notify(hint.text, title=f"پایانه {hint.terminal}", timeout=15, markup=False)
        try:
            from samad_desk.terminal import mark_hints_shown

            mark_hints_shown([h.id for h in self.startup_hints])
        except Exception:
            pass

    def _logged_in(self, result: tuple[dict[str, Any], bool] | None) -> None:
        if result is None:
            self.exit(1)
            return
        operator, online = result
        self.start_session(operator, online=online)

    # what the startup holds (the store once opened, the sync engine once built, the client)
    store = property(lambda self: self.startup.store)
    sync = property(lambda self: self.startup.sync)
    client = property(lambda self: self.startup.client)

    def start_session(self, operator: dict[str, Any], *, online: bool) -> None:
        from samad_desk.services import DeskServices

        self.operator = operator
        self.online = online
        self.session = self.startup.open(
            operator,
            reporter=AppSyncReporter(self),
            online=lambda: self.status.connection == "online",
            warn=lambda text: self.notify(text, title="داده نمایشی", severity="warning", markup=False),
        )
        self.services = DeskServices(self.session)
        self.status.connection = "embedded" if self.settings.embedded else (
            "online" if online else "offline"
        )
        self.post_message(LoggedIn(operator, online))
        self._subscribe_store()
        if self.sync is not None:
            try:
                self.sync.start()
            except Exception as exc:
                self.status.last_error = str(exc)
        self._poll_status()
        _freeze_heap()
        self.switch_mode(start_mode(operator))
        self.set_timer(1.0, self._build_index)  # once the call screen is up: never delays the first call
        self.set_timer(2.0, self._prebuild_reports)  # report facts, after the first frame

    @work(thread=True, exclusive=True, group="report-facts", exit_on_error=False)
    def _prebuild_reports(self) -> bool:  # a report opened meanwhile waits for it; quitting cancels
        worker = get_current_worker()  # it, and the build stops at its next break (every few ms)
        return self.services is not None and self.services.prebuild_reports(stop=lambda: worker.is_cancelled)

    def _subscribe_store(self) -> None:
        subscribe = getattr(self.store, "subscribe", None)
        if subscribe is None:
            return
        try:
            self._unsubscribe = subscribe(self._store_callback)
        except Exception:
            self._unsubscribe = None

    def _store_callback(self, change: Any) -> None:
        """Any thread: keep the candidate index current, then tell the UI."""
        services = self.services
        keys = getattr(change, "keys", None) or ()
        if services is not None:
            citizens = [i for (entity, i) in keys if entity == "citizen"]
            if citizens:
                services.citizens_changed(citizens)
            elif getattr(change, "kind", "") in ("synced", "external") and not keys:
                # a whole snapshot (or another process) changed the cache: rebuild
                if _thread_ident() == getattr(self, "_thread_id", None):
                    self._build_index()
                else:
                    self.call_from_thread(self._build_index)
        self.post_message(StoreChanged())

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _build_index(self) -> int:
        """The matching engine's as-you-type index over the cached citizens."""
        count = self.services.build_index() if self.services is not None else 0
        _freeze_heap()
        return count

    async def action_quit(self) -> None:
        from samad_desk.screens.modals import ConfirmModal

        # (the journal's count, read in a worker thread: never the store on the UI thread)
        pending = await self.run_worker(self._queued_ops, thread=True, group="quit-count",
                                        exit_on_error=False).wait()
        if pending and not isinstance(self.screen, ConfirmModal):
            def answered(leave: bool | None) -> None:
                if leave:
                    self._leave()

            self.push_screen(ConfirmModal(quit_warning(pending, self.status)), answered)
            return
        self._leave()

    def _queued_ops(self) -> int:
        """Ops of this desk the server has not acknowledged (0 without a server: the
        embedded desk never sends anything, so there is nothing to warn about)."""
        if self.sync is None or self.services is None:
            return 0
        return int(self.services.stats().get("pending") or 0)

    def _leave(self) -> None:
        self._stop_sync()
        self.exit(0)

    def action_help_quit(self) -> None:
        self.notify("برای خروج Shift+F10 را بزنید.", title="خروج", markup=False)

    def _stop_sync(self) -> None:
        """Quit does not wait for a sync request in flight (up to a minute on a dead link):
        the engine stops at its next request boundary, or ends with the process; the op
        stays in the durable journal and is sent again at the next start (deduplicated)."""
        if self.sync is not None:
            try:
                self.sync.stop(timeout=QUIT_SYNC_WAIT_S)
            except Exception:
                pass

    def on_unmount(self) -> None:
        self._stop_sync()

    # -- toasts: Persian through the RTL layout (Textual would show it reversed, unjoined)
    def notify(  # type: ignore[override]
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Lay the message out right to left for the toast's width, then show it.

        Messages are treated as plain text (``markup`` is ignored): they often hold what an
        operator or the server wrote. The logical text is kept in ``notified`` for tests.
        """
        self.notified.append((title, message))
        try:
            from samad_desk.text import rtl

            width = toast_text_width(self.size.width or 80)
            message = "\n".join(line.rstrip() for line in rtl.layout(message, width))
            title = rtl.layout_line(title).visual if title else ""
        except Exception:
            pass
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_command_palette(self) -> None:
        """Textual's palette with a Persian placeholder (laid out: its input has no bidi)."""
        from textual.command import CommandPalette

        from samad_desk.text.visual import visual_line

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder=visual_line("جستجوی فرمان…")))

    def get_system_commands(self, screen: Screen[Any]) -> Any:
        """None of Textual's English system commands (Keys, Maximize, Screenshot…) were
        listed first in the palette: the desk's own Persian commands cover quitting and
        themes («برنامه: خروج», «برنامه: پوسته»)."""
        return iter(())

    # -- help
    def action_help(self) -> None:
        from samad_desk.screens.modals import HelpModal

        if isinstance(self.screen, HelpModal):
            self.screen.dismiss()
            return
        self.push_screen(HelpModal())

    # -- the possible-duplicates queue (merging is for supervisors; the screen checks roles)
    def action_duplicates(self) -> None:
        from samad_desk.screens.duplicates_screen import DuplicatesScreen, open_duplicates

        if self.services is None or isinstance(self.screen, DuplicatesScreen):
            return
        open_duplicates(self)

    # -- sync and status
    def action_sync_now(self) -> None:
        if self.sync is None:
            self.notify("این میز به سرور مرکزی وصل نیست (حالت محلی).", title="همگام‌سازی", markup=False)
            return
        if self.status.connection == "auth_required" and self.client is not None:
            # the session expired: log in again here; queued ops are pushed right after
            from samad_desk.screens.login_screen import LoginScreen

            def relogged(result: tuple[dict[str, Any], bool] | None) -> None:
                if result is not None and result[1]:
                    self.status.connection = "online"
                    self.refresh_status()
                    self.sync.wake()

            self.push_screen(LoginScreen(self.settings, self.client, relogin=True), relogged)
            return
        self.sync.wake()
        self.notify("همگام‌سازی آغاز شد.", title="همگام‌سازی", markup=False)

    def _poll_status(self) -> None:
        if self.services is None:
            return
        self._read_stats(self._saves_counted)

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def _read_stats(self, saves_before: int) -> None:
        stats = self.services.stats() if self.services else {}
        if get_current_worker().is_cancelled:
            return
        self.call_from_thread(self._apply_stats, stats, saves_before)

    #: saves of this desk counted into ``status.pending`` (a poll started before the
    #: last of them may have read the journal without it)
    _saves_counted = 0

    def _count_queued(self, ops: int) -> None:
        """A save here queued ``ops``: the status bar says so at once, not at its next poll
        (until then it could still say «در صف: ۰» and the call seem sent)."""
        self._saves_counted += 1
        self.status.pending += ops  # (what the journal's count will say: the poll confirms it)
        self.refresh_status()

    def _apply_stats(self, stats: dict[str, Any], saves_before: int | None = None) -> None:
        s = self.status
        pending = int(stats.get("pending", s.pending) or 0)
        if saves_before is not None and saves_before < self._saves_counted:
            # read before a save counted since: the journal then lacked it (the next poll,
            # asked for by that save, reads it)
            pending = max(pending, s.pending)
        s.pending = pending
        s.attention = int(stats.get("attention", s.attention) or 0)
        s.last_sync = later(s.last_sync, stats.get("last_success"), stats.get("last_sync"))
        if stats.get("clock_offset_ms") is not None:
            s.clock_offset_ms = int(stats["clock_offset_ms"])
        self.refresh_status()

    def refresh_status(self) -> None:
        from samad_desk.widgets.chrome import StatusBar, SyncBanner

        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.show(self.status)
            for banner in screen.query(SyncBanner):
                banner.show(self.status)

    @on(SyncProgressed)
    def _sync_progress(self, message: SyncProgressed) -> None:
        self.status.pushed, self.status.pulled = message.pushed, message.pulled
        self._read_download()
        self.refresh_status()

    def _read_download(self) -> None:
        """How far the first download got (the engine's ``download``), while it is not done."""
        progress = getattr(self.sync, "download", None)
        as_dict = getattr(progress, "as_dict", None)
        info = as_dict() if as_dict is not None else None
        self.status.download = info if info and not info.get("done") else None

    @on(SyncFinished)
    def _sync_finished(self, message: SyncFinished) -> None:
        self.status.last_error = None
        # a round that worked clears refusals, not a broken case history (sync/chains.py)
        self.status.problem = getattr(self.sync, "problem", None)
        self._read_download()
        if self.status.connection != "embedded":
            self.status.connection = "online"
        self._apply_stats(message.stats)
        self._poll_status()
        self._refresh_screens()

    @on(SyncFailed)
    def _sync_failed(self, message: SyncFailed) -> None:
        # the engine reports each problem once (not once per retry): say it once
        self.status.last_error = message.reason
        self._read_problem()
        self._read_download()
        self.refresh_status()
        self.notify(message.reason, title="همگام‌سازی", severity="warning", markup=False)

    @on(ConnectionChanged)
    def _connection(self, message: ConnectionChanged) -> None:
        previous = self.status.connection
        self.status.connection = message.state
        self._read_problem()
        self.refresh_status()
        if message.state == "auth_required" and previous != "auth_required":
            self.notify(
                "نشست شما منقضی شده است؛ عملیات نگه داشته می‌شوند. برای ورود دوباره Shift+F5 را بزنید.",
                title="ورود دوباره",
                severity="warning",
                markup=False,
            )

    def _read_problem(self) -> None:
        """The engine's current refusal (it is set before the engine reports): kept until a
        round works, shown as the banner and the first «نیازمند توجه» entry."""
        problem = getattr(self.sync, "problem", None)
        if problem != self.status.problem:
            self.status.problem = problem
            self._refresh_screens()

    @on(AttentionChanged)
    def _attention(self, message: AttentionChanged) -> None:
        self.status.attention = len(message.ops)
        self.refresh_status()
        if message.ops:
            self.notify(
                f"{len(message.ops)} عملیات رد شد؛ کلید F10 فهرست را نشان می‌دهد.",
                title="نیازمند توجه",
                severity="warning",
                markup=False,
            )
        self._refresh_screens()

    @on(StoreChanged)
    def _store_changed(self) -> None:
        self._poll_status_soon()

    @on(CaseSaved)
    def _case_saved(self, message: CaseSaved) -> None:
        self._count_queued(message.ops)
        self._poll_status_soon()

    @on(FollowupRecorded)
    def _followup_recorded(self, message: FollowupRecorded) -> None:
        self._count_queued(message.ops)
        self._poll_status_soon()

    def _poll_status_soon(self) -> None:
        """After a save, let the tracking code paint first; coalesce bursts."""
        if getattr(self, "_status_timer", None) is None:
            self._status_timer = self.set_timer(0.15, self._poll_status_now)

    def _poll_status_now(self) -> None:
        self._status_timer = None
        self._poll_status()

    def _refresh_screens(self) -> None:
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_data", None)
            if refresh is not None:
                refresh()

    # -- cross-screen navigation
    @on(OpenCitizen)
    def _open_citizen(self, message: OpenCitizen) -> None:
        from samad_desk.screens.profile_screen import ProfileScreen

        self.push_screen(ProfileScreen(self.services, message.citizen_id))

    @on(OpenCase)
    async def _open_case(self, message: OpenCase) -> None:
        # await the switch: until it is mounted, self.screen is still the old screen
        await self.switch_mode("followup")
        for screen in self.screen_stack:
            show = getattr(screen, "show_case", None)
            if show is not None:
                show(message.case_id)
                break

    def screen_title(self, screen: Screen[Any]) -> str:
        return MODE_TITLES.get(self.current_mode, "")
