"""Two languages, one series: what the helpers print, show and raise, in English or 简体中文 (lesson 00).

The English text stays in the code, where it is read; it is also the key of the Chinese catalogue
(``gan_lessons/locale/zh-CN/*.json``, English -> Chinese). Every message the learner can see goes
through ``tr``:

    raise ValueError(tr("batch_size must be at least 1, got {value}.", value=batch_size))

and text kept in a table for later is marked with ``N_`` so that tests/test_translations.py finds
it (it reads the code and checks that every message has a Chinese twin with the same placeholders).

One setting picks the language: ``set_language("zh-CN")`` (a notebook's parameter cell), or else the
environment variable GAN_LESSONS_LANG; English is the default. A message with no Chinese twin yet
is shown in English, never as an error.

Names that the code uses as data ("ring", "train", "dcgan", ...) stay the same in both editions; what the
learner reads is ``shown(name)``: ``print(shown("ring"))`` prints "ring" in English and 圆环 in Chinese.
"""

from __future__ import annotations

import json
import os
import unicodedata
from functools import cache
from numbers import Integral
from pathlib import Path

__all__ = ["LANGUAGES", "N_", "get_language", "set_language", "pad_to", "shown", "tr"]

ENV_LANG = "GAN_LESSONS_LANG"
MAX_WIDTH = 10_000  # pad_to: far wider than any table a lesson prints
LANGUAGES = {"en": "English", "zh-CN": "简体中文"}
_ALIASES = {"en": "en", "english": "en", "zh-cn": "zh-CN", "zh": "zh-CN", "zh_cn": "zh-CN", "zh-hans": "zh-CN",
            "chinese": "zh-CN", "简体中文": "zh-CN", "中文": "zh-CN"}  # fmt: skip
LOCALE_DIR = Path(__file__).parent / "locale"

_chosen: str | None = None  # set by set_language; None: the environment variable decides


def normalize(language: str) -> str:
    """Lesson 00: the language code for LANGUAGE ("en" or "zh-CN"); a clear error for anything else."""
    code = _ALIASES.get(str(language).strip().lower()) if isinstance(language, str) else None
    if code is None:
        choices = ", ".join(f'"{c}" ({name})' for c, name in LANGUAGES.items())
        raise ValueError(f"Unknown language {language!r}: use {choices}. / 未知的语言 {language!r}：请用 {choices}。")
    return code


def set_language(language: str | None) -> str:
    """Lesson 00: show the helpers' messages in LANGUAGE ("en" or "zh-CN"); None goes back to GAN_LESSONS_LANG."""
    global _chosen
    _chosen = None if language is None else normalize(language)
    return get_language()


def get_language() -> str:
    """Lesson 00: the language the helpers speak now: set_language's choice, else GAN_LESSONS_LANG, else "en"."""
    if _chosen is not None:
        return _chosen
    from_env = os.environ.get(ENV_LANG, "").strip()
    if not from_env:
        return "en"
    code = _ALIASES.get(from_env.lower())
    if code is None:  # a typo in the environment must not stop every command: English, said once
        _say_unknown(from_env)
        return "en"
    return code


@cache
def _say_unknown(value: str) -> None:
    """Say once, on standard error, that GAN_LESSONS_LANG=VALUE is not a language we speak."""
    import sys

    print(f"gan-lessons: {ENV_LANG}={value!r} is not a language gan-lessons speaks; using English. Set it to "
          f"en or zh-CN. / 不认识的语言 {value!r}：先用英文显示；请设为 en 或 zh-CN。", file=sys.stderr)  # fmt: skip


def catalogue(language: str) -> dict[str, str]:
    """Lesson 00: the messages of LANGUAGE, English -> translation, from gan_lessons/locale/LANGUAGE/*.json."""
    return _catalogue(normalize(language))


@cache
def _catalogue(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for part in sorted((LOCALE_DIR / language).glob("*.json")):
        merged.update(json.loads(part.read_text(encoding="utf-8")))
    return merged


def tr(message: str, /, **values: object) -> str:
    """Lesson 00: MESSAGE in the chosen language, with VALUES put into its {placeholders}."""
    language = get_language()
    text = message if language == "en" else catalogue(language).get(message, message)
    return text.format(**values) if values else text


def N_(message: str) -> str:  # noqa: N802 (the usual name of this marker)
    """Lesson 00: mark MESSAGE for translation where it is written; tr() translates it where it is shown."""
    return message


SHOWN = (N_("ring"), N_("grid"), N_("spiral"), N_("non-saturating"), N_("minimax"), N_("train"), N_("eval"),
         N_("noise"), N_("view"), N_("classic"), N_("dcgan"), N_("conditional"), N_("lesson 07"), N_("recipe"),
         N_("digit"), N_("table"), N_("morph"))  # fmt: skip


def shown(name: str) -> str:
    """Lesson 02: a name the code uses as data (one of SHOWN, e.g. "ring") as the learner reads it."""
    return tr(name)


def display_width(text: str) -> int:
    """Lesson 02: how many columns TEXT takes when printed: a Chinese character is two columns wide, a letter one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def pad_to(text: object, width: int, align: str = ">") -> str:
    """Lesson 02: TEXT padded with spaces to WIDTH columns, right-aligned (">"), left ("<") or centred ("^").

    Like f"{text:>{width}}", but it counts a Chinese character as two columns, so tables line up in both editions.
    """
    if isinstance(width, bool) or not isinstance(width, Integral) or not 0 <= width <= MAX_WIDTH:
        raise ValueError(tr("width must be a whole number of columns from 0 to {most:,}, such as 12; got {value}.",
                            most=MAX_WIDTH, value=repr(width)[:40]))  # fmt: skip
    if not isinstance(align, str) or align not in ("<", ">", "^"):
        raise ValueError(tr('align must be "<", ">" or "^", got {align!r}.', align=align))
    text = str(text)
    space = max(0, width - display_width(text))
    left = {"<": 0, ">": space, "^": space // 2}[align]
    return " " * left + text + " " * (space - left)
