"""Lesson 04's 2-D game: how long until the forger fits the ring, and how long one live redraw takes.

Plays the game with the lesson's defaults (on one thread, as the widget does) and checks the fakes
every CHECK steps; it prints the step and the seconds at which the fit first counts as good (at least
7 of the 8 blobs covered and at least 60% of the fakes near a blob, as in tests/test_toy2d.py), then
times the widget's update (steps, picture and PNG) and the picture alone.

    python benchmarks/toy_fit.py                # seeds 0, 1, 2
    python benchmarks/toy_fit.py --seeds 0 --max-steps 3000
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gan_lessons.toy2d import GamePicture, ToyGame
from gan_lessons.toy2d_widgets import GameWatcher

GOOD_COVERED, GOOD_NEAR = 7, 0.6


def time_to_fit(seed: int, max_steps: int, check: int) -> tuple[int | None, float, str]:
    """Steps and seconds (training only) until the fit is good, or (None, seconds, last coverage)."""
    game, seconds = ToyGame(seed=seed), 0.0
    while game.steps < max_steps:
        started = time.perf_counter()
        game.step(check)
        seconds += time.perf_counter() - started
        found = game.coverage()
        if found.covered >= GOOD_COVERED and found.near >= GOOD_NEAR:
            return game.steps, seconds, str(found)
    return None, seconds, str(found)


def redraw_times(frames: int) -> tuple[list[float], list[float]]:
    """Seconds per widget update (20 steps + picture + PNG) and per picture alone (update + PNG)."""
    watcher = GameWatcher()
    watcher.advance(200)  # past the first full drawing
    updates, pictures = [], []
    for _ in range(frames):
        watcher.advance()
        updates.append(watcher.redraw_s)
        started = time.perf_counter()
        watcher.picture.update(watcher.game)
        watcher.picture.png()
        pictures.append(time.perf_counter() - started)
    return updates, pictures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--max-steps", type=int, default=5000)
    parser.add_argument("--check", type=int, default=100, help="check the fit every this many steps")
    parser.add_argument("--frames", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for seed in args.seeds:
        steps, seconds, found = time_to_fit(seed, args.max_steps, args.check)
        when = f"good after {steps} steps, {seconds:.1f} s" if steps else f"not good after {args.max_steps} steps"
        print(f"seed {seed}: {when} ({found})")
    started = time.perf_counter()
    GamePicture(ToyGame())
    print(f"first picture: {(time.perf_counter() - started) * 1000:.0f} ms (matplotlib's start-up included)")
    updates, pictures = redraw_times(args.frames)
    for name, values in (("widget update (20 steps + picture)", updates), ("picture alone", pictures)):
        ms = sorted(v * 1000 for v in values)
        print(f"{name}: median {statistics.median(ms):.0f} ms, slowest {ms[-1]:.0f} ms over {len(ms)} frames")


if __name__ == "__main__":
    main()
