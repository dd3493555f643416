"""While the tracking code covers the whole call form, the form is moved below the
screen's edge so Textual's compositor never renders the covered widgets (most of
F2-to-code). A part of :class:`~samad_desk.screens.call_screen.CallEntryScreen`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.geometry import Region


class CoversForm:
    """The tracking panel's frame over the form (a mixin: no handlers of its own)."""

    _covered: bool
    size: Any
    tracking: Any

    if TYPE_CHECKING:  # (declared for readers and mypy only: the screen provides it)
        def query_one(self, selector: str) -> Any: ...

    def _cover_form(self) -> None:
        """Move the form out of the screen while the tracking panel covers all of it.

        Textual's compositor renders every widget that overlaps a changed region, whether
        another covers it or not. The panel covers the ~60 widgets of the form: profiled,
        the frame that showed it spent 13-18 ms of its ~20 ms layout pass rendering and
        cutting up those covered widgets, most of F2-to-code. Moved below the screen's
        edge (an offset, in the same layout pass that shows the panel), they are clipped
        and never rendered: that part drops to ~5 ms. Not hidden: a hidden widget gets a
        Hide event and loses the focus, and a focus change restyles the form; moved, every
        widget keeps its state and the focus stays where it was. Only done when the panel
        covers the whole form (80×24, and any terminal up to 24 rows), where the screen
        shows exactly the same cells; on a taller terminal the rest of the form stays in
        sight below the panel, as before.
        """
        if self._covered:
            return
        body = self.query_one("#call-body")
        if not self._panel_region().contains_region(body.region):
            return
        self._covered = True  # (nothing else gives the form an offset: cleared when uncovered)
        body.styles.offset = (0, self.size.height + body.region.height)

    def _uncover_form(self) -> None:
        if not self._covered:
            return
        self._covered = False
        body = self.query_one("#call-body")
        body.styles.clear_rule("offset")
        body.refresh(layout=True)

    def _panel_region(self) -> Region:
        """Where the (possibly still hidden) panel will be, from its own styles; an empty
        region when they cannot say (then the form is never moved)."""
        styles = self.tracking.styles
        size = self.size
        try:
            offset = styles.offset.resolve(size, size)
            width = styles.width.resolve(size, size) if styles.width else None
            height = styles.height.resolve(size, size) if styles.height else None
        except Exception:  # an unexpected unit: keep painting the form, as before
            return Region()
        if width is None or height is None:
            return Region()
        return Region(offset.x, offset.y, int(width), int(height))
