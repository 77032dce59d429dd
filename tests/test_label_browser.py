"""The labelling page in a real headless Chromium (Debian's, driven by Playwright; no browser download):
three pairs labelled with the keyboard alone become three rows, a <script> planted in an answer does not
run while the page's own script does, and a request without the token gets 403."""

from __future__ import annotations

import shutil

import pytest

from .label_fixtures import label_rows, make_run, serving
from .test_label_file import _session

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="Chromium is not installed: apt-get install -y chromium (make test does this)"
)


@pytest.fixture()
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which(BROWSER), args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _state(page) -> tuple[str, str | None, bool]:
    return page.title(), page.get_attribute("html", "data-script"), page.locator("#pwned").count() > 0


def test_three_pairs_labelled_with_the_keyboard_and_a_planted_script_never_runs(tmp_path, page):
    run = make_run(tmp_path / "run", n_single=3, hostile=True)  # q1's candidate answer carries the script
    with serving(_session(run, sample=3)) as server:
        assert page.goto(server.url.split("?")[0]).status == 403
        assert page.goto(server.url.replace("token=", "token=x")).status == 403
        assert page.goto(server.url).status == 200
        shown = []
        for key in ("1", "0", "2"):
            # control: the page's own script ran (it marks <html>), so a quiet planted script means it was blocked
            assert _state(page) == ("jury label", "ran", False)
            shown.append(page.locator(".answer-1").inner_text() + page.locator(".answer-2").inner_text())
            with page.expect_navigation():
                page.keyboard.press(key)
        assert page.locator("#progress-text").inner_text() == "3 of 3 answered"
        assert _state(page) == ("jury label", "ran", False)
    assert any("<script>document.title='pwned'" in text for text in shown)  # the planted text was shown, as text
    rows = label_rows(run.report_dir)
    assert [r["kind"] for r in rows] == ["label"] * 3 and len({r["unit_id"] for r in rows}) == 3
    assert [r["winner"] == "tie" for r in rows] == [False, True, False]
