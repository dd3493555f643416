"""The desk's one command-palette provider: "area: action" titles in Persian.

Titles are searched in their logical form and shown laid out right to left.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from samad_desk.text.normalize import name_key

#: (title, help, action on the app)
DESK_COMMANDS: list[tuple[str, str, str]] = [
    ("ثبت تماس: تماس تازه", "رفتن به فرم ثبت تماس (F5)", "switch_mode('call')"),
    ("جستجو: شهروند", "جستجوی شهروند با کد ملی، همراه یا نام (F6)", "switch_mode('lookup')"),
    ("پیگیری: پرونده با کد رهگیری", "پاسخ به تماس پیگیری (F7)", "switch_mode('followup')"),
    ("کارتابل: پرونده‌های دستگاه", "کارتابل دستگاه (F8)", "switch_mode('cartable')"),
    ("نظارت: صف‌های استان", "نمای ناظر (F9)", "switch_mode('supervisor')"),
    ("همگام‌سازی: نیازمند توجه", "عملیات ردشده (F10)", "switch_mode('attention')"),
    ("ادغام: شهروندان احتمالاً تکراری", "صف تکراری‌های احتمالی برای ادغام (Shift+F9)", "duplicates"),
    ("همگام‌سازی: اکنون", "ارسال و دریافت همین حالا (Shift+F5)", "sync_now"),
    ("راهنما: کلیدها", "فهرست همه کلیدها (F1)", "help"),
    ("برنامه: پوسته", "تیره، روشن یا پرکنتراست", "change_theme"),
    ("برنامه: خروج", "بستن میز (Shift+F10)", "quit"),
]


def _display(text: str) -> str:
    from samad_desk.text.visual import visual_line

    return visual_line(text)


class DeskCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        out = []
        for title, help_text, action in DESK_COMMANDS:
            out.append((title, help_text, partial(app.run_action, action)))
        return out

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(_display(title), callback, text=title, help=_display(help_text))

    async def search(self, query: str) -> Hits:
        key = name_key(query)
        matcher = self.matcher(key)
        for title, help_text, callback in self._commands():
            score = matcher.match(name_key(title))
            if score > 0 or (key and key in name_key(title)):
                yield Hit(
                    max(score, 0.1), _display(title), callback, text=title, help=_display(help_text)
                )
