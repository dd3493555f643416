"""One validated settings object from ``config.toml`` plus ``SAMAD_DESK_*`` variables.

The environment wins over the file. A bad key or value raises :class:`SettingsError`
with a Persian message that names it, so the operator knows what to fix.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from samad_desk import paths

RTL_MODES = ("auto", "visual", "terminal")


class SettingsError(ValueError):
    """A setting that cannot be used; ``str(err)`` is Persian and names the key."""


@dataclass(frozen=True)
class Settings:
    #: central server base URL; ``None`` runs the embedded default (local demo operator)
    server_url: str | None = None
    data_dir: Path = field(default_factory=paths.data_dir)
    operator_dir: Path = field(default_factory=paths.operator_dir)
    rtl_mode: str = "auto"
    theme: str = "samad-dark"
    #: binding id -> keys, e.g. {"case-save": "f2,ctrl+s"}
    keymap: dict[str, str] = field(default_factory=dict)
    province: str = "qazvin"
    blinking_cursor: bool = True
    #: seconds between background sync rounds when idle
    sync_interval: float = 15.0
    #: ISO weekday numbers that are days off (Mon=0 … Sun=6); Friday is 4
    weekend: tuple[int, ...] = (4,)
    #: extra holidays / closures file (one ISO or Jalali date per line, ``#`` comments)
    holidays_file: Path | None = None
    sla_days: int = 10
    sla_max_days: int = 15

    @property
    def embedded(self) -> bool:
        return self.server_url is None


_BOOL = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _coerce(name: str, value: Any, default: Any) -> Any:
    try:
        if name in ("data_dir", "operator_dir", "holidays_file"):
            return None if value in (None, "") else Path(str(value)).expanduser()
        if name == "server_url":
            return None if value in (None, "") else str(value).rstrip("/")
        if name == "weekend":
            if isinstance(value, str):
                value = [v for v in value.replace(" ", "").split(",") if v]
            days = tuple(int(v) for v in value)
            if any(d < 0 or d > 6 for d in days):
                raise ValueError
            return days
        if name == "keymap":
            if not isinstance(value, dict):
                raise ValueError
            return {str(k): str(v) for k, v in value.items()}
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            return _BOOL[str(value).strip().lower()]
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (KeyError, TypeError, ValueError):
        raise SettingsError(f"مقدار تنظیم «{name}» معتبر نیست: {value!r}") from None


def load_settings(
    config_file: Path | None = None, environ: dict[str, str] | None = None
) -> Settings:
    env = os.environ if environ is None else environ
    config_file = config_file or Path(
        env.get("SAMAD_DESK_CONFIG_FILE", str(paths.config_dir() / "config.toml"))
    )
    raw: dict[str, Any] = {}
    if config_file.is_file():
        try:
            raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"پرونده تنظیمات {config_file} خوانا نیست: {exc}") from None
    known = {f.name: f for f in fields(Settings)}
    for key in raw:
        if key not in known:
            raise SettingsError(f"تنظیم ناشناخته «{key}» در {config_file}")
    for name in known:
        var = f"SAMAD_DESK_{name.upper()}"
        if var in env:
            raw[name] = env[var]
    if "SAMAD_RTL_MODE" in env:
        raw["rtl_mode"] = env["SAMAD_RTL_MODE"]
    settings = Settings()
    values = {
        name: _coerce(name, value, getattr(settings, name)) for name, value in raw.items()
    }
    settings = replace(settings, **values)
    if settings.rtl_mode not in RTL_MODES:
        raise SettingsError(
            f"مقدار تنظیم «rtl_mode» باید یکی از {', '.join(RTL_MODES)} باشد، نه «{settings.rtl_mode}»"
        )
    if settings.sla_max_days < settings.sla_days:
        raise SettingsError("تنظیم «sla_max_days» نباید از «sla_days» کمتر باشد")
    return settings


def save_setting(name: str, value: Any, config_file: Path | None = None) -> None:
    """Remember one simple setting (e.g. the chosen theme) in ``config.toml``."""
    config_file = config_file or paths.config_dir() / "config.toml"
    raw: dict[str, Any] = {}
    if config_file.is_file():
        raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
    raw[name] = value
    config_file.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for key, val in raw.items():
        if isinstance(val, dict):
            continue
        if isinstance(val, bool):
            lines.append(f"{key} = {'true' if val else 'false'}")
        elif isinstance(val, int | float):
            lines.append(f"{key} = {val}")
        elif isinstance(val, list | tuple):
            lines.append(f"{key} = [{', '.join(str(v) for v in val)}]")
        else:
            escaped = str(val).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
    for key, val in raw.items():
        if isinstance(val, dict):
            lines.append(f"\n[{key}]")
            lines.extend(f'"{k}" = "{v}"' for k, v in val.items())
    tmp = config_file.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, config_file)
