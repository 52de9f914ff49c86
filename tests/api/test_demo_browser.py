"""The demo page in a real headless browser: Playwright (PyPI) driving Debian's chromium.

Types a review, submits it with the keyboard, reads the verdict and the most strongly
highlighted word, and fails if the page asks for anything outside the service. The screenshot
goes to ``$CI_ARTIFACTS/demo.png`` when CI sets that folder, else ``tests/artifacts/demo.png``
(git-ignored).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.harness.processes import serving
from tests.api.chromium import CHROMIUM, HEADLESS, required
from tests.conftest import SHIPPED_BUNDLE

pytestmark = required("test the demo page")
REVIEW = (
    "The plot was dull and far too slow. But the acting was superb, the music was wonderful"
    " and the ending made up for everything. I loved it."
)
ARTIFACTS = Path(os.environ.get("CI_ARTIFACTS") or Path(__file__).parents[1] / "artifacts")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    env = {"SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE), "SENTIMENT_WORKERS": "1"}
    with serving([sys.executable, "-m", "app"], env) as service:
        base = service.base
        yield base


def test_type_a_review_and_see_why(base_url: str) -> None:
    from playwright.sync_api import Route, sync_playwright

    outside: list[str] = []
    inside: list[str] = []

    def only_the_service(route: Route) -> None:
        url = route.request.url
        if url.startswith(base_url + "/"):
            inside.append(url)
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=HEADLESS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 1100})  # a phone's width
            page.route("**/*", only_the_service)
            page.goto(base_url + "/")
            page.get_by_text("test accuracy").wait_for(timeout=30_000)
            page.get_by_label("Review", exact=True).fill(REVIEW)  # the textarea, found by its label
            page.get_by_label("Review", exact=True).press("Control+Enter")
            label = page.locator("#label")
            label.wait_for(state="visible", timeout=30_000)
            assert label.inner_text() == "positive"
            marks = page.locator("#highlighted mark")
            weights = [float(w) for w in marks.evaluate_all("m => m.map(e => e.dataset.weight)")]
            strongest = marks.nth(max(range(len(weights)), key=lambda i: abs(weights[i])))
            assert strongest.inner_text().lower() in REVIEW.lower()
            positive_words = {
                mark.inner_text().lower() for mark in page.locator("#highlighted mark.pos").all()
            }
            assert positive_words & {"superb", "wonderful", "loved"}
            assert page.locator("#sentences li").count() == 3
            assert "imdb-sentiment" in page.locator("#model-info").inner_text()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / "demo.png", full_page=True)
        finally:
            browser.close()
    assert outside == [], f"the page asked for {outside}"
    assert any(url.endswith("/explain") for url in inside)
