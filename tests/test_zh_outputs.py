"""What a child sees in a Chinese lesson is Chinese, and drawn without boxes (issue 22).

Each Chinese lesson runs top to bottom in a fresh kernel, in fast mode, the way a learner (or `jupyter
nbconvert --execute`) runs it: nothing sets the language or the font beforehand. A first cell added by the
test records the text of every figure as matplotlib draws it (titles, labels, legends, ticks: figures shown
inline and pictures the package renders to PNG alike), and a last cell lists the widgets' labels. Then:

- no output mentions a missing glyph (matplotlib's "Glyph ... missing from font" warning: a box);
- no printed text, figure text or widget label holds an English word, apart from the short list of names
  below that the learner types or reads in the code.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
CHINESE = sorted((ROOT / "notebooks" / "zh-CN").glob("[0-9][0-9]_*.ipynb"))
MARK = "@@SHOWN@@"

RECORD = """
import matplotlib.text as _text
_SHOWN_TEXT = []
_draw_text = _text.Text.draw
def _recording_draw(self, renderer):
    if self.get_visible() and self.get_text().strip():
        _SHOWN_TEXT.append(self.get_text())
    return _draw_text(self, renderer)
_text.Text.draw = _recording_draw
"""
REPORT = """
import json as _json
import sys as _sys
_labels = []
if "ipywidgets" in _sys.modules:
    from ipywidgets.widgets.widget import _instances
    for _w in list(_instances.values()):
        _labels += [getattr(_w, _name, "") or "" for _name in ("description", "tooltip", "placeholder")]
        _labels += [str(_o) for _o in getattr(_w, "_options_labels", ())]
        if type(_w).__name__ in ("Label", "HTML", "HTMLMath"):
            _labels.append(_w.value)
print("MARK" + _json.dumps({"figures": _SHOWN_TEXT, "widgets": [_l for _l in _labels if _l.strip()]}))
""".replace("MARK", MARK)

# English words a Chinese lesson may show: names the learner types or reads in the code, and names that
# stay in English in Chinese too. Words with a digit or an underscore (Conv2d, Z_DIM, my_step), dotted names
# (nn.BCELoss, gan_lessons.models) and single letters (D, G, z, p, x) are code as well and pass by rule.
ALLOWED = {
    # names that Chinese keeps: the data set, the library, the devices, the kinds of GAN, the distance
    "MNIST", "PyTorch", "GAN", "DCGAN", "CPU", "GPU", "cpu", "cuda", "Fréchet", "FID", "EMA", "Adam",
    # Python and PyTorch values and functions the lessons print by name
    "True", "False", "None", "tensor", "log", "sigmoid", "tanh",
    # layers, printed as the code writes them (nn.Linear ...)
    "Linear", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Flatten", "Sequential", "Dropout", "Unflatten",
    # the lessons' own classes, functions and arguments, as the code names them
    "ClassicGenerator", "ClassicDiscriminator", "Forger", "Detective", "blend", "sweep", "seed", "lr",
    "MB",  # megabytes, written so in Chinese too
}  # fmt: skip
# PyTorch's own words, shown on purpose (lesson 05 lets a second backward() fail); the lesson explains them.
QUOTED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed)",
)
WORD = re.compile(r"[A-Za-z\u00c0-\u024f][\w'\u00c0-\u024f]*")
CODE_LINE = re.compile(r"^\s*(\([\w.]+\): )?[A-Za-z_]\w*\(")  # a line of a printed network or tensor
CALL = re.compile(r"[A-Za-z_][\w.]*\([^()\s，。：]*\)")
GLYPH = re.compile(r"Glyph \d+ .*missing from font|missing from font\(s\)")


def english_words(text: str) -> set[str]:
    """The English words of TEXT that are not code names."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))  # an HTML widget's label: its text only
    for quoted in QUOTED:
        text = text.replace(quoted, " ")
    text = "\n".join(line for line in text.splitlines() if not CODE_LINE.match(line))
    text = re.sub(r"\S*[/\\]\S*|[\w+-]+(\.[\w+-]+)+", " ", text)  # paths and dotted names
    text = re.sub(r"'[\w-]+'|\"[\w-]+\"", " ", text)  # a value as the learner types it: SHIPPED = "dcgan"
    while CALL.search(text):  # calls written as code: D(real), D(G(z)), backward()
        text = CALL.sub(" ", text)
    words = {w for w in WORD.findall(text) if len(w) > 1 and not re.search(r"[\d_]", w)}
    return words - ALLOWED


def run(notebook, path: Path) -> None:
    """Run NOTEBOOK in a fresh kernel, in a working folder of its own under PATH."""
    path.mkdir(parents=True, exist_ok=True)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path)}})  # fmt: skip
    client.execute()


def shown(notebook) -> dict[str, list[str]]:
    """Everything NOTEBOOK's outputs show: printed text, HTML text, figure text and widget labels."""
    seen: dict[str, list[str]] = {"printed": [], "figures": [], "widgets": [], "errors": []}
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            kind = out["output_type"]
            if kind == "stream":
                text = out["text"]
                if MARK in text:
                    text, report = text.split(MARK, 1)
                    recorded = json.loads(report)
                    seen["figures"] += recorded["figures"]
                    seen["widgets"] += recorded["widgets"]
                seen["printed"].append(text)
            elif kind in ("execute_result", "display_data"):
                data = out["data"]
                if "text/html" in data:
                    page = re.sub(r"<(script|style)\b.*?</\1>", " ", data["text/html"], flags=re.S)
                    seen["printed"].append(html.unescape(re.sub(r"<[^>]+>", " ", page)))
                elif set(data) == {"text/plain"}:  # a picture or a widget also has a text/plain stand-in
                    seen["printed"].append(data["text/plain"])
            elif kind == "error":
                seen["errors"].append(f"{out['ename']}: {out['evalue']}")
    return seen


@pytest.fixture
def learner(monkeypatch, tmp_path):
    """The environment of a learner's computer: this checkout's package, nothing else chosen beforehand."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("GAN_LESSONS_FAST", "1")  # seconds, not minutes
    for name in ("GAN_LESSONS_LANG", "GAN_LESSONS_STRICT_GLYPHS", "MPLBACKEND"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_english_words_finds_prose_but_not_code():
    assert english_words("生成器 generator：Linear: (16, 256)") == {"generator"}
    assert english_words("和 gan_lessons.models.ClassicGenerator 一样；Conv2d 和 nn.BCELoss；D(G(z))") == set()
    assert english_words("Forger(\n  (net): Sequential(\n    (0): Linear(in_features=2)\n)") == set()
    assert english_words("--- 自带的 classic ---") == {"classic"}
    assert english_words("正在使用工具包自带的 'dcgan' 生成器") == set()
    assert english_words("D(real) 0.65，D(fake) 0.59，<code>值：-3</code>，backward()") == set()


def test_the_first_picture_of_lesson_00_is_drawn_without_boxes(learner):
    """Lesson 00 draws 32 digits with a Chinese title before its parameter cell sets the language."""
    notebook = nbformat.read(CHINESE[0], as_version=4)
    first = next(i for i, cell in enumerate(notebook.cells) if "show_grid(" in cell.source)
    assert "set_language" not in "".join(cell.source for cell in notebook.cells[: first + 1])
    notebook.cells = notebook.cells[: first + 1]
    run(notebook, learner / "run")
    picture = notebook.cells[first]
    assert any("image/png" in out.get("data", {}) for out in picture.outputs), "the first cell draws a picture"
    seen = shown(notebook)
    everything = "\n".join(seen["printed"] + seen["errors"])
    assert not GLYPH.search(everything), f"a character drawn as a box:\n{everything}"
    assert not seen["errors"]


@pytest.mark.parametrize("path", CHINESE, ids=lambda p: p.stem)
def test_a_chinese_lesson_shows_chinese(path: Path, learner, monkeypatch):
    """Run the lesson as a learner would, in strict mode: a box anywhere, or an English word, fails."""
    monkeypatch.setenv("GAN_LESSONS_STRICT_GLYPHS", "1")  # the package makes a missing glyph an error
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(RECORD))
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT))
    run(notebook, learner / "run")
    seen = shown(notebook)
    assert not seen["errors"], seen["errors"]
    boxes = [text for text in seen["printed"] if GLYPH.search(text)]
    assert not boxes, f"{path.name} draws a character as a box: {boxes}"
    english = {kind: sorted({w for text in texts for w in english_words(text)}) for kind, texts in seen.items()}
    english = {kind: words for kind, words in english.items() if words}
    assert not english, f"{path.name} shows English words (route them through shown() or tr()): {english}"
