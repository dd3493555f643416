"""The desk side of sync: HTTP client, background engine, tokens, needs-attention helpers.

Pure core: never imports Textual. The app talks to the engine through :class:`SyncReporter`.
Heavy imports (httpx) are deferred until a name is used, so ``import samad_desk.sync``
stays cheap for commands that never sync.
"""

from __future__ import annotations

from typing import Any

_WHERE = {
    "Aimd": "backoff", "Backoff": "backoff",
    "SyncClient": "client",
    "SyncEngine": "engine", "SyncReporter": "status", "NullReporter": "status",
    "RecordingReporter": "status",
    "AuthError": "errors", "AuthRequired": "errors", "ClientResetRequired": "errors",
    "Forbidden": "errors", "ResyncRequired": "errors", "SyncError": "errors", "WrongServer": "errors",
    "TransientError": "errors", "UpgradeRequired": "errors",
    "TokenStore": "tokens", "remember_password": "tokens", "verify_offline": "tokens",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"samad_desk.sync.{module}"), name)
