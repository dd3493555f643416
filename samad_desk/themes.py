"""samad-desk's themes, registered the Textual 8 way (STYLE.md §3).

The theme files live in ``themes/*.toml`` (shipped inside the wheel as
``samad_desk/themes``; ``samad_desk.paths.themes_dir()`` finds the installed copy first,
then the source tree). Each file holds the keyword arguments of ``textual.theme.Theme``
plus an optional ``[variables]`` table. Textual's own ``ansi-dark``/``ansi-light`` stay
available for 16-colour terminals; ``BUILTIN_THEMES`` is never mutated.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from samad_desk import paths

if TYPE_CHECKING:
    from textual.app import App
    from textual.theme import Theme

THEME_NAMES = ("samad-dark", "samad-light", "samad-high-contrast")
DEFAULT_THEME = "samad-dark"


class ThemeFileError(ValueError):
    """A theme file that cannot be read; ``str()`` is Persian."""


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThemeFileError(f"پروندهٔ پوسته {path} خوانا نیست: {exc}") from None
    if "name" not in data or "primary" not in data:
        raise ThemeFileError(f"پروندهٔ پوسته {path} باید «name» و «primary» داشته باشد")
    return data


@lru_cache(maxsize=4)
def _load(directory: str) -> tuple[Theme, ...]:
    from textual.theme import Theme

    themes = []
    for path in sorted(Path(directory).glob("*.toml")):
        data = _read(path)
        variables = {str(k): str(v) for k, v in data.pop("variables", {}).items()}
        themes.append(Theme(**data, variables=variables))
    return tuple(themes)


def load_themes(directory: Path | None = None) -> list[Theme]:
    """The themes found in ``directory`` (default: ``paths.themes_dir()``)."""
    return list(_load(str(directory or paths.themes_dir())))


def register_themes(app: App, directory: Path | None = None) -> list[str]:
    """Register every samad-desk theme with ``app``; return their names."""
    names = []
    for theme in load_themes(directory):
        app.register_theme(theme)
        names.append(theme.name)
    return names


def apply_theme(app: App, name: str | None) -> str | None:
    """Set ``app.theme`` to ``name``; on an unknown name fall back to samad-dark and return
    a Persian message for a toast (None when the theme was set)."""
    from textual.app import InvalidThemeError

    try:
        app.theme = name or DEFAULT_THEME
        return None
    except InvalidThemeError:
        app.theme = DEFAULT_THEME
        return f"پوستهٔ «{name}» شناخته نیست؛ پوستهٔ «{DEFAULT_THEME}» به کار رفت"


def remember_theme_changes(app: App, save: Any = None) -> None:
    """Save the theme in ``config.toml`` whenever the operator switches it (the command
    palette's theme command included). ``save(name)`` defaults to ``save_setting("theme", …)``."""
    if save is None:
        from samad_desk.settings import save_setting

        def save(name: str) -> None:
            save_setting("theme", name)

    def _changed(theme: Theme) -> None:
        try:
            save(theme.name)
        except OSError:
            app.notify("پوستهٔ انتخاب‌شده ذخیره نشد", title="پوسته", severity="warning", markup=False)

    app.theme_changed_signal.subscribe(app, _changed)
