"""The one place that reads rendered rows through Textual's private compositor API
(design/rtl.md §7); textual is pinned exactly, so a change here shows up as one failure."""

from __future__ import annotations

from textual.app import App


def screen_rows(app: App) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]
