"""Lesson 04 in a real browser: JupyterLab runs every cell, ▶ plays the 2-D game, ⏸ stops it.

It uses the `lab` fixture (tests/conftest.py: JupyterLab and Debian's Chromium). The Play widget
ticks in the browser; each tick asks the kernel for more rounds and a new picture, so this checks
the whole path: the button, the kernel, the picture coming back, the pause.
"""

from __future__ import annotations

import re
import time

from browser_helpers import wait_for

LESSON = "04_watch_the_game.ipynb"


def _step(status) -> int:
    """The round number the watcher's status line shows ("step 40 · last update took ...")."""
    found = re.search(r"step (\d+)", status.inner_text())
    return int(found.group(1)) if found else -1


def test_play_and_pause_the_game_in_jupyterlab(lab):
    page = lab.page
    lab.run_all(LESSON, page.locator(".widget-play"), 180_000)
    game = page.locator(".widget-vbox").filter(has=page.locator(".widget-play")).first
    status = game.locator(".widget-html").filter(has_text=re.compile(r"step \d+ · last update took")).first
    image = game.locator("img.widget-image").first
    before = image.get_attribute("src")
    buttons = game.locator(".widget-play button")
    buttons.nth(0).scroll_into_view_if_needed()
    buttons.nth(0).click()  # ▶
    wait_for(lambda: _step(status) >= 40, 60, "two ticks of 20 rounds")
    assert image.get_attribute("src") != before, "the picture is redrawn while playing"
    buttons.nth(1).click()  # ⏸
    time.sleep(1.0)  # a tick already on its way may still arrive
    paused_at = _step(status)
    time.sleep(2.0)
    assert _step(status) == paused_at, "after pause the game stands still"
