"""Terminal control for right-to-left text (design/rtl.md §2, §6).

samad-desk writes visual, shaped text itself. Terminals that reorder text on their own
(VTE, mintty, …) would reverse it a second time, so in ``visual`` mode we switch them to
*explicit* BiDi mode (BDSM, ``CSI 8 l``) at start and back to implicit (``CSI 8 h``) at
exit, on suspend and on a crash; under tmux the sequence is also sent DCS-wrapped
(it gets through only with ``set -g allow-passthrough on``).

Use it around ``App.run()``::

    with terminal.bidi_session(settings) as session:
        session.attach(app)         # restore on suspend (ctrl+z, App.suspend), re-enter on resume
        app.run()
    for hint in session.hints: ...  # one-time Persian hints (also available before run)

No Textual import at module level: ``doctor`` and the CLI use this without starting an app.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from samad_desk import paths
from samad_desk.text import rtl

CSI_EXPLICIT = "\x1b[8l"  # BDSM reset: explicit mode, cells shown as sent
CSI_IMPLICIT = "\x1b[8h"  # BDSM set: implicit mode (the terminal's default)


def tmux_wrap(seq: str) -> str:
    """The DCS passthrough form: ``ESC P tmux; <seq with every ESC doubled> ESC \\``."""
    return "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def bdsm(explicit: bool, environ: Mapping[str, str] | None = None) -> str:
    """The bytes to switch BiDi mode: plain, plus the tmux-wrapped form under ``$TMUX``."""
    env = os.environ if environ is None else environ
    seq = CSI_EXPLICIT if explicit else CSI_IMPLICIT
    if env.get("TMUX"):
        return seq + tmux_wrap(seq)
    return seq


def resolve_mode(mode: str, environ: Mapping[str, str] | None = None) -> str:
    """``auto`` → ``terminal`` on macOS Terminal.app (cannot be switched), else ``visual``."""
    env = os.environ if environ is None else environ
    if mode == "auto":
        return "terminal" if env.get("TERM_PROGRAM") == "Apple_Terminal" else "visual"
    if mode not in rtl.MODES:
        raise ValueError(f"rtl_mode must be auto, visual or terminal, not {mode!r}")
    return mode


def say(text: str, rtl_mode: str = "auto", *, stream: IO[str] | None = None,
        environ: Mapping[str, str] | None = None) -> None:
    """One Persian line for the terminal before (or after) the desk's screen, e.g. the demo's
    «سرور مرکزی نمایشی راه می‌افتد…». On a terminal in ``visual`` mode it is shaped and laid
    out here, between explicit-mode switches as ``doctor`` writes (a plain ``echo`` showed
    it reversed and unjoined in xterm); into a pipe or a file it stays logical text."""
    out = stream if stream is not None else sys.stderr
    visual = resolve_mode(rtl_mode, environ) == "visual"
    isatty = getattr(out, "isatty", None)
    if not (visual and isatty is not None and isatty()):
        out.write(text + "\n")
    else:
        line = rtl.layout_line(text, mode="visual").visual
        out.write(bdsm(True, environ) + line + "\n" + bdsm(False, environ))
    out.flush()


# ------------------------------------------------------------------------------ hints


@dataclass(frozen=True)
class Hint:
    id: str
    terminal: str
    text: str  # Persian


HINTS = {
    "konsole": Hint(
        "konsole",
        "Konsole",
        "در Konsole، در تنظیمات نمایه بخش «" + rtl.ltr("Complex Text Layout") + "» گزینهٔ "
        "«"
        + rtl.ltr("Bi-Directional text rendering")
        + "» را بردارید تا متن فارسی دوبار وارونه نشود.",
    ),
    "kitty": Hint(
        "kitty",
        "kitty",
        "در kitty سطر «"
        + rtl.ltr("force_ltr yes")
        + "» را به kitty.conf بیفزایید تا حروف فارسی وارونه نشوند.",
    ),
    "iterm2": Hint(
        "iterm2",
        "iTerm2",
        "در iTerm2 گزینهٔ Bidi را در تنظیمات خاموش نگه دارید؛ samad-desk خودش متن را مرتب می‌کند.",
    ),
    "wezterm": Hint(
        "wezterm",
        "WezTerm",
        "در WezTerm مقدار «bidi_enabled» را خاموش (false) نگه دارید.",
    ),
    "tmux": Hint(
        "tmux",
        "tmux",
        "در tmux سطر «" + rtl.ltr("set -g allow-passthrough on") + "» را به tmux.conf بیفزایید تا "
        "پایانه از حالت دوسویه بیرون بیاید.",
    ),
    "linux": Hint(
        "linux",
        "Linux console",
        "کنسول لینوکس نمی‌تواند فارسی را درست نشان دهد؛ از یک پایانهٔ گرافیکی یا SSH استفاده کنید.",
    ),
    "apple": Hint(
        "apple",
        "Terminal.app",
        "Terminal.app متن را خودش مرتب می‌کند و خاموش‌شدنی نیست؛ samad-desk در حالت "
        "«terminal» کار می‌کند و ستون‌های کنار هم ممکن است جابه‌جا شوند. iTerm2 بهتر است.",
    ),
}


def detect_terminal(environ: Mapping[str, str] | None = None) -> str:
    """A short name of the terminal, from the environment (best effort)."""
    env = os.environ if environ is None else environ
    program = env.get("TERM_PROGRAM", "")
    if env.get("KONSOLE_VERSION"):
        return "Konsole"
    if env.get("KITTY_WINDOW_ID"):
        return "kitty"
    if program == "iTerm.app":
        return "iTerm2"
    if program == "WezTerm":
        return "WezTerm"
    if program == "Apple_Terminal":
        return "Terminal.app"
    if program == "mintty":
        return "mintty"
    if env.get("VTE_VERSION"):
        return f"VTE {env['VTE_VERSION']}"
    if env.get("WT_SESSION"):
        return "Windows Terminal"
    if env.get("TERM") == "linux":
        return "Linux console"
    return program or env.get("TERM", "unknown")


def tmux_passthrough_on(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the tmux this runs in passes escape sequences through (``allow-passthrough``
    ``on`` or ``all``), asked of tmux itself (``tmux show -gv``; ``$TMUX`` names its
    socket). False when tmux cannot be asked: the hint is then shown, as before."""
    import subprocess

    env = dict(os.environ if environ is None else environ)
    try:
        done = subprocess.run(["tmux", "show", "-gv", "allow-passthrough"], env=env,
                              capture_output=True, text=True, timeout=2, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() in ("on", "all")


def detect_hints(environ: Mapping[str, str] | None = None) -> list[Hint]:
    """Hints for the detected terminal (rtl.md §6). VTE and mintty need none (BDSM works)."""
    env = os.environ if environ is None else environ
    program = env.get("TERM_PROGRAM", "")
    found: list[Hint] = []
    if env.get("KONSOLE_VERSION"):
        found.append(HINTS["konsole"])
    if env.get("KITTY_WINDOW_ID"):
        found.append(HINTS["kitty"])
    if program == "iTerm.app":
        found.append(HINTS["iterm2"])
    if program == "WezTerm":
        found.append(HINTS["wezterm"])
    if program == "Apple_Terminal":
        found.append(HINTS["apple"])
    if env.get("TMUX") and not tmux_passthrough_on(env):
        found.append(HINTS["tmux"])
    if env.get("TERM") == "linux":
        found.append(HINTS["linux"])
    return found


def _hints_file() -> Path:
    return paths.config_dir() / "hints-shown.json"


def shown_hints(state_file: Path | None = None) -> set[str]:
    try:
        return set(json.loads((state_file or _hints_file()).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def pending_hints(
    environ: Mapping[str, str] | None = None, state_file: Path | None = None
) -> list[Hint]:
    """Hints for this terminal that the operator has not dismissed yet."""
    seen = shown_hints(state_file)
    return [h for h in detect_hints(environ) if h.id not in seen]


def mark_hints_shown(ids: list[str], state_file: Path | None = None) -> None:
    """Remember dismissed hints so each is shown once."""
    state_file = state_file or _hints_file()
    seen = shown_hints(state_file) | set(ids)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(sorted(seen)), encoding="utf-8")
    os.replace(tmp, state_file)


# ------------------------------------------------------------------------------ session


def _default_stream() -> IO[str] | None:
    """Textual writes to stderr; use it (or stdout) when it is a terminal."""
    for stream in (sys.__stderr__, sys.__stdout__):
        try:
            if stream is not None and stream.isatty():
                return stream
        except (ValueError, OSError):
            continue
    return None


@dataclass
class BidiSession:
    """The resolved mode and the switch state; restores the terminal exactly once per entry."""

    mode: str
    stream: IO[str] | None
    environ: Mapping[str, str]
    hints: list[Hint] = field(default_factory=list)
    explicit: bool = False
    _fd: int | None = None
    _old_handlers: dict[int, Any] = field(default_factory=dict)

    def _write(self, data: str) -> None:
        if self.stream is None or not data:
            return
        try:
            self.stream.write(data)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def enter(self) -> None:
        """Switch the terminal to explicit mode (visual mode only)."""
        if self.mode == "visual" and not self.explicit:
            self._write(bdsm(True, self.environ))
            self.explicit = True

    def restore(self) -> None:
        """Back to implicit mode, so the operator's shell shows Persian as before."""
        if self.explicit:
            self._write(bdsm(False, self.environ))
            self.explicit = False

    def _restore_signal_safe(self) -> None:
        # os.write only: a signal may arrive while the stream's buffer is in use
        if self.explicit and self._fd is not None:
            try:
                os.write(self._fd, bdsm(False, self.environ).encode())
            except OSError:
                pass
            self.explicit = False

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """For a shell-out or an editor: implicit mode inside, explicit again after."""
        was = self.explicit
        self.restore()
        try:
            yield
        finally:
            if was:
                self.enter()

    def attach(self, app: Any) -> None:
        """Restore on the app's suspend (ctrl+z, ``App.suspend()``) and re-enter on resume.

        May be called before ``app.run()``: the subscription is then queued as the app's
        first callback (Textual only lets a running node subscribe to a signal).
        """

        def subscribe() -> None:
            app.app_suspend_signal.subscribe(app, lambda _app: self.restore(), immediate=True)
            app.app_resume_signal.subscribe(app, lambda _app: self.enter(), immediate=True)
            self._hook_driver(app)

        if app.is_running:
            subscribe()
        else:
            app.call_later(subscribe)

    def _hook_driver(self, app: Any) -> None:
        """Send implicit mode both *before* and *after* the driver leaves the alternate
        screen (on exit and on suspend).

        Before: under tmux, leaving the alternate screen makes tmux redraw the pane's shell
        rows to the outer terminal, and VTE keeps rows drawn in explicit mode explicit (seen
        in lxterminal: Persian lines printed before the app read backwards after it quit).
        After: VTE restores the BiDi mode saved on entering the alternate screen (explicit)
        when it leaves it, so the mode must be sent again on the normal screen. The first
        and the second go through the driver's own (threaded) writer, so they are ordered
        around ``CSI ?1049l``. Uses the driver (``app._driver``; Textual is pinned).
        """
        driver = getattr(app, "_driver", None)
        if driver is None or getattr(driver, "is_headless", True):
            return
        if getattr(driver, "_samad_bidi_hooked", False):
            return
        original = driver.stop_application_mode

        def send_implicit() -> bool:
            try:
                driver.write(bdsm(False, self.environ))  # queued in order with the driver's
            except Exception:  # noqa: BLE001 - the final restore after run() still runs
                return False
            return True

        def stop_application_mode() -> None:
            visual = self.mode == "visual"
            if visual:
                send_implicit()
            original()
            if visual and send_implicit():
                self.explicit = False

        driver.stop_application_mode = stop_application_mode
        driver._samad_bidi_hooked = True

    def _install_signal_handlers(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                self._old_handlers[sig] = signal.signal(sig, self._on_signal)
            except (ValueError, OSError):  # not the main thread, or unsupported
                pass

    def _uninstall_signal_handlers(self) -> None:
        for sig, old in self._old_handlers.items():
            try:
                signal.signal(sig, old)
            except (ValueError, OSError):
                pass
        self._old_handlers.clear()

    def _on_signal(self, signum: int, frame: Any) -> None:
        self._restore_signal_safe()
        old = self._old_handlers.get(signum)
        if callable(old):
            old(signum, frame)
        else:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)


@contextmanager
def bidi_session(
    settings: Any = None,
    *,
    mode: str | None = None,
    stream: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[BidiSession]:
    """Resolve ``rtl_mode`` (``settings.rtl_mode``, or ``mode``), set the layout engine's
    mode, switch the terminal to explicit BiDi mode in visual mode, and restore it on exit,
    on an exception, at interpreter exit and on SIGTERM/SIGHUP."""
    env = os.environ if environ is None else environ
    wanted = mode or getattr(settings, "rtl_mode", None) or env.get("SAMAD_RTL_MODE") or "auto"
    resolved = resolve_mode(wanted, env)
    rtl.set_mode(resolved)
    out = stream if stream is not None else _default_stream()
    session = BidiSession(resolved, out, env, hints=pending_hints(env))
    try:
        session._fd = out.fileno() if out is not None else None
    except (OSError, ValueError, AttributeError):
        session._fd = None
    session.enter()
    atexit.register(session.restore)
    session._install_signal_handlers()
    try:
        yield session
    finally:
        session.restore()
        session._uninstall_signal_handlers()
        atexit.unregister(session.restore)
