"""Press the stop button in every training cell: the lesson must go on without an error (issue #19).

Runs a training lesson in a real Jupyter kernel, cell by cell. Each cell tagged "training" gets a real
kernel interrupt (what Jupyter's stop button sends) at a chosen moment:

- "frame": as soon as the cell shows its first picture (the live display), so it lands mid-training
  (or after FRAME_WAIT seconds, for a cell that shows no picture while it trains);
- a number: that many seconds after the cell starts (0.5, 3, ...);
- "mid": half-way through the cell's time limit (its lesson's TRAIN_SECONDS, read from the kernel).

If the cell has finished before the moment comes, nothing is sent: that moment just finishes normally.
Then the rest of the lesson runs. Any error output (an `error` message, or "Traceback" in a stream) in
any cell is a failure. tests/test_stop_anywhere.py runs this in fast mode, one moment per cell; run it
here for the full lessons and all the moments (minutes per lesson: run it on an idle machine):

    GAN_LESSONS_DATA=../shared/data/mnist python benchmarks/stop_anywhere.py [--fast] [--moments frame,0.5,3,mid]
        [--again] [lesson names, e.g. 05_training zh-CN/10_choose_your_digit]

--again runs each interrupted cell a second time, uninterrupted: running it again must carry on.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ("04_watch_the_game", "05_training", "07_convolutional_gan", "09_better_training", "10_choose_your_digit")
EDITIONS = ("", "zh-CN/")
TAG = "training"
FRAME_WAIT = 1.5  # seconds: "frame" interrupts then at the latest
CELL_TIMEOUT = 900  # seconds: no cell of a lesson takes longer, even in full mode on a busy machine


@dataclass
class CellRun:
    """What happened in one cell: its index, whether an interrupt was sent while it ran, its problems."""

    index: int
    training: bool
    interrupted_at: float | None = None  # seconds after the cell started, when the interrupt was sent
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    text: str = ""  # everything it printed


def training_cells(path: Path) -> list[int]:
    """The indices of the cells tagged "training" in the notebook at PATH."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [i for i, c in enumerate(cells) if TAG in c.get("metadata", {}).get("tags", [])]


def _env(fast: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    if env.get("GAN_LESSONS_DATA"):  # the kernel runs in a temporary folder: a relative path must not move with it
        env["GAN_LESSONS_DATA"] = str(Path(env["GAN_LESSONS_DATA"]).resolve())
    if fast:  # a quick test: and one thread, since two threads crawl on a shared machine (issue #19)
        env["GAN_LESSONS_FAST"] = "1"
        env.setdefault("OMP_NUM_THREADS", "1")
    else:
        env.pop("GAN_LESSONS_FAST", None)
    return env


def _moment_seconds(moment: str, train_seconds: float | None) -> float | None:
    """The seconds after the cell's start for a timed MOMENT; None for "frame"."""
    if moment == "frame":
        return None
    if moment == "mid":
        return (train_seconds or 2.0) / 2
    return float(moment)


def run_cell(kc, km, code: str, index: int, training: bool, moment: str | None, train_seconds: float | None,
             timeout: float = CELL_TIMEOUT) -> CellRun:  # fmt: skip
    """Run CODE in the kernel; when MOMENT is given, interrupt it then (if it is still running)."""
    result = CellRun(index, training)
    msg_id = kc.execute(code, store_history=True)
    start = time.perf_counter()
    at = _moment_seconds(moment, train_seconds) if moment else None
    seen_picture, done = False, False
    while not done:
        now = time.perf_counter() - start
        if now > timeout:
            result.problems.append(f"cell {index} ran for over {timeout} s")
            km.interrupt_kernel()
            break
        due = (seen_picture or now >= FRAME_WAIT) if at is None else now >= at
        if moment and result.interrupted_at is None and due:
            km.interrupt_kernel()
            result.interrupted_at = now
        try:
            msg = kc.get_iopub_msg(timeout=0.02)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "error":
            result.problems.append(f"cell {index}: {content['ename']}: {content['evalue']}")
        elif kind == "stream":
            result.text += content["text"]
            if "Traceback" in content["text"]:
                result.problems.append(f"cell {index} printed a traceback:\n{content['text'][-800:]}")
        elif kind in ("display_data", "update_display_data"):
            seen_picture = True
        elif kind == "status" and content["execution_state"] == "idle":
            done = True
    result.seconds = time.perf_counter() - start
    reply = _reply(kc, msg_id)
    if reply is not None and reply["content"]["status"] != "ok":
        result.problems.append(f"cell {index} ended with status {reply['content']['status']!r}")
    return result


def _reply(kc, msg_id: str, timeout: float = 30):
    """The kernel's execute_reply to MSG_ID."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        try:
            msg = kc.get_shell_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg
    return None


def _read_number(kc, km, name: str) -> float | None:
    """The value of NAME in the kernel, when it is a number."""
    run = run_cell(kc, km, f"print(repr(globals().get({name!r})))", -1, False, None, None, timeout=30)
    try:
        return float(run.text.strip())
    except ValueError:
        return None


def run_lesson(path: Path, moment: str | None, fast: bool = True, again: bool = False,
               log=print) -> list[CellRun]:  # fmt: skip
    """Run the lesson at PATH in a fresh kernel, interrupting each training cell at MOMENT; every cell's run."""
    from jupyter_client import KernelManager

    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    with tempfile.TemporaryDirectory() as work:
        km = KernelManager(kernel_name="python3")
        km.start_kernel(cwd=work, env=_env(fast))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=120)
            runs, train_seconds = [], None
            for i, cell in enumerate(cells):
                if cell["cell_type"] != "code":
                    continue
                code, training = "".join(cell["source"]), TAG in cell.get("metadata", {}).get("tags", [])
                if code.lstrip().startswith("%pip"):
                    continue
                run = run_cell(kc, km, code, i, training, moment if training else None, train_seconds)
                runs.append(run)
                if code.startswith("# Parameters"):
                    train_seconds = _read_number(kc, km, "TRAIN_SECONDS")
                if training:
                    when = "not sent (it had finished)" if run.interrupted_at is None else f"{run.interrupted_at:.1f} s"
                    log(f"  cell {i}: interrupt {when}; the cell took {run.seconds:.1f} s")
                    if again and run.interrupted_at is not None:
                        runs.append(run_cell(kc, km, code, i, True, None, train_seconds))
                        log(f"  cell {i} again: {runs[-1].seconds:.1f} s")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*", help="lesson names (default: all five, both editions)")
    parser.add_argument("--fast", action="store_true", help="fast mode (GAN_LESSONS_FAST=1)")
    parser.add_argument("--moments", default="frame,0.5,3,mid", help="comma-separated moments")
    parser.add_argument("--again", action="store_true", help="run each interrupted cell again, uninterrupted")
    args = parser.parse_args(argv)
    names = args.lessons or [edition + lesson for lesson in LESSONS for edition in EDITIONS]
    failed = 0
    for name in names:
        path = ROOT / "notebooks" / f"{name.removesuffix('.ipynb')}.ipynb"
        for moment in args.moments.split(","):
            print(f"{name}, interrupt at {moment}:", flush=True)
            start = time.perf_counter()
            runs = run_lesson(path, moment, fast=args.fast, again=args.again)
            problems = [p for run in runs for p in run.problems]
            landed = sum(run.interrupted_at is not None for run in runs if run.training)
            print(f"  {len(runs)} cells in {time.perf_counter() - start:.0f} s, {landed} interrupts sent while "
                  f"training ran, {len(problems)} problems", flush=True)  # fmt: skip
            for problem in problems:
                print("  PROBLEM:", problem)
            failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
