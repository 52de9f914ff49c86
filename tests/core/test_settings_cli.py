"""``python -m app``'s command line: every setting a flag, documented alike in --help and the
README, flags above the environment, --version, and exit statuses that say what went wrong."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from app import __main__ as entry
from app import __version__
from app.core.config import Settings
from app.core.settings_cli import SettingDoc, documented_settings, markdown_table
from app.paths import REPOSITORY
from tests.app_processes import fresh_interpreter
from tests.conftest import SHIPPED_VERSION

README = REPOSITORY / "README.md"


def python_m_app(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SENTIMENT_")}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPOSITORY,
        env={**clean, "COLUMNS": "100", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def readme_rows() -> list[SettingDoc]:
    """The README's Settings table, read back as the settings it documents."""
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings-table -->\n")[1].split("<!-- /settings-table -->")[0]
    rows = []
    for line in table.splitlines()[2:]:
        variable, flag, default, meaning = (cell.strip() for cell in line.strip("|").split(" | "))
        rows.append(
            SettingDoc(
                name=variable.strip("`").removeprefix("SENTIMENT_").lower(),
                variable=variable.strip("`"),
                flag=flag.strip("`") if flag.startswith("`") else None,
                default=default.strip("`"),
                meaning=meaning,
            )
        )
    return rows


def test_the_readme_table_is_the_one_generated_from_settings() -> None:
    table = README.read_text(encoding="utf-8")
    assert markdown_table() in table, "run: .venv/bin/python scripts/settings_table.py"


def test_help_and_the_readme_table_agree_on_every_setting() -> None:
    result = python_m_app("--help")
    assert result.returncode == 0, result.stderr
    shown = " ".join(result.stdout.split())
    rows = readme_rows()
    assert [row.name for row in rows] == list(Settings.model_fields)
    for row in rows:
        if row.flag is None:  # a secret: the epilog lists it with its variable
            assert f"{row.variable}: {row.meaning} [default: {row.default}]" in shown
            assert f"--{row.name.replace('_', '-')}" not in shown
        else:
            assert f"{row.meaning} [{row.variable}; default: {row.default}]" in shown, row
            assert f" {row.flag} " in shown or f" {row.flag}," in shown, row.flag
    for status in ("0", "1", "2", "3"):
        assert re.search(rf"exit status:.* {status} ", shown), status


def test_a_flag_overrides_its_variable_and_the_rest_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SENTIMENT_PORT", "9000")
    monkeypatch.setenv("SENTIMENT_METRICS", "true")
    monkeypatch.setenv("SENTIMENT_MAX_BATCH_SIZE", "16")
    monkeypatch.setenv("SENTIMENT_CORS_ORIGINS", "https://a.example")
    _, args = entry.parse_args(
        ["--port", "9001", "--no-metrics", "--cors-origins", "https://b.example,https://c.example"]
    )
    settings = entry.settings_cli.settings_from(args)
    assert settings.port == 9001 and settings.metrics is False
    assert settings.cors_origins == ["https://b.example", "https://c.example"]
    assert settings.max_batch_size == 16  # no flag given: the variable holds


def test_every_setting_but_the_secrets_is_a_flag() -> None:
    flags = {doc.name for doc in documented_settings() if doc.flag is not None}
    assert set(Settings.model_fields) - flags == {"api_key", "admin_token"}


def test_version_names_the_package_and_the_bundle_without_loading_a_model() -> None:
    probe = (
        "import sys; from app.__main__ import main; status = main(['--version']);"
        " assert 'onnxruntime' not in sys.modules, 'onnxruntime was imported';"
        " sys.exit(status)"
    )
    result = fresh_interpreter(probe)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"imdb-sentiment {__version__}"
    assert lines[1].startswith(f"bundle imdb-sentiment {SHIPPED_VERSION} ")


def test_version_of_a_missing_bundle_exits_3() -> None:
    result = python_m_app("--version", "--bundle-path", "/nonexistent/bundle")
    assert result.returncode == 3
    assert "/nonexistent/bundle: bundle directory not found" in result.stderr


def test_a_setting_out_of_range_is_a_usage_error_naming_flag_and_variable() -> None:
    result = python_m_app("--max-batch-size", "0", SENTIMENT_PORT="70000")
    assert result.returncode == 2
    assert "--max-batch-size / SENTIMENT_MAX_BATCH_SIZE" in result.stderr
    assert "--port / SENTIMENT_PORT" in result.stderr and "'70000'" in result.stderr


def test_a_refused_secret_is_not_repeated() -> None:
    result = python_m_app(SENTIMENT_API_KEY="short-secret")
    assert result.returncode == 2
    assert "SENTIMENT_API_KEY" in result.stderr and "short-secret" not in result.stderr


def test_an_unknown_flag_is_a_usage_error() -> None:
    assert python_m_app("--no-such-flag").returncode == 2
