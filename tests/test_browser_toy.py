"""Lesson 04 in a real browser: JupyterLab runs every cell, ▶ plays the 2-D game, ⏸ stops it.

It uses tests/test_browser.py's JupyterLab (its `lab` fixture, pointed at lesson 04) and Debian's
Chromium. The Play widget ticks in the browser; each tick asks the kernel for more rounds and a new
picture, so this checks the whole path: the button, the kernel, the picture coming back, the pause.
"""

from __future__ import annotations

import re
import time

import pytest
import test_browser
from test_browser import CHROMIUM, CHROMIUM_ARGS, _kernel_ready, _wait_for
from test_browser import lab as lab  # noqa: F401  (the JupyterLab fixture, used by name)

LESSON = "04_watch_the_game.ipynb"


@pytest.fixture(autouse=True)
def _serve_lesson_04(monkeypatch):
    monkeypatch.setattr(test_browser, "LESSON", LESSON)  # the lab fixture copies and serves this lesson


def _step(status) -> int:
    """The round number the watcher's status line shows ("step 40 · last update took ...")."""
    found = re.search(r"step (\d+)", status.inner_text())
    return int(found.group(1)) if found else -1


def test_play_and_pause_the_game_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            _play_and_pause(page, base, token)
        except Exception:
            shot = tmp_path / "browser-failure.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
            raise
        finally:
            browser.close()


def _play_and_pause(page, base: str, token: str) -> None:
    page.goto(f"{base}/lab/tree/{LESSON}?token={token}")
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    _wait_for(lambda: _kernel_ready(base, token), 60, "the kernel to be connected and idle")
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
    page.locator(".widget-play").first.wait_for(timeout=180_000)
    game = page.locator(".widget-vbox").filter(has=page.locator(".widget-play")).first
    status = game.locator(".widget-html").filter(has_text=re.compile(r"step \d+ · last update took")).first
    image = game.locator("img.widget-image").first
    before = image.get_attribute("src")
    buttons = game.locator(".widget-play button")
    buttons.nth(0).scroll_into_view_if_needed()
    buttons.nth(0).click()  # ▶
    _wait_for(lambda: _step(status) >= 40, 60, "two ticks of 20 rounds")
    assert image.get_attribute("src") != before, "the picture is redrawn while playing"
    buttons.nth(1).click()  # ⏸
    time.sleep(1.0)  # a tick already on its way may still arrive
    paused_at = _step(status)
    time.sleep(2.0)
    assert _step(status) == paused_at, "after pause the game stands still"
