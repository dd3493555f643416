"""Persian toasts: ``notify(app, message, title=...)`` lays the text out before Textual's
Toast sees it (a stock toast would show Persian reversed and unjoined, STYLE.md §7).

Toasts are 60 cells wide at most and half the screen at least, with padding and a border,
so the message is laid out for ``min(60, width // 2) - 4`` cells; the lines already fit, so
the toast never re-wraps them. ``markup=False`` always: the text may come from a citizen.
"""

from __future__ import annotations

from textual.app import App

from samad_desk.text import rtl


def toast_width(app: App) -> int:
    return max(10, min(60, app.size.width // 2) - 4)


def notify(
    app: App,
    message: str,
    *,
    title: str = "",
    severity: str = "information",
    timeout: float | None = None,
) -> None:
    width = toast_width(app)
    body = "\n".join(rtl.layout(message, width))
    head = rtl.truncate(title, width) if title else ""
    kwargs = {} if timeout is None else {"timeout": timeout}
    app.notify(body, title=head, severity=severity, markup=False, **kwargs)  # type: ignore[arg-type]
