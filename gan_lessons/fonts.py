"""Chinese text in pictures: a real Chinese font for matplotlib, offline and in Colab (lesson 00).

Matplotlib's own font, DejaVu Sans, has no Chinese characters: alone it draws boxes and warns
"Glyph ... missing from font". So the package ships a small Chinese font (gan_lessons/fonts/, a subset
of Noto Sans CJK SC under the SIL Open Font License, made by scripts/make_cjk_font.py) that holds the
3,755 most common characters and every character of the Chinese lessons. Matplotlib takes each
character from the first font in the list that has it: DejaVu Sans for Latin letters and digits, then
the shipped font, then a Chinese font of the computer, when there is one, for rarer characters.
"""

from __future__ import annotations

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
        warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from font", category=UserWarning)

    manager = font_manager.fontManager
    if not any(Path(entry.fname) == SHIPPED for entry in manager.ttflist):
        manager.addfont(str(SHIPPED))
    installed = {entry.name for entry in manager.ttflist}
    system = [name for name in SYSTEM_FAMILIES if name in installed] if system_fallback else []
    families = [LATIN, FAMILY, *system]
    mpl.rcParams["font.family"] = families  # a list: each character comes from the first font that has it
    return families
