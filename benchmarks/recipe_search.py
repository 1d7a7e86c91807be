"""Search for lesson 09's DCGAN recipe: recognizability against seconds of training for one recipe.

Trains a DCGAN on full MNIST with the settings given (the defaults are lesson 09's parameter cell,
read by `quality.lesson_defaults`) and judges N digits of the running average and of the generator
itself every EVERY seconds of training. With `--clock cpu` (the default) a second of training is a
CPU second of this process on one thread: about what one idle core takes, whatever else the
machine is doing. Judging is not counted as training time.

    .venv/bin/python benchmarks/recipe_search.py --seed 42 --seconds 180 --every 30 --n 2000 \\
        [--batch 32] [--lr 1e-3] [--lr-d 2e-3] [--beta1 0.5] [--beta2 0.999] [--ema 0.999] [--r1 0] \\
        [--channels-last] [--clock cpu|wall] [--threads N] [--json out.json]

The noise of the judged digits is the same for every point and every recipe (seed 0), so the
difference between two points is not noise of the digits drawn; the judge's own sampling noise on
N digits is about sqrt(p (1 - p) / N): 0.7 points at 90% with 2,000 digits.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import lesson_defaults, load_full_mnist  # noqa: E402

from gan_lessons.data import load_mnist  # noqa: E402
from gan_lessons.judge import judge_generator  # noqa: E402
from gan_lessons.live import train_for  # noqa: E402
from gan_lessons.training import TrainConfig, Trainer  # noqa: E402

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def parse() -> argparse.Namespace:
    """The recipe and the measurement asked for on the command line; the recipe defaults are lesson 09's."""
    recipe = lesson_defaults()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=recipe["SEED"])
    parser.add_argument("--seconds", type=float, default=180.0, help="seconds of training in all")
    parser.add_argument("--every", type=float, default=30.0, help="judge after every this many seconds")
    parser.add_argument("--n", type=int, default=2000, help="digits judged at each point")
    parser.add_argument("--batch", type=int, default=recipe["BATCH_SIZE"])
    parser.add_argument("--lr", type=float, default=recipe["LR"], help="the generator's (and D's) learning rate")
    parser.add_argument("--lr-d", type=float, default=None, help="the discriminator's learning rate (default: --lr)")
    parser.add_argument("--beta1", type=float, default=0.5)
    parser.add_argument("--beta2", type=float, default=0.999)
    parser.add_argument("--ema", type=float, default=recipe.get("EMA", 0.0))
    parser.add_argument("--r1", type=float, default=recipe.get("R1", 0.0))
    parser.add_argument("--channels-last", action="store_true", help="networks and data in channels-last memory")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: 1 with --clock cpu)")
    parser.add_argument("--data", default=None, help="folder with full MNIST")
    parser.add_argument(
        "--sample", action="store_true", help="train on whatever MNIST is found without downloading (tests)"
    )
    parser.add_argument("--json", default=None, help="write the curve here too")
    args = parser.parse_args()
    if not (args.seconds > 0 and args.every > 0 and args.n >= 1):
        parser.error("--seconds and --every must be > 0 and --n >= 1")
    if args.threads is None:
        args.threads = 1 if args.clock == "cpu" else torch.get_num_threads()
    return args


def main() -> int:
    args = parse()
    torch.set_num_threads(args.threads)
    clock = CLOCKS[args.clock]
    data = load_mnist(download=False, quiet=True) if args.sample else load_full_mnist(args.data)
    if data is None:
        return 2
    config = TrainConfig(arch="dcgan", epochs=10_000, batch_size=args.batch, lr=args.lr, seed=args.seed,
                         betas=(args.beta1, args.beta2), ema=args.ema, r1=args.r1)  # fmt: skip
    trainer = Trainer(data, config, "cpu")
    if args.lr_d is not None:
        for group in trainer.opt_d.param_groups:
            group["lr"] = args.lr_d
    if args.channels_last:
        trainer.images = trainer.images.contiguous(memory_format=torch.channels_last)
        for net in (trainer.generator, trainer.discriminator):
            net.to(memory_format=torch.channels_last)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"recipe: {config}; lr_d={args.lr_d or args.lr}; channels_last={args.channels_last}")
    print(f"clock {args.clock}, {args.threads} thread(s), load {load}; judging {args.n:,} digits every {args.every} s")
    print(f"{'seconds':>8} {'batches':>8} {'average':>8} {'generator':>9}")
    curve, trained = [], 0.0
    while trained < args.seconds - 1e-9:
        trained += train_for(trainer, min(args.every, args.seconds - trained), clock=clock)
        average = judge_generator(trainer.drawer, n=args.n, seed=0).recognizability
        plain = judge_generator(trainer.generator, n=args.n, seed=0).recognizability
        curve.append({"seconds": round(trained, 1), "batches": trainer.trained_batches, "average": average,
                      "generator": plain})  # fmt: skip
        print(f"{trained:8.1f} {trainer.trained_batches:8,} {average:8.1%} {plain:9.1%}", flush=True)
    noise = math.sqrt(0.9 * 0.1 / args.n)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"judge noise about ±{noise:.1%} (one standard deviation at 90%); load after: {load}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "curve": curve}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
