"""The one place that reads rendered rows through Textual's private compositor API
(design/rtl.md §7); textual is pinned exactly, so a change here shows up as one failure."""

from __future__ import annotations

from textual.app import App


def screen_rows(app: App) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def screen_cells(app: App, y: int, *, filtered: bool = False) -> list[tuple[str, object]]:
    """Row ``y`` as ``(text, rich Style)`` per cell (zero-width text joins its cell).

    ``filtered=True`` applies the app's line filters first (NO_COLOR's Monochrome, …), as
    the driver does before writing to the terminal."""
    from rich.cells import cell_len

    segments = list(app.screen._compositor.render_strips()[y])
    if filtered:
        for line_filter in app._filters:
            segments = line_filter.apply(segments, app.screen.styles.background)
    cells: list[tuple[str, object]] = []
    for segment in segments:
        for ch in segment.text:
            if cell_len(ch) == 0 and cells:
                cells[-1] = (cells[-1][0] + ch, cells[-1][1])
            else:
                cells.append((ch, segment.style))
    return cells
