"""The frame around every desk screen: header, status bar and key hints.

They live here, not in ``samad_desk/widgets/`` (the RTL engineer's), because they are
desk-specific and read the app's session state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.segment import Segment
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.strip import Strip
from textual.widget import Widget

from samad_desk.text.digits import fa
from samad_desk.text.visual import visual_line

CONNECTION_LABELS = {
    "online": "● برخط",
    "offline": "○ برون‌خط",
    "auth_required": "! ورود دوباره لازم",
    "refused": "! سرور نمی‌پذیرد",
    "embedded": "◌ محلی، بدون سرور",
}


#: between the header's parts. U+203A is mirrored by the bidi layout (it is a paired,
#: mirrored character in a right-to-left line) and so shows as ‹: it points left, the way a
#: Persian reader goes. U+2039 would show as › and point backwards.
HEADER_SEPARATOR = "  \u203a  "


def _time_label(iso: str | None) -> str:
    if not iso:
        return "هرگز"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return fa(iso)
    return fa(moment.strftime("%H:%M"))


def status_text(status: Any) -> str:
    clock = clock_warning(getattr(status, "clock_offset_ms", None))
    parts = [CONNECTION_LABELS.get(status.connection, status.connection)]
    if clock:
        parts.append(clock)
    parts.append(f"در صف: {fa(status.pending)}")
    download = getattr(status, "download", None)
    if download:
        parts.append(download_text(download))
    elif status.connection != "embedded":
        label = "همگام" if clock else "آخرین همگام‌سازی"  # room for the warning at 80 columns
        parts.append(f"{label}: {_time_label(status.last_sync)}")
    parts.append(f"نیازمند توجه: {fa(status.attention)}")
    return (" | " if clock else "  |  ").join(parts)


def download_text(download: dict[str, Any]) -> str:
    """«دریافت نخست: ۱۲٬۵۰۰ از ۲۸٬۰۰۰» while the first download (the snapshot) runs, or
    how far a broken-off one got (it resumes from there)."""
    done = fa(f"{int(download.get('rows_done') or 0):,}").replace(",", "٬")
    total = download.get("rows_total")
    if total:
        return f"دریافت نخست: {done} از {fa(f'{int(total):,}').replace(',', '٬')}"
    return f"دریافت نخست: {done} ردیف"


def clock_warning(offset_ms: int | None) -> str:
    """«! ساعت رایانه ۷ دقیقه عقب» when this computer's clock is more than 5 minutes off the
    server's (times and deadlines shown before the next sync are then off too), else ''."""
    from samad_desk.sync.engine import CLOCK_WARN_MS

    if offset_ms is None or abs(offset_ms) <= CLOCK_WARN_MS:
        return ""
    minutes = round(abs(offset_ms) / 60000)
    amount = f"{fa(round(minutes / 60))} ساعت" if minutes >= 120 else f"{fa(minutes)} دقیقه"
    return f"! ساعت رایانه {amount} {'عقب' if offset_ms > 0 else 'جلو'}"


class RLine(Widget):
    """One line of Persian that changes often (timer, status, key hints).

    Unlike an RTL label it never asks for a layout when its text changes (its size is
    fixed at one row), so a ticking clock or a status update repaints one row instead of
    reflowing the whole screen.
    """

    DEFAULT_CSS = """
    RLine { height: 1; width: 1fr; }
    """

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def update(self, text: str = "") -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y != 0 or width <= 0:
            return Strip.blank(width, self.rich_style)
        return Strip([Segment(visual_line(self._text, width), self.rich_style)]).adjust_cell_length(
            width, self.rich_style
        )


class DeskHeader(Widget):
    """Operator, role, agency and the current area, one line."""

    DEFAULT_CSS = """
    DeskHeader { height: 1; dock: top; }
    DeskHeader RLine { height: 1; }
    """

    def __init__(self, title: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._title = title

    def compose(self) -> ComposeResult:
        yield RLine(self._text(), id="header-text")

    def _text(self) -> str:
        app: Any = self.app
        services = getattr(app, "services", None)
        parts = ["سامد ۱۱۱"]
        if self._title:
            parts.append(self._title)
        if services is not None:
            op = services.operator
            who = f"{op.get('name') or op.get('username') or ''} ({services.role_label})"
            parts.append(who)
            if op.get("agency_id"):
                parts.append(services.agency_name(op.get("agency_id")))
        return HEADER_SEPARATOR.join(parts)

    def on_mount(self) -> None:
        self.query_one("#header-text", RLine).update(self._text())


class LineBar(Horizontal):
    """A bar of one right-to-left line at the bottom of a screen (keys, status)."""

    DEFAULT_CSS = """
    LineBar { height: 1; }
    LineBar RLine { height: 1; }
    """

    #: the id of the bar's line
    LINE_ID = ""

    def compose(self) -> ComposeResult:
        yield RLine("", id=self.LINE_ID)

    @property
    def text(self) -> str:
        return self.query_one(f"#{self.LINE_ID}", RLine).text

    def say(self, text: str) -> None:
        self.query_one(f"#{self.LINE_ID}", RLine).update(text)


class ShowsStatus:
    """A widget that shows the app's ``DeskStatus``: at once when mounted, then whenever
    the app calls :meth:`show` (``SamadDeskApp.refresh_status``)."""

    app: Any

    def on_mount(self) -> None:
        status = getattr(self.app, "status", None)
        if status is not None:
            self.show(status)

    def show(self, status: Any) -> None:
        raise NotImplementedError


class StatusBar(ShowsStatus, LineBar):
    """Connection state, pending ops, last successful sync, needs-attention count."""

    LINE_ID = "status-text"

    def show(self, status: Any) -> None:
        self.set_class(status.connection in ("offline", "auth_required", "refused"), "-offline")
        self.set_class(bool(status.attention), "-attention")
        self.say(status_text(status))


_KEY_NAMES = {"escape": "Esc", "enter": "Enter", "tab": "Tab", "delete": "Del",
              "pageup": "PgUp", "pagedown": "PgDn"}


def key_label(key: str) -> str:
    """``f2`` -> ``F2``, ``shift+f4`` -> ``Shift+F4`` (keys stay Latin: that is what the keyboard says)."""
    out = []
    for part in key.split("+"):
        if part.startswith("f") and part[1:].isdigit():
            out.append(part.upper())
        elif part in _KEY_NAMES:
            out.append(_KEY_NAMES[part])
        else:
            out.append(part.capitalize())
    return "+".join(out)


class KeyBar(LineBar):
    """The main keys of the screen (from the active bindings, keymap applied)."""

    LINE_ID = "keybar-text"

    def on_mount(self) -> None:
        self.call_after_refresh(self.update_keys)
        self.screen.bindings_updated_signal.subscribe(self, lambda _s: self.update_keys())

    def on_resize(self, event: events.Resize) -> None:
        # the keys that fit (and a screen's key bar pages) follow the width: after 100 → 80
        # columns a 100-wide page was cut at its end, «Shift+F1 بیشتر ۱/۳» and all
        self.update_keys()

    def update_keys(self) -> None:
        seen: set[str] = set()
        parts: list[str] = []
        width = max(20, self.size.width or 80)
        pieces = getattr(self.screen, "key_bar_pieces", None)
        if pieces is not None:  # a screen with more keys than fit lays out its own pages
            self.query_one("#keybar-text", RLine).update("  ".join(pieces(width)))
            return
        used = 0
        items = sorted(
            self.screen.active_bindings.items(),
            key=lambda kv: (kv[1].node is self.app, kv[0] != "f1"),
        )
        shows = getattr(self.screen, "shows_key", None)
        for key, active in items:
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            if shows is not None and not shows(binding):
                continue
            if not key.startswith("f") and key not in ("escape", "enter"):
                continue
            seen.add(binding.action)
            piece = f"{key_label(key)} {binding.description}"
            if used + len(piece) + 2 > width:
                break
            used += len(piece) + 2
            parts.append(piece)
        self.say("  ".join(parts))


def banner_text(status: Any) -> str:
    """One line that stays while something keeps ops from reaching the server: a refusal
    (``status.problem``) or ops the server rejected. Empty when all is well."""
    problem = getattr(status, "problem", None)
    if problem is not None:
        return f"! {problem.title} — F10: چه باید کرد"
    if status.attention:
        return f"! سرور {fa(status.attention)} عملیات را نپذیرفت — F10: بررسی"
    return ""


class SyncBanner(ShowsStatus, RLine):
    """The persistent sync banner (see :func:`banner_text`); hidden when empty."""

    DEFAULT_CSS = """
    SyncBanner { display: none; text-style: bold; }
    SyncBanner.-shown { display: block; }
    """

    def show(self, status: Any) -> None:
        text = banner_text(status)
        self.update(text)
        self.set_class(bool(text), "-shown")


class BottomBars(Vertical):
    """The sync banner (only when needed), key hints and the status bar, docked at the
    bottom of every screen."""

    DEFAULT_CSS = """
    BottomBars { dock: bottom; height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield SyncBanner(id="sync-banner")
        yield KeyBar()
        yield StatusBar()
