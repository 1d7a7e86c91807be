"""The speed benchmark runs for a few batches: what it prints and what it writes agree with what it ran.

No timing is asserted (it depends on the machine); what can fail is the rest: the device, the data
and the count of batches it reports, its JSON against its printed lines, and the reason it gives
for not timing the CUDA graph on a CPU.
"""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import torch

from gan_lessons.data import load_mnist
from gan_lessons.graphed import why_not_graphed
from gan_lessons.training import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
SPEED = ROOT / "benchmarks" / "train_speed.py"


def _speed(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SPEED), *args], capture_output=True, text=True, timeout=300)


def test_train_speed_reports_what_it_timed_and_writes_the_same_figures(tmp_path):
    figures_file = tmp_path / "speed.json"
    run = _speed("--batches", "2", "--warmup", "1", "--device", "cpu", "--json", str(figures_file))
    assert run.returncode == 0, run.stderr
    out, figures = run.stdout, json.loads(figures_file.read_text())
    images = len(load_mnist(download=False))  # the data it finds with no --data: here, the built-in sample
    per_epoch = math.ceil(images / 128)
    assert figures["device"] == "cpu" and figures["torch"] == torch.__version__
    assert (figures["images"], figures["batch_size"], figures["batches_per_epoch"], figures["batches_timed"]) == (
        images, 128, per_epoch, 2)  # fmt: skip
    assert f"data: {images:,} images, batch 128, {per_epoch} batches per epoch; timing 2 batches" in out
    assert re.search(rf"device: cpu \(host\), torch {re.escape(torch.__version__)}, threads \d+", out)
    ref = float(re.search(r"reference pipeline:\s+([\d.]+) s/epoch", out).group(1))
    eng = float(re.search(r"gan_lessons engine:\s+([\d.]+) s/epoch", out).group(1))
    assert ref == round(figures["reference_s_per_epoch"], 2) and eng == round(figures["engine_s_per_epoch"], 2)
    assert 0 < figures["reference_s_per_epoch"] < math.inf and 0 < figures["engine_s_per_epoch"] < math.inf
    speedup = figures["reference_s_per_epoch"] / figures["engine_s_per_epoch"]
    assert figures["speedup"] == speedup and f"speed-up: {speedup:.2f}x" in out
    reason = why_not_graphed(TrainConfig(), torch.device("cpu"))
    assert reason and figures["graphed_not_measured"] == reason
    assert f"engine, CUDA graph: not measured: {reason}" in out and "graphed_s_per_epoch" not in figures


def test_train_speed_refuses_zero_batches():
    run = _speed("--batches", "0", "--device", "cpu")
    assert run.returncode == 2 and "--batches and --warmup must be >= 1" in run.stderr


SEARCH = ROOT / "benchmarks" / "recipe_search.py"


def _search(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SEARCH), *args], capture_output=True, text=True, timeout=300)


def test_recipe_search_trains_the_recipe_asked_and_writes_the_curve_it_printed(tmp_path):
    curve_file = tmp_path / "curve.json"
    run = _search("--sample", "--seconds", "1", "--every", "0.5", "--n", "50", "--lr", "2e-3", "--lr-d", "4e-3",
                  "--beta1", "0", "--beta2", "0.99", "--json", str(curve_file))  # fmt: skip
    assert run.returncode == 0, run.stderr
    written = json.loads(curve_file.read_text())
    assert "lr=0.002, betas=(0.0, 0.99)" in run.stdout and "lr_d=0.004" in run.stdout
    assert written["args"]["lr_d"] == 4e-3 and written["args"]["threads"] == 1  # CPU clock: one thread
    points = written["curve"]
    assert len(points) == 2 and 0.5 <= points[0]["seconds"] < points[1]["seconds"]
    assert 1 <= points[0]["batches"] < points[1]["batches"]
    for point in points:
        assert 0 <= point["average"] <= 1 and 0 <= point["generator"] <= 1
        row = f"{point['seconds']:8.1f} {point['batches']:8,} {point['average']:8.1%} {point['generator']:9.1%}"
        assert row in run.stdout


def test_recipe_search_refuses_no_time():
    run = _search("--sample", "--seconds", "0")
    assert run.returncode == 2 and "--seconds and --every must be > 0" in run.stderr
