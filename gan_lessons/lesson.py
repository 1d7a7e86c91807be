"""What every notebook does first: fast mode, seeds, and a check of this computer (lesson 00)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from . import i18n
from . import validate as check
from .data import env_flag

ENV_FAST = "GAN_LESSONS_FAST"
REPOSITORY = "gan-lessons/gan-lessons"  # on GitHub; the Colab badges and the install cell use it


def is_fast() -> bool:
    """Lesson 00: True in fast mode (CI sets GAN_LESSONS_FAST=1): little data, few epochs."""
    return env_flag(ENV_FAST)


def _draw_chinese_when_asked() -> None:
    """Give matplotlib the Chinese font when GAN_LESSONS_LANG asks for Chinese and no notebook chose yet."""
    if i18n.get_language() == "zh-CN":
        from .fonts import use_cjk_font

        use_cjk_font()


def set_language(language: str = "en") -> str:
    """Lesson 00: print and draw in LANGUAGE ("en" or "zh-CN") from now on; returns the language's code.

    Chinese also makes matplotlib draw Chinese text with a real Chinese font (gan_lessons/fonts.py).
    """
    code = i18n.set_language(language)
    if code == "zh-CN":
        from .fonts import use_cjk_font

        use_cjk_font()
    return code


def seed_everything(seed: int = 42) -> None:
    """Lesson 00: make Python, NumPy and PyTorch draw the same random numbers on every run."""
    seed = check.seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@contextmanager
def one_thread() -> Iterator[None]:
    """Lesson 04: run on one CPU thread: tiny networks and a few digits go faster (waking more threads costs more)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def widgets_available() -> bool:
    """Lesson 00: True when ipywidgets is installed and a notebook front end can show it."""
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def enable_widgets() -> bool:
    """Lesson 00: switch on widgets where needed (Colab's widget manager); True when they can be shown.

    Every lesson that shows sliders or other widgets calls it once before the first widget
    (tests/test_notebook_style.py checks that). Outside Colab it only reports.
    """
    import sys

    if "google.colab" in sys.modules:
        try:
            import ipywidgets
            from google.colab import output
        except ImportError:
            return False
        if int(ipywidgets.__version__.split(".")[0]) >= 8:
            output.enable_custom_widget_manager()  # Colab's own manager shows only ipywidgets 7
    return widgets_available()


_draw_chinese_when_asked()
