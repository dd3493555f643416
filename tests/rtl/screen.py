"""The one place that reads rendered rows through Textual's private compositor API
(design/rtl.md §7); textual is pinned exactly, so a change here shows up as one failure."""

from __future__ import annotations

from textual.app import App


def screen_rows(app: App) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def screen_cells(app: App, y: int) -> list[tuple[str, object]]:
    """Row ``y`` as ``(text, rich Style)`` per cell (zero-width text joins its cell)."""
    from rich.cells import cell_len

    strip = app.screen._compositor.render_strips()[y]
    cells: list[tuple[str, object]] = []
    for segment in strip:
        for ch in segment.text:
            if cell_len(ch) == 0 and cells:
                cells[-1] = (cells[-1][0] + ch, cells[-1][1])
            else:
                cells.append((ch, segment.style))
    return cells
