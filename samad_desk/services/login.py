"""Logging in: online against the server, offline with the stored verifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from samad_desk.services.errors import FormInvalid


def login(client: Any, username: str, password: str, operator_dir: Path) -> tuple[dict[str, Any], bool]:
    """Online login against the server; offline with the stored verifier when unreachable.

    Returns ``(operator, online)``; raises :class:`FormInvalid` keyed by the field.
    """
    from samad_desk.sync.errors import AuthError, SyncError
    from samad_desk.sync.tokens import verify_offline

    username = username.strip()
    errors = {}
    if not username:
        errors["username"] = "نام کاربری را وارد کنید"
    if not password:
        errors["password"] = "گذرواژه را وارد کنید"
    if errors:
        raise FormInvalid(errors)
    if client is None:
        operator = verify_offline(username, password, operator_dir=operator_dir)
        if operator is None:
            raise FormInvalid({"password": "سرور مرکزی تنظیم نشده و ورود برون‌خط برای این کاربر ممکن نیست"})
        return operator, False
    try:
        return client.login(username, password), True
    except AuthError as exc:
        raise FormInvalid({"password": str(exc)}) from None
    except SyncError as exc:
        operator = verify_offline(username, password, operator_dir=operator_dir)
        if operator is not None:
            return operator, False
        raise FormInvalid(
            {
                "password": f"{exc} ورود برون‌خط فقط برای کاربری ممکن است که پیش‌تر در همین میز"
                " برخط وارد شده باشد و گذرواژه درست باشد."
            }
        ) from None
