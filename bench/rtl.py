"""RTL text engine and input benchmarks (issue 4): ``python -m bench rtl [--quick]``.

* layout of a 24-row screen of mixed Persian/Latin/digit text at width 78, cached (LRU hit)
  and cold (every cache emptied first), beside the plain route without maps or cache
  (arabic-reshaper + python-bidi ``get_display`` per line);
* one keystroke in an RTLInput holding 500 characters to the next frame (p95), driven by
  ``App.run_test`` (headless: the compositor renders the update, nothing is written to a
  terminal), beside a stock ``textual.widgets.Input`` holding the same text.

Frame time is taken when ``Screen._compositor_refresh`` next completes after the key was
sent. Textual batches screen updates on a 60 fps timer, so both widgets carry up to about
16.7 ms of waiting that is not layout work.
"""

from __future__ import annotations

import asyncio
import random
import time

from bench.harness import Metric, percentile, time_calls

WIDTH = 78

_WORDS = (
    "شهروند درخواست پرونده شکایت پیگیری شهرداری آب برق گاز مخابرات قزوین تاکستان "
    "می‌خواهم پاسخ دستگاه اجرایی کارشناس ارجاع فوری معابر آسفالت یارانه بیمه"
).split()
_LATIN = ["Ali", "Reza", "Tehran", "SAMAD", "e-mail", "test@example.ir"]


def screen_lines(seed: int = 4) -> list[str]:
    """24 rows of mixed text like the desk shows: words, Latin, digits, codes, brackets."""
    from samad_desk.text.rtl import ltr

    rnd = random.Random(seed)
    lines = []
    for i in range(24):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < 60:
            r = rnd.random()
            if r < 0.65:
                parts.append(rnd.choice(_WORDS))
            elif r < 0.75:
                parts.append(rnd.choice(_LATIN))
            elif r < 0.85:
                parts.append("۱۴۰۳/۰۵/" + str(10 + i))
            elif r < 0.93:
                parts.append(ltr(f"0912-{rnd.randint(100, 999)}-{rnd.randint(1000, 9999)}"))
            else:
                parts.append(f"({rnd.choice(_WORDS)})")
        lines.append(" ".join(parts))
    return lines


def _plain_screen(lines: list[str]) -> None:
    import arabic_reshaper
    from bidi import get_display

    for line in lines:
        get_display(arabic_reshaper.reshape(line), base_dir="R")


def _layout_screen(lines: list[str]) -> None:
    from samad_desk.text.rtl import layout

    for line in lines:
        layout(line, WIDTH)


def bench_layout(quick: bool) -> list[Metric]:
    from samad_desk.text import rtl

    rtl.set_mode("visual")
    n = 30 if quick else 200
    lines = screen_lines()
    plain = time_calls(lambda i: _plain_screen(lines), n)
    _layout_screen(lines)
    cached = time_calls(lambda i: _layout_screen(lines), n * 5)

    def cold(i: int) -> None:
        rtl.cache_clear()
        _layout_screen(lines)

    # cache_clear itself is inside the timing; it is a few µs
    cold_t = time_calls(cold, n)
    return [
        Metric(
            "layout 24-row screen, cached (p50)",
            cached.p50,
            "ms",
            baseline=plain.p50,
            baseline_label="reshape+get_display per line, no maps",
            target="<= 2 ms",
        ),
        Metric(
            "layout 24-row screen, cold (p50)",
            cold_t.p50,
            "ms",
            baseline=plain.p50,
            baseline_label="reshape+get_display per line, no maps",
            target="<= 15 ms",
            note=f"p95 {cold_t.p95:.2f} ms",
        ),
    ]


async def _keystroke_latencies(make_widget, keys: int) -> list[float]:
    from textual.app import App, ComposeResult
    from textual.screen import Screen

    refreshed: list[float] = []
    original = Screen._compositor_refresh

    def patched(self: Screen) -> None:
        original(self)
        refreshed.append(time.perf_counter())

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield make_widget()

    Screen._compositor_refresh = patched  # type: ignore[method-assign]
    try:
        app = Bench()
        latencies = []
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            letters = "سلامدنیاپروندهشکایت"
            for i in range(keys):
                refreshed.clear()
                t0 = time.perf_counter()
                await pilot.press(letters[i % len(letters)])
                deadline = t0 + 1.0
                while not refreshed and time.perf_counter() < deadline:
                    await pilot.pause(0.001)
                if refreshed:
                    latencies.append((refreshed[0] - t0) * 1000)
        return latencies
    finally:
        Screen._compositor_refresh = original  # type: ignore[method-assign]


def bench_keystroke(quick: bool) -> list[Metric]:
    from textual.widgets import Input

    from samad_desk.text import rtl
    from samad_desk.widgets import RTLInput

    rtl.set_mode("visual")
    value = (" ".join(_WORDS) * 5)[:500]
    keys = 30 if quick else 120

    def make_rtl() -> RTLInput:
        return RTLInput(value)

    def make_stock() -> Input:
        return Input(value)

    ours = asyncio.run(_keystroke_latencies(make_rtl, keys))
    stock = asyncio.run(_keystroke_latencies(make_stock, keys))
    return [
        Metric(
            "keystroke -> next frame, RTLInput 500 chars (p95)",
            percentile(ours, 95),
            "ms",
            baseline=percentile(stock, 95),
            baseline_label="stock Input, same text",
            target="<= 16 ms",
            note=f"p50 {percentile(ours, 50):.2f} ms vs {percentile(stock, 50):.2f} ms; n={len(ours)}",
        )
    ]


def run(quick: bool) -> list[Metric]:
    return bench_layout(quick) + bench_keystroke(quick)
