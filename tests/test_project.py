"""The project's own promises: light imports, matching dependency lists, clean notebooks."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib  # Python 3.11 and later
except ModuleNotFoundError:  # Python 3.10, the oldest pyproject.toml allows
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml on Python 3.10 needs tomli")

ROOT = Path(__file__).resolve().parents[1]


CONDA_NAMES = {"pytorch": "torch"}  # conda-forge's name for a package -> PyPI's


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return CONDA_NAMES.get(name, name)


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["lab"]}  # conda: for the lab
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
        elif _name(dep) != "python" and _name(dep) != "pip":
            listed.add(_name(dep))
    assert listed == wanted
    assert any(isinstance(d, dict) and "-e ." in d["pip"] for d in env["dependencies"]), "installs the package"


def test_importing_the_package_and_cli_stays_light():
    code = "import sys, gan_lessons, gan_lessons.cli, gan_lessons.training; print(sorted(sys.modules))"
    mods = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for heavy in ("IPython", "ipywidgets", "matplotlib"):
        assert f"'{heavy}'" not in mods, f"importing gan_lessons imported {heavy}"


def test_importing_the_widgets_stays_light():
    code = "import sys, gan_lessons.widgets; print(sorted(sys.modules))"
    mods = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for heavy in ("IPython", "ipywidgets"):
        assert f"'{heavy}'" not in mods, f"importing gan_lessons.widgets imported {heavy}; import it in .widget()"


def test_notebooks_are_committed_without_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, f"{path.name} holds outputs"


def test_the_licence_and_the_notice_match_what_ships():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    licence = (ROOT / "LICENSE").read_text()
    assert project["license"] == "MIT" and licence.startswith("MIT License")
    assert "Copyright (c)" in licence and "GAN Lessons contributors" in licence
    assert set(project["license-files"]) == {"LICENSE", "NOTICE", "gan_lessons/fonts/OFL.txt"}
    notice = (ROOT / "NOTICE").read_text()
    package = ROOT / "gan_lessons"
    shipped = [p for folder in ("assets", "weights", "fonts") for p in sorted((package / folder).iterdir())]
    assert shipped and [p.name for p in shipped if p.name not in notice] == [], "NOTICE names every file they ship"
    for words in ("Yann LeCun", "Corinna Cortes", "Christopher J.C. Burges", "CC BY-SA 3.0", "SIL Open Font License"):
        assert words in notice
