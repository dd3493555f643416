"""What can go wrong talking to the central server. ``str(err)`` is Persian (shown to operators)."""

from __future__ import annotations


class SyncError(Exception):
    """Base class. ``str()`` is a Persian sentence for the operator."""


class Cancelled(SyncError):
    """The engine was stopped mid-round (the desk quits). Nothing is lost: an op sent but
    not yet answered stays pending in the journal, goes again at the next start, and the
    server answers ``duplicate`` for it if it was committed."""

    def __init__(self) -> None:
        super().__init__("همگام‌سازی با خروج از برنامه متوقف شد؛ عملیات در صف در اجرای بعدی ارسال می‌شوند.")


class AuthError(SyncError):
    """Login refused (wrong username or password, account disabled, rate limited)."""


class AuthRequired(SyncError):
    """No usable token: the operator must log in again. Pending ops wait, never drop."""

    def __init__(self, message: str = "نشست شما منقضی شده است؛ برای ارسال عملیات دوباره وارد شوید.") -> None:
        super().__init__(message)


class TransientError(SyncError):
    """Try again later: network down, timeout, 5xx, 429, a cut or garbled response.

    ``link_down`` is true when the server could not be reached at all (connect failure,
    reset, timeout): the engine then probes the link and retries at once when it returns.
    ``retry_after`` is the server's ``Retry-After`` in seconds, if it sent one.
    ``timeout`` is true when a request timed out (the batch size is halved).
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        link_down: bool = False,
        timeout: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.link_down = link_down
        self.timeout = timeout


class ClientResetRequired(SyncError):
    """409 ``client_reset_required``: this journal was cloned or restored (F20)."""

    def __init__(self) -> None:
        super().__init__("این میز کار رونوشت یا بازیابی‌شده است؛ شناسه تازه ساخته می‌شود.")


class ResyncRequired(SyncError):
    """410 ``resync_required``: the cursor is no longer valid; download a snapshot (F19)."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__("داده‌های محلی باید از نو از سرور گرفته شوند.")
        self.reason = reason


class Forbidden(SyncError):
    """403: the client, device or operator is not allowed to do this."""


class WrongServer(Forbidden):
    """The server answering has another server id than the central this operator
    directory belongs to: syncing with it would fork the journal under a new device."""

    def __init__(self, url: str, bound: str, seen: str) -> None:
        def short(server_id: str) -> str:
            return server_id.removeprefix("srv-")[:8]

        super().__init__(
            f"سرور «{url}» سرور مرکزی دیگری است (شناسهٔ {short(seen)}، نه {short(bound)} که این میز کار با آن"
            " همگام شده است)؛ برای جلوگیری از دوپاره شدن داده‌ها با آن همگام‌سازی نمی‌شود. اگر نشانی اشتباه"
            " است، نشانی سرور را درست کنید؛ برای کار با سرور دیگری پوشهٔ داده و پوشهٔ اپراتور جداگانه"
            " (SAMAD_DESK_DATA_DIR و SAMAD_DESK_OPERATOR_DIR) به کار ببرید."
        )
        self.url, self.bound, self.seen = url, bound, seen


class UpgradeRequired(SyncError):
    """426: this desk is too old for the server. Ops are kept until the upgrade."""

    def __init__(self) -> None:
        super().__init__("نسخه این میز کار برای سرور قدیمی است؛ برنامه را به‌روز کنید. عملیات ذخیره‌شده حفظ می‌شوند.")


class ServerRejected(SyncError):
    """Any other 4xx we cannot act on (a bug on one side); the batch is retried later."""
