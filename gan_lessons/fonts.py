"""Chinese text in pictures: a real Chinese font for matplotlib, offline and in Colab (lesson 00).

Matplotlib's own font, DejaVu Sans, has no Chinese characters: alone it draws boxes and warns
"Glyph ... missing from font". So the package ships a small Chinese font (gan_lessons/fonts/, a subset
of Noto Sans CJK SC under the SIL Open Font License, made by scripts/make_cjk_font.py) that holds the
3,755 most common characters and every character of the Chinese lessons. Matplotlib takes each
character from the first font in the list that has it: DejaVu Sans for Latin letters and digits, then
the shipped font, then a Chinese font of the computer, when there is one, for rarer characters.

Every picture the package draws calls ``ensure_font()`` first (and importing gan_lessons.plots does too), so
Chinese is drawn right from a lesson's first cell, in either language, from the command line, and even after
the learner changed matplotlib's settings. With GAN_LESSONS_STRICT_GLYPHS=1 a missing character is an error
wherever the package is used, in a test or not.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

from .data import env_flag
from .i18n import tr
from .validate import describe

ENV_STRICT = "GAN_LESSONS_STRICT_GLYPHS"  # tests set it: a missing character is an error, the shipped font alone
FONT_DIR = Path(__file__).parent / "fonts"
SHIPPED = FONT_DIR / "GANLessonsSansSC-Regular.otf"
FAMILY = "GAN Lessons Sans SC"
LATIN = "DejaVu Sans"  # matplotlib's own font
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                   "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei")  # fmt: skip


def shipped_characters() -> set[str]:
    """Lesson 00: the characters the shipped Chinese font can draw."""
    from fontTools.ttLib import TTFont  # matplotlib's own dependency

    with TTFont(SHIPPED, lazy=True) as font:
        return {chr(code) for code in font.getBestCmap()}


def use_cjk_font(system_fallback: bool | None = None) -> list[str]:
    """Lesson 00: make matplotlib draw Chinese with the shipped font; returns the font list now in use.

    With SYSTEM_FALLBACK (the default, unless GAN_LESSONS_STRICT_GLYPHS=1), a Chinese font installed on
    the computer comes after the shipped one. In strict mode a character no font has is an error, not a box.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    strict = env_flag(ENV_STRICT)
    if system_fallback is not None and not isinstance(system_fallback, bool):
        raise TypeError(tr("system_fallback must be True, False or None (the default); got {value}.",
                           value=describe(system_fallback)))  # fmt: skip
    if system_fallback is None:
        system_fallback = not strict
    if strict:
        _strict_glyphs()

    manager = font_manager.fontManager
    if not any(Path(entry.fname) == SHIPPED for entry in manager.ttflist):
        manager.addfont(str(SHIPPED))
        regular = next(entry for entry in manager.ttflist if Path(entry.fname) == SHIPPED)
        manager.ttflist.append(dataclasses.replace(regular, weight=700))  # bold titles: the same letters, no warning
        cached = getattr(manager, "_findfont_cached", None)  # matplotlib's memory of earlier look-ups
        if cached is not None:
            cached.cache_clear()
    installed = {entry.name for entry in manager.ttflist}
    system = [name for name in SYSTEM_FAMILIES if name in installed] if system_fallback else []
    families = [LATIN, FAMILY, *system]
    mpl.rcParams["font.family"] = families  # a list: each character comes from the first font that has it
    return families


def ensure_font() -> list[str]:
    """Lesson 00: before drawing, put the shipped Chinese font in matplotlib's font list; returns that list.

    A list that already holds the shipped font is kept as it is; matplotlib's default list becomes
    use_cjk_font()'s; any other font the learner chose stays first, with the shipped font behind it.
    """
    import matplotlib as mpl

    families = list(mpl.rcParams["font.family"])
    if FAMILY in families:
        if env_flag(ENV_STRICT):
            _strict_glyphs()
        return families
    if families in ([], ["sans-serif"], [LATIN]):
        return use_cjk_font()
    chosen = families
    families = use_cjk_font()  # registers the font, and in strict mode makes a missing glyph an error
    families = [*chosen, *(name for name in families if name not in chosen)]
    mpl.rcParams["font.family"] = families
    return families


def _strict_glyphs() -> None:
    """Make matplotlib's "Glyph ... missing from font" warning an error (GAN_LESSONS_STRICT_GLYPHS=1)."""
    warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from font", category=UserWarning)
