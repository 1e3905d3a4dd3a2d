"""Settings: one table, read from options and MUSUBI_* variables, all of it documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.settings import SETTINGS, load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_environment_and_options_in_that_order() -> None:
    env = {"MUSUBI_HOME": "/from/env", "MUSUBI_MAX_IMPORT_ERRORS": "7"}
    assert load_settings(environ={}).max_import_errors == 50
    assert load_settings(environ=env).home == "/from/env"
    assert load_settings(environ=env).max_import_errors == 7
    assert load_settings({"home": "/from/option"}, environ=env).home == "/from/option"


def test_database_url_defaults_to_sqlite_in_home() -> None:
    assert load_settings({"home": "/srv/m"}, environ={}).url == "sqlite:////srv/m/musubi.db"
    env = {"MUSUBI_DATABASE_URL": "postgresql+psycopg://u@h/db"}
    assert load_settings(environ=env).url == "postgresql+psycopg://u@h/db"


def test_bad_values_name_the_source() -> None:
    with pytest.raises(ValueError, match="MUSUBI_MAX_IMPORT_ERRORS: 'lots'"):
        load_settings(environ={"MUSUBI_MAX_IMPORT_ERRORS": "lots"})
    with pytest.raises(ValueError, match="unknown setting 'colour'"):
        load_settings({"colour": "red"}, environ={})


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_every_setting_is_in_the_readme(setting) -> None:  # noqa: ANN001
    readme = README.read_text("utf-8")
    assert setting.env in readme, f"{setting.env} is not documented in README.md"
    assert setting.option in readme, f"{setting.option} is not documented in README.md"


def test_cli_reports_a_bad_setting(musubi_sqlite, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("MUSUBI_MAX_IMPORT_ERRORS", "lots")
    result = musubi_sqlite("stats")
    assert result.exit_code == 2
    assert "MUSUBI_MAX_IMPORT_ERRORS" in result.stderr


def test_yes_no_settings_read_the_word() -> None:
    assert load_settings(environ={}).secure_cookies is False
    for word, value in (("true", True), ("1", True), ("on", True), ("false", False), ("no", False)):
        assert load_settings(environ={"MUSUBI_SECURE_COOKIES": word}).secure_cookies is value
    with pytest.raises(ValueError, match="MUSUBI_SECURE_COOKIES: 'maybe'"):
        load_settings(environ={"MUSUBI_SECURE_COOKIES": "maybe"})
