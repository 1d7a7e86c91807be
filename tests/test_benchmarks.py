"""The speed benchmark runs for a few batches and prints its figures (no timing is asserted)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_train_speed_prints_both_pipelines_and_the_ratio():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "train_speed.py"), "--batches", "2", "--warmup", "1"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    assert re.search(r"device: cpu .*torch \d+\.\d+.*threads \d+", out)
    ref = float(re.search(r"reference pipeline:\s+([\d.]+) s/epoch", out).group(1))
    eng = float(re.search(r"gan_lessons engine:\s+([\d.]+) s/epoch", out).group(1))
    ratio = float(re.search(r"speed-up: ([\d.]+)x", out).group(1))
    assert ref > 0 and eng > 0
    assert abs(ratio - ref / eng) < 0.01 * ratio + 0.01
