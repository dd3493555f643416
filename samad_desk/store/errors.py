"""The store's exception and its Persian messages."""

from __future__ import annotations

import errno


class StoreError(Exception):
    """A store failure; ``str()`` is a Persian message for the operator.

    ``code`` is a stable English identifier for code and logs (``disk_full``,
    ``read_only``, ``io_error``, ``newer_schema``, ``locked``, ``not_leader``, …).
    """

    def __init__(self, message: str, *, code: str = "error", detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


def from_os_error(exc: OSError, what: str = "ذخیره") -> StoreError:
    """Translate an OSError of a write into a Persian StoreError."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        msg = f"{what} انجام نشد: دیسک پر است. فضای دیسک را آزاد کنید و دوباره ذخیره کنید؛ اطلاعات فرم حفظ شده است."
        code = "disk_full"
    elif exc.errno == errno.EROFS:
        msg = f"{what} انجام نشد: پوشهٔ داده فقط‌خواندنی است. به پشتیبانی خبر دهید؛ اطلاعات فرم حفظ شده است."
        code = "read_only"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        msg = f"{what} انجام نشد: اجازهٔ نوشتن در پوشهٔ داده نیست. به پشتیبانی خبر دهید؛ اطلاعات فرم حفظ شده است."
        code = "permission"
    else:
        msg = f"{what} انجام نشد: خطای دیسک ({exc.strerror or exc}). دوباره تلاش کنید؛ اطلاعات فرم حفظ شده است."
        code = "io_error"
    return StoreError(msg, code=code, detail=f"{type(exc).__name__}: {exc}")
