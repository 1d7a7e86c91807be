"""Lessons 06 and 10 in a real browser: JupyterLab runs every cell, a slider or a digit button moves, the digit changes.

JupyterLab runs on 127.0.0.1 with its own token and temporary HOME, settings and workspace
folders; Playwright drives Debian's Chromium (never `playwright install`). On failure a
screenshot is saved next to the test's temporary files and its path printed. With
GAN_LESSONS_SCREENSHOT=FILE.png the widgets are photographed for the README.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSON = "06_play_with_the_noise.ipynb"
LESSON_10 = "10_choose_your_digit.ipynb"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = os.environ.get("GAN_LESSONS_SCREENSHOT") and Path(os.environ["GAN_LESSONS_SCREENSHOT"]).resolve()
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = condition()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.25)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving copies of lessons 06 and 10; yields its base URL and token."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    root, home = tmp_path / "notebooks", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    for lesson in (LESSON, LESSON_10):
        shutil.copy(ROOT / "notebooks" / lesson, root / lesson)
    news = home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))  # no pop-up over the widgets
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "IPYTHONDIR": str(home / "ipython")}  # fmt: skip
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]  # fmt: skip
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _get_json(f"{base}/api/status?token={token}"), 60, "JupyterLab to answer")
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _kernel_ready(base: str, token: str) -> bool:
    """JupyterLab says "idle" before the kernel is connected: wait for both."""
    kernels = _get_json(f"{base}/api/kernels?token={token}")
    return any(k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels)


def test_slider_changes_the_digit_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            _run_lesson_and_move_a_slider(page, base, token)
        except Exception:
            shot = tmp_path / "browser-failure.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
            raise
        finally:
            browser.close()


def test_digit_button_changes_the_digit_in_jupyterlab(lab, tmp_path):
    """Lesson 10: after Run All, clicking another digit button redraws the chosen digit."""
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            _run_lesson_10_and_choose_a_digit(page, base, token)
        except Exception:
            shot = tmp_path / "browser-failure-10.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
            raise
        finally:
            browser.close()


def _run_all(page, base: str, token: str, lesson: str, done_text: str, timeout_ms: int) -> None:
    """Open LESSON in JupyterLab, Run All Cells, and wait until DONE_TEXT is shown."""
    page.goto(f"{base}/lab/tree/{lesson}?token={token}")
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    _wait_for(lambda: _kernel_ready(base, token), 60, "the kernel to be connected and idle")
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
    page.get_by_text(done_text).first.wait_for(timeout=timeout_ms)


def _run_lesson_10_and_choose_a_digit(page, base: str, token: str) -> None:
    _run_all(page, base, token, LESSON_10, "one redraw takes about", 240_000)
    chooser = page.locator(".widget-vbox").filter(has=page.locator(".widget-toggle-buttons")).first
    image = chooser.locator("img.widget-image").first
    before = image.get_attribute("src")
    button = chooser.locator(".widget-toggle-button", has_text="7").first
    button.scroll_into_view_if_needed()
    _steady_box(button)
    button.click()
    _wait_for(lambda: image.get_attribute("src") != before, 15, "the digit to be redrawn as a 7")


def _run_lesson_and_move_a_slider(page, base: str, token: str) -> None:
    page.goto(f"{base}/lab/tree/{LESSON}?token={token}")
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    _wait_for(lambda: _kernel_ready(base, token), 60, "the kernel to be connected and idle")
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
    page.get_by_text("one redraw takes about").wait_for(timeout=120_000)

    explorer = page.locator(".widget-hbox").filter(has=page.locator(".widget-image")).first
    image = explorer.locator("img.widget-image").first
    before = image.get_attribute("src")
    _drag_first_slider(page, explorer)
    _wait_for(lambda: image.get_attribute("src") != before, 15, "the digit to be redrawn")
    if SCREENSHOT:  # resolved at import, before the tests change folder
        explorer.screenshot(path=str(SCREENSHOT))


def _drag_first_slider(page, explorer, tries: int = 5) -> None:
    """Drag the first slider's handle to the right until its readout shows a new value.

    JupyterLab may still be scrolling (to the last cell run) when the widgets appear, so
    the handle is measured only once it has stopped moving, and a missed drag is retried.
    """
    handle = explorer.locator(".widget-slider .noUi-handle").first
    readout = explorer.locator(".widget-readout").first
    start = readout.inner_text()
    for attempt in range(1, tries + 1):
        handle.scroll_into_view_if_needed()
        box = _steady_box(handle)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 120, y, steps=8)
        page.mouse.up()
        if _wait_for_or_none(lambda: readout.inner_text() != start, 2):
            print(f"the slider moved on drag {attempt}")
            return
    raise AssertionError(f"the slider's readout stayed at {start} after {tries} drags")


def _steady_box(locator, timeout: float = 10) -> dict:
    """The element's bounding box once it is the same in two looks 0.2 s apart."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        box = locator.bounding_box()
        if box is not None and box == last:
            return box
        last = box
        time.sleep(0.2)
    raise TimeoutError(f"the slider kept moving on the page for {timeout:.0f} s")


def _wait_for_or_none(condition, timeout: float):
    try:
        return _wait_for(condition, timeout, "")
    except TimeoutError:
        return None
