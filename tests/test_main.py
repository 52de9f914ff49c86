"""``app.main`` assembles the app and builds none on import."""

from __future__ import annotations

from tests.app_processes import fresh_interpreter


def test_importing_app_main_builds_no_app() -> None:
    """Only ``uvicorn app.main:app`` (asking for ``app``) builds one: importing ``app.main``,
    as ``python -m app`` and the tests do, defines ``create_app`` and nothing else runs."""
    probe = (
        "import app.main as main;"
        " assert 'app' not in vars(main), 'an app was built on import';"
        " assert main._app_from_environment.cache_info().currsize == 0;"
        " built = main.app;"
        " assert built is main.app, 'a second app was built'"
    )
    # A fresh interpreter: this test process may have imported app.main already.
    result = fresh_interpreter(probe)
    assert result.returncode == 0, result.stderr
