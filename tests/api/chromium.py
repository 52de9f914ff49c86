"""Debian's chromium for the browser tests: where it is, the flags every headless run takes,
and the skip where it is absent (a failure in CI, which must run them)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def required(what: str) -> pytest.MarkDecorator:
    """The tests' ``pytestmark``: skip without chromium; in CI, fail saying ``what`` needs it."""
    if CHROMIUM is None and os.environ.get("CI"):
        pytest.fail(f"CI must {what} in Chromium: install Debian's chromium package")
    return pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
