"""Lessons 06 and 10 in a real browser: JupyterLab runs every cell, a slider or a digit button moves, the digit changes.

The `lab` fixture (tests/conftest.py, with tests/browser_helpers.py) starts JupyterLab and Debian's
Chromium and photographs a failure. With GAN_LESSONS_SCREENSHOT=FILE.png the widgets of lesson 06
are photographed for the README.
"""

from __future__ import annotations

import os
from pathlib import Path

from browser_helpers import steady_box, wait_for, wait_for_or_none

LESSON = "06_play_with_the_noise.ipynb"
LESSON_10 = "10_choose_your_digit.ipynb"
SCREENSHOT = os.environ.get("GAN_LESSONS_SCREENSHOT") and Path(os.environ["GAN_LESSONS_SCREENSHOT"]).resolve()


def test_slider_changes_the_digit_in_jupyterlab(lab):
    lab.run_all(LESSON, "one redraw takes about", 240_000)
    page = lab.page
    explorer = page.locator(".widget-hbox").filter(has=page.locator(".widget-image")).first
    image = explorer.locator("img.widget-image").first
    before = image.get_attribute("src")
    _drag_first_slider(page, explorer)
    wait_for(lambda: image.get_attribute("src") != before, 30, "the digit to be redrawn")
    if SCREENSHOT:  # resolved at import, before the tests change folder
        explorer.screenshot(path=str(SCREENSHOT))


def test_digit_button_changes_the_digit_in_jupyterlab(lab):
    """Lesson 10: after Run All, clicking another digit button redraws the chosen digit."""
    lab.run_all(LESSON_10, "one redraw takes about", 240_000)
    page = lab.page
    chooser = page.locator(".widget-vbox").filter(has=page.locator(".widget-toggle-buttons")).first
    image = chooser.locator("img.widget-image").first
    before = image.get_attribute("src")
    button = chooser.locator(".widget-toggle-button", has_text="7").first
    button.scroll_into_view_if_needed()
    steady_box(button)
    button.click()
    wait_for(lambda: image.get_attribute("src") != before, 30, "the digit to be redrawn as a 7")


def _drag_first_slider(page, explorer, tries: int = 5) -> None:
    """Drag the first slider's handle to the right until its readout shows a new value.

    JupyterLab may still be scrolling (to the last cell run) when the widgets appear, so
    the handle is measured only once it has stopped moving, and a missed drag is retried.
    """
    handle = explorer.locator(".widget-slider .noUi-handle").first
    readout = explorer.locator(".widget-readout").first
    start = readout.text_content()  # not inner_text: that is "" while the cell is off screen (content-visibility)
    for attempt in range(1, tries + 1):
        handle.scroll_into_view_if_needed()
        box = steady_box(handle)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 120, y, steps=8)
        page.mouse.up()
        if wait_for_or_none(lambda: readout.text_content() != start, 2):
            print(f"the slider moved on drag {attempt}")
            return
    raise AssertionError(f"the slider's readout stayed at {start} after {tries} drags")
