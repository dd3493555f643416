"""Where samad-desk keeps its files.

Computed on call (never at import) so tests can point everything at a temporary
directory through the environment. Nothing here creates a directory: the command
that writes creates it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "samad-desk"


def _from_env(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser() if value else Path(default)


def config_dir() -> Path:
    return _from_env("SAMAD_DESK_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The shared data directory (journal + cache). Must be on a local disk."""
    return _from_env("SAMAD_DESK_DATA_DIR", platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    return _from_env("SAMAD_DESK_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME))


def operator_dir() -> Path:
    """The operator's own directory (tokens, offline-login verifier, drafts); mode 0700."""
    return _from_env("SAMAD_DESK_OPERATOR_DIR", str(config_dir() / "operator"))


def themes_dir() -> Path:
    """Installed copy first (inside the wheel), then the source tree."""
    installed = Path(__file__).parent / "themes"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "themes"
