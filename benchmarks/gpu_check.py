"""The GPU check: one command that measures this machine's GPU path and writes down what it found.

    python benchmarks/gpu_check.py --out gpu-report             # on a machine with an NVIDIA GPU, <= 8 min
    python benchmarks/gpu_check.py --out /tmp/dry --dry-run     # the same stages on the CPU, tiny sizes (CI)

Stages, in this order, each in a process of its own with a time limit, so that a hang or a GPU
error stops that stage only:

  environment    Python, torch, the GPU, which optional packages are here, the MNIST found
  cuda_tests     `pytest -m cuda tests` (on the CPU they are all skipped)
  train_speed    benchmarks/train_speed.py: the reference pipeline, the engine eager and graphed
  classic_epoch  the classic GAN trained 2 full epochs, eager and graphed: first epoch (with the
                 graph's recording) and second epoch timed, D/G losses, the judge's score
  dcgan_epoch    the shipped DCGAN's recipe (README) for its first epoch, timed, and judged
  lessons        every notebooks/*.ipynb in full mode (fast mode in a dry run), each code cell timed,
                 each lesson with its share of the time left

OUT/gpu_check.json is rewritten after every stage and while a lesson runs, and OUT/gpu_check.md
holds the same as short tables, so a run cut at any moment keeps what it measured. OUT/logs/
holds each stage's output. MNIST comes from the folder named by GAN_LESSONS_DATA. Optional
packages that are missing (pytest, IPython for the lessons) make their stage "skipped", with the
reason written down. Exit code: 0 when no stage failed, 1 otherwise, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # works from a checkout without `pip install` too

STAGES = ("environment", "cuda_tests", "train_speed", "classic_epoch", "dcgan_epoch", "lessons")
CAPS_S = {"environment": 60, "cuda_tests": 120, "train_speed": 120, "classic_epoch": 60, "dcgan_epoch": 75}
BUDGET_S = 450  # 7.5 minutes in all: the run fits 8 minutes with the start and the writing
MIN_LESSON_S = 5  # a lesson is not started with less time than this left
# The shipped DCGAN's recipe: the README's `gan-lessons train --arch dcgan --seed 42`, lesson 09's recipe
# (batches of 32, lr 3e-3, ema 0.999, a dial of 10 positions) for 5 epochs; this check trains its first epoch.
DCGAN_RECIPE = dict(arch="dcgan", batch_size=32, lr=3e-3, ema=0.999, dial=10, seed=42)
JUDGE_N, JUDGE_SEED = 10_000, 2024  # as benchmarks/quality.py judges the shipped generators
SLOW_CELL_S = 1.0  # the cells listed by name in the lessons' table
IN_JSON_ONLY = ("lessons", "tests")  # figures too long for the stages' table (the lessons get their own)


# ---------------------------------------------------------------- the report


class Report:
    """The JSON file and the markdown table, rewritten whole (atomically) after every change."""

    def __init__(self, out: Path, args: argparse.Namespace):
        self.out, self.start = out, time.perf_counter()
        self.data = {
            "check": "gan-lessons GPU check", "dry_run": args.dry_run, "budget_s": args.budget,
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "elapsed_s": 0.0, "finished": False, "stages": {},
        }  # fmt: skip
        self.write()

    def stage(self, name: str, **fields) -> None:
        """Record (or update) stage NAME and write both files."""
        self.data["stages"][name] = {**self.data["stages"].get(name, {}), **fields}
        self.write()

    def write(self) -> None:
        self.data["elapsed_s"] = round(time.perf_counter() - self.start, 1)
        write_atomic(self.out / "gpu_check.json", json.dumps(self.data, indent=1) + "\n")
        write_atomic(self.out / "gpu_check.md", markdown(self.data))


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def markdown(data: dict) -> str:
    """The report as two short markdown tables: the stages, then the lessons."""
    mode = "dry run on the CPU" if data["dry_run"] else "GPU run"
    env = data["stages"].get("environment", {}).get("figures", {})
    lines = [f"# GPU check ({mode}), {data['started_utc']} UTC", "",
             f"Machine: {env.get('gpu') or env.get('device', '?')}; torch {env.get('torch', '?')}, "
             f"Python {env.get('python', '?')}. Command: `{data['command']}`. "
             f"{data['elapsed_s']:.0f} s of a {data['budget_s']} s budget"
             f"{'' if data['finished'] else ' (still running, or cut)'}.", "",
             "| stage | status | seconds | limit | figures |", "|---|---|---|---|---|"]  # fmt: skip
    for name, s in data["stages"].items():
        figures = "; ".join(f"{k} {_short(v)}" for k, v in s.get("figures", {}).items() if k not in IN_JSON_ONLY)
        why = s.get("why", "")
        lines.append(f"| {name} | {s.get('status', '?')} | {_short(s.get('seconds', ''))} | "
                     f"{_short(s.get('limit_s', ''))} | {'; '.join(x for x in (why, figures) if x)} |")  # fmt: skip
    lessons = data["stages"].get("lessons", {}).get("figures", {}).get("lessons", {})
    if lessons:
        lines += ["", "| lesson | status | seconds (all cells) | cells run | slow cells (s) |", "|---|---|---|---|---|"]
        for name, r in lessons.items():
            slow = ", ".join(f"#{c['cell']} `{c['first_line'][:40]}` {c['seconds']:.1f}"
                             for c in r.get("cell_times", []) if c["seconds"] >= SLOW_CELL_S)  # fmt: skip
            status = r["status"] + (": " + r["why"] if r.get("why") else "")
            run = f"{r.get('cells_run', 0)} of {r.get('cells', '?')}"
            lines.append(f"| {name} | {status} | {_short(r.get('seconds', ''))} | {run} | {slow} |")
    return "\n".join(lines) + "\n"


def _short(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_short(x)}" for k, x in v.items()) + "}"
    return str(v).replace("|", "/").replace("\n", " ")


# ---------------------------------------------------------------- running a stage's process


def run_child(cmd: list[str], limit: float, log: Path, cwd: Path = ROOT, env: dict | None = None) -> tuple:
    """Run CMD for at most LIMIT seconds, its output to LOG and (indented) to ours; (exit code or None, seconds).

    ENV adds to (None: removes from) our environment."""
    env = {k: v for k, v in {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}.items() if v is not None}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    start = time.perf_counter()
    with log.open("w") as f:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                errors="replace", start_new_session=True)  # fmt: skip

        def pump() -> None:
            for line in proc.stdout:
                f.write(line)
                f.flush()
                print("    | " + line.rstrip()[:160], flush=True)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            code = proc.wait(timeout=max(limit, 1))
        except subprocess.TimeoutExpired:
            _stop(proc)
            code = None
        except BaseException:  # the check itself is stopping: take the stage's processes with it
            _stop(proc)
            raise
        reader.join(timeout=5)
    return code, round(time.perf_counter() - start, 2)


def _stop(proc: subprocess.Popen) -> None:
    """End PROC and the processes it started (its own process group): politely, then for sure."""
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def child_stage(report: Report, name: str, limit: float, args: argparse.Namespace, logs: Path) -> None:
    """Run one of this file's own stages (environment, classic_epoch, dcgan_epoch) in a child process."""
    figures_path = logs / f"{name}.json"
    figures_path.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--child-json", str(figures_path)]
    code, seconds = run_child(cmd + (["--dry-run"] if args.dry_run else []), limit, logs / f"{name}.log")
    figures = _read_json(figures_path)
    report.stage(name, status=_status(code), seconds=seconds, figures=figures)


def _status(code: int | None) -> str:
    return "cut" if code is None else "passed" if code == 0 else "failed"


# ---------------------------------------------------------------- stages run by this process


def stage_cuda_tests(report: Report, limit: float, args: argparse.Namespace, logs: Path) -> None:
    """`pytest -m cuda tests`, summarised from its JUnit XML file."""
    if importlib.util.find_spec("pytest") is None:
        report.stage("cuda_tests", status="skipped", why="pytest is not installed")
        return
    xml = logs / "cuda_tests.xml"
    xml.unlink(missing_ok=True)
    # Every test file is searched for cuda-marked tests; one that cannot be imported here (a package
    # this machine lacks) is listed under collection_errors and the others still run.
    cmd = [sys.executable, "-m", "pytest", "-m", "cuda", "tests", "-q", "-rs", "-p", "no:cacheprovider",
           "--continue-on-collection-errors", "-o", "addopts=", "-o", "junit_logging=system-out",
           f"--junitxml={xml}"]  # fmt: skip
    if importlib.util.find_spec("pytest_timeout") is None:  # pyproject's `timeout` then means nothing
        report.stage("cuda_tests", note="pytest-timeout is not installed: no per-test time limit, only the stage's")
    code, seconds = run_child(cmd, limit, logs / "cuda_tests.log")
    figures = junit_summary(xml)
    if code is None:
        status = "cut"
    elif not figures or figures["failed"] or code not in (0, 1):  # 1: a test failed, or a file did not import
        status = "failed"
    else:
        status = "passed" if figures["passed"] else "skipped"
    if figures.get("collection_errors"):
        report.stage("cuda_tests", why=f"{len(figures['collection_errors'])} test file(s) could not be imported here")
    report.stage("cuda_tests", status=status, seconds=seconds, figures=figures)


def junit_summary(xml: Path) -> dict:
    """Counts, each test's outcome and seconds, and the lines the tests printed about loss gaps."""
    try:
        root = ET.parse(xml).getroot()
    except (OSError, ET.ParseError):
        return {}
    tests, counts = {}, {"passed": 0, "failed": 0, "skipped": 0}
    gaps, uncollected = [], []
    for case in root.iter("testcase"):
        error = case.find("error")
        if error is not None and error.get("message") == "collection failure":
            why = ((error.text or "").strip().splitlines() or ["?"])[-1]
            uncollected.append(f"{case.get('name')}: {why.removeprefix('E').strip()}")
            continue
        outcome = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
        outcome = {"failure": "failed", "error": "failed"}.get(outcome, outcome)
        counts[outcome] += 1
        entry = {"outcome": outcome, "seconds": float(case.get("time", 0))}
        detail = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        if detail is not None:
            entry["message"] = (detail.get("message") or "")[:300]
        tests[case.get("name")] = entry
        out = case.find("system-out")
        gaps += [line for line in (out.text or "").splitlines() if "loss gap" in line] if out is not None else []
    failed = [name for name, t in tests.items() if t["outcome"] == "failed"]
    return {**counts, "failed_tests": failed, "collection_errors": uncollected, "loss_gaps": gaps, "tests": tests}


def stage_train_speed(report: Report, limit: float, args: argparse.Namespace, logs: Path) -> None:
    """benchmarks/train_speed.py on this run's device, its figures from its --json file."""
    figures_path = logs / "train_speed.json"
    figures_path.unlink(missing_ok=True)
    cmd = [sys.executable, str(ROOT / "benchmarks" / "train_speed.py"), "--device", args.device,
           "--json", str(figures_path)] + (["--batches", "2", "--warmup", "1"] if args.dry_run else [])  # fmt: skip
    code, seconds = run_child(cmd, limit, logs / "train_speed.log")
    report.stage("train_speed", status=_status(code), seconds=seconds, figures=_read_json(figures_path))


def notebooks(folder: Path, only: list[str] | None) -> list[Path]:
    """The lessons to run: every .ipynb in FOLDER, in order, or those whose names start with one of ONLY."""
    found = sorted(folder.glob("*.ipynb"))
    return [p for p in found if not only or any(p.name.startswith(prefix) for prefix in only)]


def stage_lessons(report: Report, deadline: float, args: argparse.Namespace, logs: Path) -> None:
    """Each lesson in a fresh process, with its share of the time left; its cells' times as they finish."""
    paths = notebooks(Path(args.notebooks), args.lessons)
    results = {p.stem: {"status": "not run", "why": "waiting"} for p in paths}
    mode = {"GAN_LESSONS_FAST": "1" if args.dry_run else None}  # None: full mode, whatever the shell had set
    env = {**mode, "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    report.stage("lessons", status="running", figures={"mode": "fast" if args.dry_run else "full", "lessons": results})
    if importlib.util.find_spec("IPython") is None:
        for r in results.values():
            r.update(status="skipped", why="IPython is not installed (carry its wheels: see the README's GPU section)")
        report.stage("lessons", status="skipped", why="IPython is not installed", seconds=0.0)
        return
    for i, path in enumerate(paths):
        left = deadline - time.perf_counter()
        if left < MIN_LESSON_S:
            results[path.stem].update(why="the time budget was spent: run again with --stages lessons")
            continue
        limit = left / (len(paths) - i)  # a fair share of what is left; time a lesson leaves unused goes on
        limit = min(limit, args.lesson_limit or limit)
        results[path.stem] = {"status": "running", "limit_s": round(limit, 1)}
        report.write()
        cells_log = logs / f"lesson_{path.stem}.jsonl"
        cells_log.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory(prefix="gpu-check-") as work:  # the lesson's own files go here
            cmd = [sys.executable, str(Path(__file__).resolve()), "--run-notebook", str(path.resolve()),
                   "--cells-log", str(cells_log)]  # fmt: skip
            code, seconds = run_child(cmd, limit, logs / f"lesson_{path.stem}.log", cwd=Path(work), env=env)
        results[path.stem] = {"limit_s": round(limit, 1), "wall_s": seconds, **lesson_result(cells_log, code, limit)}
        report.write()
    statuses = {r["status"] for r in results.values()}
    status = "failed" if "failed" in statuses else "cut" if statuses & {"cut", "not run"} else "passed"
    report.stage("lessons", status=status, seconds=round(time.perf_counter() - start, 2))


def lesson_result(cells_log: Path, code: int | None, limit: float) -> dict:
    """A lesson's outcome from its cells log: passed, failed (in which cell) or cut (in which cell)."""
    header, cells, started = {}, [], None
    for line in cells_log.read_text().splitlines() if cells_log.exists() else []:
        entry = json.loads(line)
        if "cells" in entry:
            header = entry
        elif "seconds" in entry:
            cells.append(entry)
            started = None
        else:
            started = entry
    result = {"cells": header.get("cells", "?"), "cells_run": len(cells),
              "seconds": round(sum(c["seconds"] for c in cells), 2),
              "cell_times": [{k: c[k] for k in ("cell", "first_line", "seconds")} for c in cells]}  # fmt: skip
    if header.get("skipped"):
        return {**result, "status": "skipped", "why": header["skipped"]}
    failed = next((c for c in cells if not c["ok"]), None)
    if failed:
        return {**result, "status": "failed", "why": f"cell #{failed['cell']}: {failed['error']}"}
    if code is None:
        where = f"in cell #{started['start']} `{started['first_line'][:50]}`" if started else "before its first cell"
        return {**result, "status": "cut", "why": f"stopped at its {limit:.0f} s limit {where}"}
    if code != 0:
        return {**result, "status": "failed", "why": f"the lesson's process ended with exit code {code}"}
    return {**result, "status": "passed"}


# ---------------------------------------------------------------- the children's work


def run_notebook(path: Path, cells_log: Path) -> int:
    """Run PATH's code cells in order in one IPython shell (no kernel needed), timing each into CELLS_LOG."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]

    def log(entry: dict) -> None:
        with cells_log.open("a") as f:
            f.write(json.dumps(entry) + "\n")

    try:
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:
        log({"cells": len(cells), "skipped": "IPython is not installed"})
        return 3
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shell = InteractiveShell.instance()
    log({"cells": len(cells)})
    for i, cell in enumerate(cells):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        first = next((line for line in source.splitlines() if line.strip()), "")
        log({"start": i, "first_line": first})
        print(f"--- cell #{i}: {first[:80]}", flush=True)
        start = time.perf_counter()
        result = shell.run_cell(source, store_history=False)
        seconds = round(time.perf_counter() - start, 3)
        error = result.error_before_exec or result.error_in_exec
        log({"cell": i, "first_line": first, "seconds": seconds, "ok": result.success,
             "error": f"{type(error).__name__}: {str(error)[:300]}" if error else None})  # fmt: skip
        plt.close("all")
        if not result.success:
            return 1
    return 0


def child_main(name: str, out: Path, dry_run: bool) -> int:
    """The work of one stage run by a child process; figures go to OUT as they are measured."""
    import torch

    figures: dict = {}

    def write(**new) -> None:
        figures.update(new)
        write_atomic(out, json.dumps(figures, indent=1) + "\n")

    device = torch.device("cpu" if dry_run else "cuda")
    if name == "environment":
        return environment(write)
    from gan_lessons.data import load_mnist, subset

    data = load_mnist(quiet=True)
    data = subset(data, 1024) if dry_run else data
    write(device=str(device), images=len(data))
    if name == "classic_epoch":
        return classic_epochs(data, device, dry_run, write)
    if name == "dcgan_epoch":
        return dcgan_first_epoch(data, device, dry_run, write)
    raise SystemExit(f"unknown stage {name!r}")


def environment(write) -> int:
    """What this machine is: Python, torch, the GPU, the optional packages, the MNIST found."""
    import torch

    from gan_lessons.data import load_mnist

    optional = ("pytest", "pytest_timeout", "IPython", "ipywidgets", "nbformat", "nbclient", "nbval", "PIL")
    write(python=platform.python_version(), torch=torch.__version__, cpus=os.cpu_count(),
          cuda=torch.cuda.is_available(), device="cuda" if torch.cuda.is_available() else "cpu",
          packages={p: importlib.util.find_spec(p) is not None for p in optional},
          data_folder=os.environ.get("GAN_LESSONS_DATA") or "(GAN_LESSONS_DATA not set)")  # fmt: skip
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        write(gpu=torch.cuda.get_device_name(0), capability=f"{props.major}.{props.minor}",
              gpu_memory_gib=round(props.total_memory / 2**30, 1), cuda_runtime=torch.version.cuda,
              cudnn=torch.backends.cudnn.version(), multiprocessors=props.multi_processor_count)  # fmt: skip
    smi = shutil.which("nvidia-smi")
    if smi:
        query = "name,driver_version,memory.total,clocks.max.sm,power.limit"
        done = subprocess.run([smi, f"--query-gpu={query}", "--format=csv,noheader"], capture_output=True, text=True)
        write(nvidia_smi=done.stdout.strip() or done.stderr.strip()[:200])
    data = load_mnist(quiet=True)
    write(mnist=data.describe())
    return 0


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def _judged(generator, dry_run: bool) -> dict:
    from gan_lessons.judge import judge_generator

    report = judge_generator(generator, n=200 if dry_run else JUDGE_N, seed=JUDGE_SEED)
    return {"judged": report.n, "recognizability": round(report.recognizability, 4),
            "fd_ratio": round(report.fd_ratio, 2), "covered_digits": report.covered}  # fmt: skip


def classic_epochs(data, device, dry_run: bool, write) -> int:
    """The classic GAN at batch 128, 2 epochs eager, then 2 graphed: each epoch timed, then judged."""
    from gan_lessons.graphed import engine, why_not_graphed
    from gan_lessons.training import TrainConfig, Trainer

    histories = {}
    for graphed in (False, True):
        key = "graphed" if graphed else "eager"
        config = TrainConfig(epochs=2, seed=42, cuda_graph=graphed, max_batches=2 if dry_run else None)
        reason = why_not_graphed(config, device) if graphed else None
        if reason:
            write(**{key: f"not measured: {reason}"})
            continue
        trainer = Trainer(data, config, device)
        times = []
        for epoch in (1, 2):
            _sync(device)
            start = time.perf_counter()
            trainer.fit(epoch, progress=False)
            _sync(device)
            times.append(round(time.perf_counter() - start, 3))
            print(f"classic, {key}: epoch {epoch} in {times[-1]:.2f} s", flush=True)
        result = {
            "engine": engine(trainer),
            "batches_per_epoch": trainer.batches_per_epoch,
            "first_epoch_s": times[0],
            "second_epoch_s": times[1],
            "d_loss": round(trainer.history.epoch_d[-1], 4),
            "g_loss": round(trainer.history.epoch_g[-1], 4),
        }
        write(**{key: result})  # fmt: skip
        write(**{key: {**result, **_judged(trainer.drawer, dry_run)}})
        histories[key] = trainer.history
    if len(histories) == 2:
        pairs = zip(histories["eager"].batch_d + histories["eager"].batch_g,
                    histories["graphed"].batch_d + histories["graphed"].batch_g, strict=True)  # fmt: skip
        write(largest_loss_gap_graphed_vs_eager=max(abs(a - b) for a, b in pairs))
    return 0


def dcgan_first_epoch(data, device, dry_run: bool, write) -> int:
    """The shipped DCGAN's recipe for one epoch, timed, then judged."""
    from gan_lessons.training import TrainConfig, Trainer

    config = TrainConfig(**DCGAN_RECIPE, epochs=1, max_batches=3 if dry_run else None)
    trainer = Trainer(data, config, device)
    write(recipe={k: v for k, v in DCGAN_RECIPE.items()}, batches=trainer.batches_per_epoch)
    _sync(device)
    start = time.perf_counter()
    trainer.fit(progress=False)
    _sync(device)
    seconds = round(time.perf_counter() - start, 3)
    print(f"dcgan recipe: first epoch in {seconds:.2f} s", flush=True)
    history = trainer.history
    write(first_epoch_s=seconds, d_loss=round(history.epoch_d[-1], 4), g_loss=round(history.epoch_g[-1], 4))
    write(**_judged(trainer.drawer, dry_run))
    return 0


# ---------------------------------------------------------------- the command


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="gpu-report", help="folder for gpu_check.json, gpu_check.md and logs/")
    parser.add_argument("--dry-run", action="store_true", help="on the CPU, tiny sizes, lessons in fast mode")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help=f"seconds for everything (default {BUDGET_S})")
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated, from: {', '.join(STAGES)}")
    parser.add_argument("--lessons", default=None, help="only the lessons whose file names start so: 05,07")
    parser.add_argument("--notebooks", default=str(ROOT / "notebooks"), help="the folder of lessons to run")
    parser.add_argument("--lesson-limit", type=float, default=None, help="at most this many seconds per lesson")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-json", help=argparse.SUPPRESS)
    parser.add_argument("--run-notebook", help=argparse.SUPPRESS)
    parser.add_argument("--cells-log", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in args.stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    if not args.budget > 0:
        parser.error("--budget must be a number of seconds > 0, such as 450")
    args.lessons = [s.strip() for s in args.lessons.split(",") if s.strip()] if args.lessons else None
    return args


class Stopped(Exception):
    """The check was asked to stop (SIGTERM)."""


def _stopped(signum, frame) -> None:
    raise Stopped


def run_stage(name: str, report: Report, deadline: float, args: argparse.Namespace, logs: Path) -> None:
    """Run stage NAME within what is left of the budget (or note that nothing is left)."""
    left = deadline - time.perf_counter()
    if name not in args.stages:
        return
    if left < 1:
        report.stage(name, status="not run", why="the time budget was spent")
        return
    limit = round(min(CAPS_S.get(name, left), left), 1)
    print(f"[{args.budget - left:6.1f} s] {name}: started (limit {limit:.0f} s)", flush=True)
    report.stage(name, status="running", limit_s=limit)
    if name == "cuda_tests":
        stage_cuda_tests(report, limit, args, logs)
    elif name == "train_speed":
        stage_train_speed(report, limit, args, logs)
    elif name == "lessons":
        stage_lessons(report, deadline, args, logs)
    else:
        child_stage(report, name, limit, args, logs)
    s = report.data["stages"][name]
    print(f"[{args.budget - (deadline - time.perf_counter()):6.1f} s] {name}: {s['status']}"
          f"{' (' + s['why'] + ')' if s.get('why') else ''}", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.run_notebook:
        return run_notebook(Path(args.run_notebook), Path(args.cells_log))
    if args.child:
        return child_main(args.child, Path(args.child_json), args.dry_run)
    import torch

    if not args.dry_run and not torch.cuda.is_available():
        print("gpu_check: no NVIDIA GPU (CUDA) here. Use --dry-run to try the check on the CPU.", file=sys.stderr)
        return 2
    args.device = "cpu" if args.dry_run else "cuda"
    out = Path(args.out).resolve()  # the stages run in other folders
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    report = Report(out, args)
    deadline = time.perf_counter() + args.budget
    print(f"gpu_check: {'dry run on the CPU' if args.dry_run else 'GPU run'}, budget {args.budget:.0f} s, "
          f"writing {out / 'gpu_check.json'}", flush=True)  # fmt: skip
    signal.signal(signal.SIGTERM, _stopped)  # `timeout` or a closing machine: stop the stage, keep the report
    try:
        for name in STAGES:
            run_stage(name, report, deadline, args, logs)
    except Stopped:
        for name, stage in report.data["stages"].items():
            if stage.get("status") != "running":
                continue
            stage.update(status="cut", why="the check itself was stopped")
            measured = _read_json(logs / f"{name}.json")  # what its process wrote before it was stopped
            if measured:
                stage["figures"] = measured
            for lesson in stage.get("figures", {}).get("lessons", {}).values():
                if lesson.get("status") == "running":
                    lesson.update(status="cut", why="the check itself was stopped")
        report.write()
        print("gpu_check: stopped from outside; the report keeps what was measured", file=sys.stderr)
        return 1
    report.data["finished"] = True
    report.write()
    print(f"gpu_check: done in {report.data['elapsed_s']:.0f} s; see {out / 'gpu_check.md'}")
    return 1 if any(s.get("status") == "failed" for s in report.data["stages"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
