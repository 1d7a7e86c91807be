"""benchmarks/gpu_check.py: the dry run on the CPU (so the GPU check cannot rot), and its lesson runner."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"


def _module():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env={**os.environ, **(env or {})})  # fmt: skip


def _report(out: Path) -> dict:
    return json.loads((out / "gpu_check.json").read_text())


def test_dry_run_measures_every_stage(tmp_path):
    gc = _module()
    first = sorted((ROOT / "notebooks").glob("*.ipynb"))[0]  # whatever the first lesson is called today
    out = tmp_path / "report"
    done = _check("--dry-run", "--out", str(out), "--lessons", first.name)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report = _report(out)
    stages = report["stages"]
    assert list(stages) == list(gc.STAGES) and report["finished"] and report["dry_run"]
    statuses = {name: s["status"] for name, s in stages.items()}
    assert set(statuses.values()) <= {"passed", "skipped"}, statuses

    env = stages["environment"]["figures"]
    assert env["torch"] == torch.__version__ and env["cuda"] == torch.cuda.is_available()
    assert "MNIST" in env["mnist"] and set(env["packages"]) >= {"pytest", "IPython"}

    tests = stages["cuda_tests"]["figures"]
    collected = tests["passed"] + tests["failed"] + tests["skipped"]
    assert collected >= 10 and tests["failed"] == 0 and tests["failed_tests"] == []
    if not torch.cuda.is_available():
        assert stages["cuda_tests"]["status"] == "skipped" and tests["skipped"] == collected
        assert all("needs an NVIDIA GPU" in t["message"] for t in tests["tests"].values())

    speed = stages["train_speed"]["figures"]
    assert speed["device"] == "cpu" and speed["batches_timed"] == 2
    assert speed["reference_s_per_epoch"] > 0 and speed["engine_s_per_epoch"] > 0
    assert abs(speed["speedup"] - speed["reference_s_per_epoch"] / speed["engine_s_per_epoch"]) < 1e-9
    assert "NVIDIA GPU" in speed["graphed_not_measured"]

    classic = stages["classic_epoch"]["figures"]
    eager = classic["eager"]
    assert eager["engine"] == "eager" and eager["batches_per_epoch"] == 2 and eager["judged"] == 200
    assert eager["first_epoch_s"] > 0 and eager["second_epoch_s"] > 0 and 0 <= eager["recognizability"] <= 1
    assert classic["graphed"].startswith("not measured: CUDA graphs need an NVIDIA GPU")

    dcgan = stages["dcgan_epoch"]["figures"]
    assert dcgan["recipe"] == gc.DCGAN_RECIPE and dcgan["batches"] == 3 and dcgan["first_epoch_s"] > 0
    assert dcgan["judged"] == 200 and 1 <= dcgan["covered_digits"] <= 10

    lessons = stages["lessons"]["figures"]
    assert lessons["mode"] == "fast" and list(lessons["lessons"]) == [first.stem]
    lesson = lessons["lessons"][first.stem]
    code_cells = sum(c["cell_type"] == "code" for c in json.loads(first.read_text())["cells"])
    assert lesson["status"] == "passed" and lesson["cells_run"] == lesson["cells"] == code_cells
    assert lesson["seconds"] == round(sum(c["seconds"] for c in lesson["cell_times"]), 2)

    table = (out / "gpu_check.md").read_text()
    assert "| train_speed | passed |" in table and f"| {first.stem} | passed |" in table
    assert (out / "logs" / "train_speed.log").read_text().count("reference pipeline:") == 1


def _notebook(path: Path, *sources: str) -> None:
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None}
             for s in sources]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_lessons_are_timed_cell_by_cell_and_failures_and_cuts_are_named(tmp_path):
    books = tmp_path / "notebooks"
    _notebook(books / "01_fine.ipynb", "x = 6", "%time y = x * 7\nassert y == 42", "open('made.txt', 'w').close()")
    _notebook(books / "02_breaks.ipynb", "value = 1", "raise ValueError('a broken cell')", "never = 1")
    _notebook(books / "03_slow.ipynb", "import time\ntime.sleep(120)", "after = 1")
    out = tmp_path / "report"
    done = _check("--dry-run", "--stages", "lessons", "--notebooks", str(books), "--out", str(out),
                  "--lesson-limit", "12", "--budget", "120")  # fmt: skip
    assert done.returncode == 1, "a failed lesson fails the check"
    stage = _report(out)["stages"]["lessons"]
    lessons = stage["figures"]["lessons"]
    assert stage["status"] == "failed" and list(lessons) == ["01_fine", "02_breaks", "03_slow"]
    fine, breaks, slow = lessons.values()
    assert fine["status"] == "passed" and fine["cells_run"] == fine["cells"] == 3
    firsts = [c["first_line"] for c in fine["cell_times"]]
    assert firsts == ["x = 6", "%time y = x * 7", "open('made.txt', 'w').close()"]
    assert not (ROOT / "made.txt").exists(), "a lesson's files go to a scratch folder"
    assert breaks["status"] == "failed" and breaks["cells_run"] == 2
    assert breaks["why"] == "cell #1: ValueError: a broken cell"
    assert slow["status"] == "cut" and slow["cells_run"] == 0 and slow["limit_s"] == 12
    assert "at its 12 s limit in cell #0 `import time`" in slow["why"]
    assert 12 <= slow["wall_s"] < 30
    table = (out / "gpu_check.md").read_text()
    assert "| 02_breaks | failed: cell #1: ValueError: a broken cell |" in table


def test_a_lesson_without_ipython_is_skipped_with_the_reason(tmp_path):
    shadow = tmp_path / "shadow" / "IPython"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no IPython on this machine')\n")
    _notebook(tmp_path / "notebooks" / "01_any.ipynb", "x = 1")
    out = tmp_path / "report"
    done = _check("--dry-run", "--stages", "lessons", "--notebooks", str(tmp_path / "notebooks"), "--out", str(out),
                  env={"PYTHONPATH": str(tmp_path / "shadow")})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lesson = _report(out)["stages"]["lessons"]["figures"]["lessons"]["01_any"]
    assert lesson["status"] == "skipped" and lesson["why"] == "IPython is not installed"


def test_the_budget_leaves_later_stages_and_lessons_not_run(tmp_path):
    _notebook(tmp_path / "notebooks" / "01_a.ipynb", "import time\ntime.sleep(60)")
    _notebook(tmp_path / "notebooks" / "02_b.ipynb", "x = 1")
    out = tmp_path / "report"
    done = _check("--dry-run", "--stages", "lessons", "--notebooks", str(tmp_path / "notebooks"), "--out", str(out),
                  "--budget", "8")  # fmt: skip
    assert done.returncode == 0
    lessons = _report(out)["stages"]["lessons"]["figures"]["lessons"]
    assert lessons["01_a"]["status"] == "cut" and lessons["01_a"]["limit_s"] <= 4
    assert lessons["02_b"]["status"] in ("passed", "not run")  # what the first lesson left: about 4 s


def test_usage_errors_and_a_full_run_without_cuda_are_explained(tmp_path):
    bad = _check("--stages", "lessons,warp_drive", "--out", str(tmp_path))
    assert bad.returncode == 2 and "unknown stage(s) warp_drive" in bad.stderr
    assert _check("--budget", "0", "--out", str(tmp_path)).returncode == 2
    if not torch.cuda.is_available():
        full = _check("--out", str(tmp_path / "r"))
        assert full.returncode == 2 and "Use --dry-run" in full.stderr
        assert not (tmp_path / "r").exists()


def test_junit_summary_and_lesson_results_read_their_files(tmp_path):
    gc = _module()
    xml = tmp_path / "t.xml"
    xml.write_text("""<testsuites><testsuite name="pytest" tests="3">
      <testcase classname="t" name="test_a" time="0.5"><system-out>classic: 329 steps, largest loss gap D 0, G 0
</system-out></testcase>
      <testcase classname="t" name="test_b" time="1.5"><failure message="assert 1 == 2">long text</failure></testcase>
      <testcase classname="t" name="test_c" time="0"><skipped message="needs CUDA"/></testcase>
      <testcase classname="" name="tests.test_x" time="0"><error message="collection failure">tests/test_x.py:3: in
E   ImportError: no nbformat here</error></testcase>
    </testsuite></testsuites>""")  # fmt: skip
    summary = gc.junit_summary(xml)
    assert (summary["passed"], summary["failed"], summary["skipped"]) == (1, 1, 1)
    assert summary["failed_tests"] == ["test_b"] and summary["tests"]["test_b"]["message"] == "assert 1 == 2"
    assert summary["collection_errors"] == ["tests.test_x: ImportError: no nbformat here"]
    assert summary["loss_gaps"] == ["classic: 329 steps, largest loss gap D 0, G 0"]
    assert gc.junit_summary(tmp_path / "missing.xml") == {}
    log = tmp_path / "cells.jsonl"
    log.write_text('{"cells": 2}\n{"start": 0, "first_line": "a = 1"}\n'
                   '{"cell": 0, "first_line": "a = 1", "seconds": 0.25, "ok": true, "error": null}\n'
                   '{"start": 1, "first_line": "train()"}\n')  # fmt: skip
    cut = gc.lesson_result(log, None, 30)
    assert cut["status"] == "cut" and cut["why"] == "stopped at its 30 s limit in cell #1 `train()`"
    assert cut["seconds"] == 0.25 and cut["cells_run"] == 1 and cut["cells"] == 2
    assert gc.lesson_result(tmp_path / "none.jsonl", None, 5)["why"] == "stopped at its 5 s limit before its first cell"


def test_stopping_the_check_stops_its_stage_and_keeps_the_report(tmp_path):
    import os
    import signal
    import time

    pid_file = tmp_path / "pid"
    _notebook(tmp_path / "notebooks" / "01_slow.ipynb",
              f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)")  # fmt: skip
    out = tmp_path / "report"
    check = subprocess.Popen([sys.executable, str(SCRIPT), "--dry-run", "--stages", "lessons", "--notebooks",
                              str(tmp_path / "notebooks"), "--out", str(out)], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    waited = time.monotonic()
    while not (pid_file.exists() and pid_file.read_text()):  # the lesson's cell is running
        assert time.monotonic() - waited < 120 and check.poll() is None
        time.sleep(0.2)
    check.send_signal(signal.SIGTERM)  # what `timeout` does when the check runs too long
    _, err = check.communicate(timeout=60)
    assert check.returncode == 1 and "stopped from outside" in err
    stage = _report(out)["stages"]["lessons"]
    assert stage["status"] == "cut" and stage["why"] == "the check itself was stopped"
    assert stage["figures"]["lessons"]["01_slow"]["status"] == "cut"
    with pytest.raises(ProcessLookupError):  # the lesson's process did not outlive the check
        os.kill(int(pid_file.read_text()), 0)


def test_a_stage_process_gets_the_environment_asked_for(tmp_path, monkeypatch):
    """Full mode must not inherit a GAN_LESSONS_FAST=1 from the shell (None removes a variable)."""
    gc = _module()
    monkeypatch.setenv("GAN_LESSONS_FAST", "1")
    show = "import os; print(os.environ.get('GAN_LESSONS_FAST'), os.environ.get('EXTRA'))"
    code, seconds = gc.run_child([sys.executable, "-c", show], 60, tmp_path / "log", env={"GAN_LESSONS_FAST": None,
                                 "EXTRA": "yes"})  # fmt: skip
    assert code == 0 and (tmp_path / "log").read_text().strip() == "None yes" and seconds > 0
    code, _ = gc.run_child([sys.executable, "-c", "import time; time.sleep(30)"], 1, tmp_path / "log")
    assert code is None, "a process past its limit is stopped"
