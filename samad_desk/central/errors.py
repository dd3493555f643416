"""The one exception the HTTP layer turns into a JSON error answer."""

from __future__ import annotations


class ApiError(Exception):
    """``status`` with ``{"error": code, "message": Persian, **extra}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: object,
    ):
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict:
        return {"error": self.code, "message": self.message, **self.extra}


def unauthorized(reason: str = "invalid_token") -> ApiError:
    msg = {
        "expired": "نشست شما منقضی شده است؛ دوباره وارد شوید.",
    }.get(reason, "برای این درخواست باید وارد سامانه شوید.")
    return ApiError(401, "unauthorized", msg, reason=reason,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def forbidden(message: str = "اجازه این کار را ندارید.") -> ApiError:
    return ApiError(403, "forbidden", message)


def bad_request(message: str, code: str = "bad_request") -> ApiError:
    return ApiError(400, code, message)


def unavailable(retry_after: int = 2) -> ApiError:
    return ApiError(
        503,
        "unavailable",
        "سرور موقتاً در دسترس نیست؛ کمی بعد دوباره تلاش کنید.",
        headers={"Retry-After": str(retry_after)},
    )
