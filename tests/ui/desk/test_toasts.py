"""Cosmetic findings of issue 12 about toasts, at 60×20, 80×24 and 120×40: they left word
fragments in the rightmost columns (laid out wider than Textual's toast, which wrapped
them again), were left-aligned, and covered the key bar."""

from __future__ import annotations

import pytest

from samad_desk.widgets.chrome import KeyBar
from tests.support.desk_ui import settle

LONG = "همگام‌سازی آغاز شد. این یک پیام بلندتر است که باید در چند سطر شکسته شود تا دیده شود."


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)])
async def test_toast_lines_fit_and_stay_above_the_key_bar(make_app, size) -> None:
    from textual.widgets._toast import Toast

    from samad_desk.app import toast_text_width
    from samad_desk.text import rtl

    app = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        app.notify(LONG, title="همگام‌سازی")
        await settle(pilot)
        [toast] = app.screen.query(Toast)
        lines = rtl.layout(LONG, toast_text_width(size[0]))
        assert toast.content_region.height == 1 + len(lines)  # the title, then no re-wrapping
        assert toast.content_region.width >= len(lines[0])
        assert toast.styles.text_align == "right"
        assert toast.region.bottom <= app.screen.query_one(KeyBar).region.y
