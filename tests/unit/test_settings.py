"""Settings: file plus environment, environment wins, bad keys named in Persian."""

from pathlib import Path

import pytest

from samad_desk.settings import SettingsError, load_settings, save_setting


def test_defaults_embedded(tmp_path: Path):
    s = load_settings(tmp_path / "none.toml", environ={})
    assert s.embedded and s.rtl_mode == "auto" and s.weekend == (4,)


def test_env_wins_over_file(tmp_path: Path):
    f = tmp_path / "c.toml"
    f.write_text('theme = "samad-light"\nrtl_mode = "visual"\n', encoding="utf-8")
    s = load_settings(f, environ={"SAMAD_RTL_MODE": "terminal", "SAMAD_DESK_WEEKEND": "3,4"})
    assert s.theme == "samad-light"
    assert s.rtl_mode == "terminal"
    assert s.weekend == (3, 4)


@pytest.mark.parametrize(
    "content, key",
    [
        ('colour = "x"\n', "colour"),
        ('rtl_mode = "sideways"\n', "rtl_mode"),
        ("sla_days = \"ten\"\n", "sla_days"),
        ("weekend = [9]\n", "weekend"),
    ],
)
def test_bad_setting_named_in_persian(tmp_path: Path, content: str, key: str):
    f = tmp_path / "c.toml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings(f, environ={})
    assert key in str(err.value)
    assert any("\u0600" <= ch <= "\u06ff" for ch in str(err.value))


def test_unreadable_file_is_a_settings_error(tmp_path: Path):
    f = tmp_path / "c.toml"
    f.write_text("theme = = 1", encoding="utf-8")
    with pytest.raises(SettingsError):
        load_settings(f, environ={})


def test_save_setting_round_trip(tmp_path: Path):
    f = tmp_path / "c.toml"
    save_setting("theme", "samad-high-contrast", f)
    save_setting("blinking_cursor", False, f)
    s = load_settings(f, environ={})
    assert s.theme == "samad-high-contrast" and s.blinking_cursor is False
