"""What the operator must know when the server refuses this desk's sync.

A link that is down fixes itself (the engine probes and retries): the status bar says
«برون‌خط» and that is all. A *refusal* does not: an expired session (401 on refresh), a
device the server no longer accepts (403: revoked, or ops of a client bound to another
device), a desk too old for the server (426), a request the server will not take (400,
409 other than ``client_reset_required``). Ops keep waiting in the journal, so the desk
must say so until it is fixed, in Persian, with what to do. :func:`problem_of` turns the
engine's last failure into that sentence; the UI shows it as a banner and as the first
entry of «نیازمند توجه» (F10), ``sync status`` prints it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from samad_desk.sync.errors import (
    AuthRequired,
    Forbidden,
    SyncError,
    TransientError,
    UpgradeRequired,
    WrongServer,
)

KEPT = "عملیات ذخیره‌شده در این میز نگه داشته می‌شوند و از دست نمی‌روند."

#: kind -> (short banner title, what to do)
ADVICE: dict[str, tuple[str, str]] = {
    "auth": (
        "نشست منقضی شده؛ عملیات ارسال نمی‌شوند",
        "برای ورود دوباره Shift+F5 را بزنید؛ پس از ورود، عملیات در صف خودکار ارسال می‌شوند.",
    ),
    "device": (
        "سرور ارسال از این دستگاه را نمی‌پذیرد؛ عملیات ارسال نمی‌شوند",
        "به مدیر سامانه خبر دهید تا دسترسی این دستگاه را بررسی کند؛ سپس با Shift+F5 دوباره تلاش کنید.",
    ),
    "server": (
        "این نشانی سرور مرکزی دیگری است؛ عملیات ارسال نمی‌شوند",
        "نشانی سرور (server_url) را به سرور مرکزی همیشگی برگردانید؛ برای کار با سرور دیگری پوشهٔ داده و"
        " پوشهٔ اپراتور جداگانه به کار ببرید.",
    ),
    "upgrade": (
        "نسخه میز کار قدیمی است؛ عملیات ارسال نمی‌شوند",
        "samad-desk را به‌روز کنید و دوباره اجرا کنید؛ عملیات در صف پس از آن ارسال می‌شوند.",
    ),
    "refused": (
        "سرور درخواست همگام‌سازی را نپذیرفت",
        "میز هر چند دقیقه دوباره تلاش می‌کند (Shift+F5: اکنون)؛ اگر ادامه یافت به پشتیبانی خبر دهید.",
    ),
    "history": (
        "تاریخچهٔ پرونده‌ای روی سرور دست خورده است",
        "شمارهٔ پرونده و این پیام را به مدیر سامانه بدهید تا «samad-desk central audit verify» را روی"
        " سرور اجرا کند؛ تاریخچه‌ای که این میز پیش‌تر گرفته بود دست نخورده مانده است.",
    ),
    "error": (
        "همگام‌سازی با خطا متوقف شد",
        "میز هر چند دقیقه دوباره تلاش می‌کند (Shift+F5: اکنون)؛ اگر ادامه یافت به پشتیبانی خبر دهید.",
    ),
}


@dataclass(frozen=True)
class SyncProblem:
    kind: str  # a key of ADVICE
    reason: str  # the server's (or the client's) Persian sentence

    @property
    def title(self) -> str:
        return ADVICE[self.kind][0]

    @property
    def action(self) -> str:
        return ADVICE[self.kind][1]

    def lines(self) -> list[str]:
        """Title, reason, what to do, and that nothing is lost (F10, ``sync status``)."""
        lines = [self.title, f"دلیل: {self.reason}", f"چه باید کرد: {self.action}"]
        return lines if self.kind == "history" else [*lines, KEPT]  # a history break stops no sync

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "title": self.title, "action": self.action}

    @classmethod
    def from_dict(cls, data: dict | None) -> SyncProblem | None:
        if not data or data.get("kind") not in ADVICE:
            return None
        return cls(str(data["kind"]), str(data.get("reason") or ""))


def history_problem(breaks: list) -> SyncProblem | None:
    """The F10 entry for case histories that do not match the server's hash chains
    (``domain.chain.Break``; sync/chains.py), or None when all checked clean."""
    if not breaks:
        return None
    shown = "؛ ".join(b.text for b in breaks[:3])
    more = f" (و {len(breaks) - 3} مورد دیگر)" if len(breaks) > 3 else ""
    return SyncProblem("history", shown + more)


def problem_of(exc: BaseException) -> SyncProblem | None:
    """The refusal behind a failed round, or None when it will pass by itself (link down,
    server busy): those the status bar shows as «برون‌خط» and the engine retries."""
    if isinstance(exc, TransientError):
        return None
    if not isinstance(exc, SyncError):  # a bug: the ops stay in the journal all the same
        return SyncProblem("error", f"خطای پیش‌بینی‌نشده: {type(exc).__name__}")
    reason = str(exc)
    if isinstance(exc, AuthRequired):
        return SyncProblem("auth", reason)
    if isinstance(exc, WrongServer):  # before Forbidden, of which it is one
        return SyncProblem("server", reason)
    if isinstance(exc, Forbidden):
        return SyncProblem("device", reason)
    if isinstance(exc, UpgradeRequired):
        return SyncProblem("upgrade", reason)
    return SyncProblem("refused", reason)
