"""Shared test fixtures: small data, so the suite stays fast on 2 cores; JupyterLab in a browser."""

import os
from pathlib import Path

import pytest
import torch

from gan_lessons.data import load_sample, subset

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
LAB_LESSONS = ["04_watch_the_game.ipynb", "06_play_with_the_noise.ipynb", "10_choose_your_digit.ipynb"]


@pytest.fixture(scope="session")
def sample():
    """The embedded sample (6,000 real digits)."""
    return load_sample()


@pytest.fixture(scope="session")
def small(sample):
    """512 real digits: enough for a few batches."""
    return subset(sample, 512)


@pytest.fixture(scope="session")
def shared_mnist():
    """The full MNIST files beside the checkout, where they exist (CI has them)."""
    if not (SHARED_MNIST / "train-images-idx3-ubyte.gz").exists():
        pytest.skip("the full MNIST files are not beside this checkout (../shared/data/mnist)")
    return SHARED_MNIST


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    """Tests never download, and never read a ./data folder of the developer's."""
    monkeypatch.setenv("GAN_LESSONS_OFFLINE", "1")
    monkeypatch.delenv("GAN_LESSONS_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on its test, so that a fixture can tell that the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def lab(request, tmp_path):
    """JupyterLab serving copies of the browser-tested lessons, and a Chromium page on it (a browser_helpers.Lab).

    When the test fails, a screenshot of the page is saved next to its temporary files and its path printed.
    """
    from browser_helpers import CHROMIUM, Lab, chromium_page, jupyterlab

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    with jupyterlab(tmp_path, LAB_LESSONS) as (base, token), chromium_page() as page:
        yield Lab(base, token, page)
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "browser-failure.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
