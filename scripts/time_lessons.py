"""Time every lesson, both editions, cell by cell, in full mode: the table behind the README's times column.

Each lesson runs in a fresh Jupyter kernel (benchmarks/stop_anywhere.py's runner, with no interrupt);
the table gives each code cell's seconds and each lesson's total, and the machine's load before and
after, so that a reader can tell an idle run from a busy one. Full mode trains for real: run it on an
idle machine (tens of minutes in all) with the full MNIST:

    GAN_LESSONS_DATA=../shared/data/mnist python scripts/time_lessons.py [--out lesson_times.md] [lessons...]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _runner():
    spec = importlib.util.spec_from_file_location("stop_anywhere", ROOT / "benchmarks" / "stop_anywhere.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lessons() -> list[str]:
    """Every lesson of both editions, as paths under notebooks/ without .ipynb."""
    english = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return [edition + name for name in english for edition in ("", "zh-CN/")]


def load() -> str:
    """The machine's load average over the last minute, as text."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*", help="lesson names (default: every lesson, both editions)")
    parser.add_argument("--out", default="lesson_times.md", help="where to write the table (Markdown)")
    parser.add_argument("--fast", action="store_true", help="fast mode instead (to try the script)")
    args = parser.parse_args(argv)
    runner, rows, problems = _runner(), [], 0
    for name in args.lessons or lessons():
        before, start = load(), time.perf_counter()
        runs = runner.run_lesson(ROOT / "notebooks" / f"{name}.ipynb", None, fast=args.fast, log=lambda _: None)
        total = time.perf_counter() - start
        cells = ", ".join(f"{run.index}: {run.seconds:.1f}" for run in runs)
        slowest = max(runs, key=lambda run: run.seconds)
        problems += sum(len(run.problems) for run in runs)
        slow = f"{slowest.index} ({slowest.seconds:.0f} s)"
        rows.append(f"| {name} | {total:.0f} | {slow} | {before} / {load()} | {cells} |")
        print(rows[-1], flush=True)
    mode = "fast" if args.fast else "full"
    table = [f"Lesson times, {mode} mode, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs "
             f"(load before / after each lesson: under 1 is idle)", "",
             "| lesson | seconds in all (with the kernel's start) | slowest cell | load | seconds per code cell |",
             "|---|---|---|---|---|", *rows]  # fmt: skip
    Path(args.out).write_text("\n".join(table) + "\n", encoding="utf-8")
    print(f"wrote {args.out}; {problems} cells with error output")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
