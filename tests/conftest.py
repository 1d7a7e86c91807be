"""Shared test fixtures: small data, so the suite stays fast on 2 cores."""

from pathlib import Path

import pytest
import torch

from gan_lessons.data import load_sample, subset

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


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
