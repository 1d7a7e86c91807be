"""The wheel and the source archive carry the licences (LICENSE, NOTICE, the font's OFL.txt) and pass `twine check`.

Both are built once for this file, offline (`python -m build --no-isolation`: the build backend is the
one installed with the test extra), from a copy of the checkout; the wheel is built from the sdist,
so a file the sdist forgets is missing from the wheel too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "runs",
                                    "data", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
                                    ".mnist", ".whl")  # fmt: skip
LICENCES = ["LICENSE", "NOTICE", "gan_lessons/fonts/OFL.txt"]
SHIPPED = ["gan_lessons/assets/sample-images-idx3-ubyte.gz", "gan_lessons/assets/judge.pt",
           "gan_lessons/weights/dcgan.pt", "gan_lessons/fonts/GANLessonsSansSC-Regular.otf",
           "gan_lessons/locale/zh-CN/pictures.json"]  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A folder holding the sdist and the wheel of this checkout."""
    pytest.importorskip("build", reason="the test extra installs build: pip install -e '.[test]'")
    source, out = tmp_path_factory.mktemp("source") / "gan-lessons", tmp_path_factory.mktemp("dist")
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    run = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return out


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {folder}, found {[p.name for p in found]}"
    return found[0]


def test_the_wheel_carries_the_licences_and_the_shipped_files(built):
    with zipfile.ZipFile(_one(built, "*.whl")) as wheel:
        names = set(wheel.namelist())
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert [f for f in LICENCES if f"{dist_info}/licenses/{f}" not in names] == []
    assert [f for f in SHIPPED + ["gan_lessons/fonts/OFL.txt"] if f not in names] == []
    assert "License-Expression: MIT" in metadata
    assert all(f"License-File: {f}" in metadata for f in LICENCES), metadata[:2000]


def test_the_sdist_carries_the_licences_and_the_shipped_files(built):
    with tarfile.open(_one(built, "*.tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}  # without the top folder
    assert [f for f in LICENCES + SHIPPED if f not in names] == []


def test_twine_check_passes(built):
    pytest.importorskip("twine", reason="the test extra installs twine: pip install -e '.[test]'")
    files = [str(_one(built, "*.whl")), str(_one(built, "*.tar.gz"))]
    run = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files], capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASSED") == 2, run.stdout
