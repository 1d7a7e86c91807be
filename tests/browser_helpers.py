"""The browser tests' JupyterLab and Chromium, written once (tests/conftest.py's `lab` fixture uses them).

JupyterLab runs on 127.0.0.1 with its own token and temporary HOME, settings and workspace
folders, serving copies of the lessons; Playwright drives Debian's Chromium (never
`playwright install`). `Lab.run_all` opens a lesson, runs every cell and waits for a sign
that the last one ran.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip


def wait_for(condition, timeout: float, what: str):
    """CONDITION's first true result, asked every 0.25 s; a TimeoutError naming WHAT after TIMEOUT seconds."""
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


def wait_for_or_none(condition, timeout: float):
    """Like wait_for, but None instead of an error when time runs out."""
    try:
        return wait_for(condition, timeout, "")
    except TimeoutError:
        return None


def steady_box(locator, timeout: float = 10) -> dict:
    """The element's bounding box once it is the same in two looks 0.2 s apart (JupyterLab may still scroll)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        box = locator.bounding_box()
        if box is not None and box == last:
            return box
        last = box
        time.sleep(0.2)
    raise TimeoutError(f"the element kept moving on the page for {timeout:.0f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@contextmanager
def jupyterlab(folder: Path, lessons: list[str]) -> Iterator[tuple[str, str]]:
    """A JupyterLab server serving copies of LESSONS (file names under notebooks/); yields its base URL and token."""
    root, home = folder / "notebooks", folder / "home"
    root.mkdir()
    home.mkdir()
    for lesson in lessons:
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
    with (folder / "jupyterlab.log").open("w") as log:
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _get_json(f"{base}/api/status?token={token}"), 60, "JupyterLab to answer")
            yield base, token
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    """A page of a headless Debian Chromium driven by Playwright, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


class Lab:
    """A JupyterLab server and a Chromium page on it: what a browser test drives."""

    def __init__(self, base: str, token: str, page):
        self.base, self.token, self.page = base, token, page

    def kernel_ready(self) -> bool:
        """JupyterLab says "idle" before the kernel is connected: True once both are so."""
        kernels = _get_json(f"{self.base}/api/kernels?token={self.token}")
        return any(k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels)

    def run_all(self, lesson: str, done, timeout_ms: int) -> None:
        """Open LESSON, Run All Cells, and wait until DONE (a text a cell prints, or a locator) is shown.

        A text is looked for in the cells' outputs only: the code that prints it is on the page from the start.
        """
        page = self.page
        page.goto(f"{self.base}/lab/tree/{lesson}?token={self.token}")
        page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
        wait_for(self.kernel_ready, 60, "the kernel to be connected and idle")
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
        if isinstance(done, str):
            done = page.locator(".jp-OutputArea-output").filter(has_text=done)
        done.first.wait_for(timeout=timeout_ms)
