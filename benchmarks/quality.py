"""How good are the GANs? The README's three quality targets, measured with the digit judge.

1. The shipped DCGAN weights: recognizability >= 90%, every digit between 6% and 14% of
   10,000 samples, Fréchet distance <= 5x the real-against-real distance.
2. Time to recognizable digits: lesson 09's default settings, the recipe (read from the notebook's
   parameter cell), trained from scratch on full MNIST, reach recognizability >= 80% within
   3 minutes of training on this computer. Prints the curve: seconds against recognizability.
3. Every shipped generator scored the same way (the classic one for comparison).

    .venv/bin/python benchmarks/quality.py [--data DIR] [--threads N] [--skip-training]

Exit code 0 when every target that could be measured is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import torch

from gan_lessons.data import load_mnist, read_mnist_folder
from gan_lessons.judge import judge_generator, recognizability_curve
from gan_lessons.lesson import is_fast, seed_everything
from gan_lessons.pretrained import available, load_generator
from gan_lessons.training import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]
LESSON_09 = ROOT / "notebooks" / "09_better_training.ipynb"  # the lesson that holds the tuned recipe
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
N_SAMPLES, SEED = 10_000, 2024  # target 1 and 3: this many digits from the noise of this seed
BUDGET_S, EVERY_S, CURVE_N, GOAL = 180, 15, 1000, 0.80  # target 2
EXPECTED = ("classic", "dcgan")  # the generators the README reports on


def lesson_defaults() -> dict:
    """The values lesson 09's `# Parameters` cell sets when not in fast mode."""
    cells = json.loads(LESSON_09.read_text())["cells"]
    source = next("".join(c["source"]) for c in cells if "".join(c["source"]).startswith("# Parameters"))
    saved = os.environ.pop("GAN_LESSONS_FAST", None)
    try:
        values: dict = {"is_fast": is_fast, "seed_everything": seed_everything}  # what the lesson imported
        exec(source, values)  # the lesson's own cell: its defaults cannot drift from what we measure
    finally:
        if saved is not None:
            os.environ["GAN_LESSONS_FAST"] = saved
    return {k: v for k, v in values.items() if k.isupper()}


def score(name: str) -> bool | None:
    """Targets 1 and 3: judge 10,000 digits of a shipped generator; None when it is not shipped."""
    if name not in available():
        print(f"\n[{name}] SKIPPED: gan_lessons/weights/{name}.pt is not there yet (shipped: {available() or 'none'}).")
        return None
    report = judge_generator(load_generator(name), n=N_SAMPLES, seed=SEED)
    shares = "  ".join(f"{d}:{s:.1%}" for d, s in enumerate(report.shares))
    print(f"\n[{name}] {report.n:,} digits (noise seed {SEED})")
    print(f"  recognizability {report.recognizability:.1%}")
    print(f"  digit shares    {shares}   (min {min(report.shares):.1%}, max {max(report.shares):.1%})")
    print(f"  Fréchet distance {report.fd:.2f}, real against real {report.fd_real:.2f}: {report.fd_ratio:.2f}x "
          f"({report.fd_n:,} digits each)")  # fmt: skip
    if report.warning:
        print("  " + report.warning)
    ok = report.recognizability >= 0.90 and all(0.06 <= s <= 0.14 for s in report.shares) and report.fd_ratio <= 5
    verdict = "meets" if ok else "misses"
    print(f"  {verdict} target 1's bar (>= 90% recognizable, every digit 6-14%, Fréchet <= 5x real-against-real)")
    return ok


def load_full_mnist(folder: str | None):
    """Full MNIST's training set, or None (with a note) when only the built-in sample is found."""
    if folder is None and not os.environ.get("GAN_LESSONS_DATA") and SHARED_MNIST.is_dir():
        folder = str(SHARED_MNIST)
    data = read_mnist_folder(folder) if folder else load_mnist(quiet=True)
    print(data.describe())
    if len(data) < 60_000:
        print("Target 2 needs full MNIST (60,000 training digits): pass --data DIR or set GAN_LESSONS_DATA.")
        return None
    return data


def time_to_recognizable(data) -> bool:
    """Target 2: lesson 09's defaults from scratch, recognizability against seconds of training."""
    params = lesson_defaults()
    config = TrainConfig(arch="dcgan", epochs=params["EPOCHS"], batch_size=params["BATCH_SIZE"], lr=params["LR"],
                         seed=params["SEED"], ema=params.get("EMA", 0.0), r1=params.get("R1", 0.0))  # fmt: skip
    print(f"\nTarget 2: lesson 09's defaults {config} on {len(data):,} digits, for up to {BUDGET_S} s of training")
    trainer = Trainer(data, config, "cpu")
    curve = recognizability_curve(trainer, BUDGET_S, every=EVERY_S, n=CURVE_N)
    print("  seconds  recognizability")
    for seconds, rec in curve:
        print(f"  {seconds:7.1f}  {rec:6.1%}  " + "#" * round(rec * 40))
    reached = next((s for s, r in curve if r >= GOAL), None)
    if reached is None:
        print(f"  misses target 2: {max(r for _, r in curve):.1%} at best within {curve[-1][0]:.0f} s")
        return False
    print(f"  meets target 2: {GOAL:.0%} recognizable after {reached:.0f} s of training (goal: within {BUDGET_S} s)")
    return reached <= BUDGET_S


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with full MNIST (default: GAN_LESSONS_DATA, ../shared/data/mnist)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--skip-training", action="store_true", help="only targets 1 and 3 (a few seconds)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"with {torch.get_num_threads()} threads; load average {load}")  # fmt: skip
    results = {name: score(name) for name in sorted(set(EXPECTED) | set(available()))}
    if not args.skip_training:
        data = load_full_mnist(args.data)
        results["time to recognizable"] = time_to_recognizable(data) if data is not None else None
        print(f"Load average after training: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    targets = {"1 (shipped dcgan)": results["dcgan"], "2 (time to recognizable)": results.get("time to recognizable")}
    print("\nSummary:")
    for name, ok in targets.items():
        print(f"  target {name}: {'not measured' if ok is None else 'met' if ok else 'MISSED'}")
    print(f"  target 3 (shipped generators scored): {', '.join(n for n in results if n in available()) or 'none'}")
    return 1 if any(ok is False for ok in targets.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
