"""Choose your digit: pictures and widgets for a conditional generator (lesson 10).

A conditional generator gets noise *and* a digit. Keep the noise and change the digit, and the
"handwriting" (slant, thickness, size) stays while the digit changes. The players below keep
their state in plain Python (tested without a browser) and build ipywidgets controls only in
`.widget()`, like lesson 06's, so importing this module stays light.
"""

from __future__ import annotations

import torch
from torch import nn

from . import validate as check
from .i18n import N_, tr
from .lesson import one_thread
from .models import N_DIGITS, generate, is_conditional, make_noise, one_hot
from .widgets import SCALE, NoiseSliders, check_seed, digits_png, entry_slider, image_widget


def check_digit(digit: object) -> int:
    """Lesson 10: DIGIT as an int from 0 to 9, or a ValueError that says what to pass."""
    return check.whole(digit, "digit", 0, N_DIGITS - 1, message=N_("A digit is a whole number from 0 to 9; got "
                                                                   "{value}."))  # fmt: skip


def check_conditional(generator: nn.Module) -> nn.Module:
    """Lesson 10: GENERATOR itself, or a ValueError when it cannot be told which digit to draw."""
    if not is_conditional(generator):
        raise ValueError(tr("This needs a conditional generator, such as load_generator('conditional'); a {kind} "
                            "draws whatever digit its noise gives.", kind=type(generator).__name__))  # fmt: skip
    return generator


def draw_digits(generator: nn.Module, z: torch.Tensor, labels: torch.Tensor, nrow: int | None = None,
                scale: int = SCALE) -> bytes:  # fmt: skip
    """Lesson 10: the digits LABELS (N,) or label rows (N, 10) drawn from noise Z (N, z_dim), as one PNG."""
    with one_thread():
        return digits_png(generate(generator, z, labels), nrow=nrow, scale=scale)


def each_digit(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Lesson 10: one noise Z (z_dim,) repeated ten times (10, z_dim), with the digits 0..9 (10,)."""
    if not isinstance(z, torch.Tensor) or z.dim() != 1 or not z.is_floating_point() or len(z) == 0:
        raise ValueError(tr("each_digit needs one noise vector (z_dim,), such as make_noise(1)[0]; got {got}.",
                            got=tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__))  # fmt: skip
    return z.repeat(N_DIGITS, 1), torch.arange(N_DIGITS)


def morph_rows(digit_a: int, digit_b: int, ts: torch.Tensor) -> torch.Tensor:
    """Lesson 10: label rows (T, 10) a fraction TS (T,) of the way from DIGIT_A's one-hot row to DIGIT_B's."""
    a, b = one_hot(torch.tensor([check_digit(digit_a), check_digit(digit_b)]))  # (10,), (10,)
    ts = ts.reshape(-1, 1)  # (T, 1)
    return (1 - ts) * a + ts * b  # (T, 10)


class DigitChooser(NoiseSliders):
    """Lesson 10: buttons for the digit, sliders on a few noise entries: the digit changes, the handwriting stays."""

    def __init__(self, generator: nn.Module, digit: int = 3, seed: int = 0, entries: tuple[int, ...] = (0, 1, 2)):
        self.generator = check_conditional(generator)
        entry = N_("entries must be from 0 to {high}, got {value}.")
        self.digit = check_digit(digit)
        self.entries = tuple(check.whole(i, "entries", 0, generator.z_dim - 1, message=entry) for i in entries)
        self.set_seed(seed)  # a new seed: a new handwriting

    def png(self) -> bytes:
        """Lesson 10: the chosen digit in the current handwriting, big."""
        return draw_digits(self.generator, self.noise(), torch.tensor([self.digit]))

    def row_png(self) -> bytes:
        """Lesson 10: the same handwriting as all ten digits, in one row."""
        return draw_digits(self.generator, *each_digit(self.noise()[0]), scale=2)

    strip_png = row_png  # the still picture `widgets.show` puts in place of the widget

    def widget(self):
        """Lesson 10: digit buttons, noise sliders and a new-handwriting button beside the digit and its row."""
        import ipywidgets as w

        image, row = image_widget(self.png()), image_widget(self.row_png())
        digits = w.ToggleButtons(options=list(range(N_DIGITS)), value=self.digit, description=tr("digit"),
                                 style={"button_width": "32px"})  # fmt: skip
        sliders = [entry_slider(self.values[i], i) for i in self.entries]
        button = w.Button(description=tr("New handwriting"))

        def redraw(*_):
            self.digit = digits.value
            self.values = {i: s.value for i, s in zip(self.entries, sliders, strict=True)}
            image.value = self.png()

        def redraw_all(*_):
            redraw()
            row.value = self.row_png()

        def new_handwriting(_):
            self.set_seed((self.seed + 1) % 2**32)
            for i, s in zip(self.entries, sliders, strict=True):
                s.unobserve(redraw_all, names="value")
                s.value = self.values[i]
                s.observe(redraw_all, names="value")
            redraw_all()

        digits.observe(redraw, names="value")
        for s in sliders:
            s.observe(redraw_all, names="value")
        button.on_click(new_handwriting)
        return w.VBox([w.HBox([w.VBox([digits, *sliders, button]), image]), row])


class DigitTable:
    """Lesson 10: a table of all ten digits (columns) in a few handwritings (rows), one noise per row."""

    def __init__(self, generator: nn.Module, rows: int = 4, seed: int = 0):
        self.generator = check_conditional(generator)
        self.rows = check.whole(rows, "rows", 1, 20, message=N_("rows is how many handwritings to show: a whole number "
                                                                "from 1 to 20; got {value}."))  # fmt: skip
        self.seed = check_seed(seed)

    def png(self) -> bytes:
        """Lesson 10: the table: row r is handwriting r, column d is the digit d."""
        z = make_noise(self.rows, self.generator.z_dim, seed=self.seed)  # (R, z_dim)
        zs = z.repeat_interleave(N_DIGITS, dim=0)  # (R * 10, z_dim): each handwriting ten times
        labels = torch.arange(N_DIGITS).repeat(self.rows)  # (R * 10,): 0..9, 0..9, ...
        return draw_digits(self.generator, zs, labels, nrow=N_DIGITS, scale=2)

    def widget(self):
        """Lesson 10: a seed slider above the table."""
        import ipywidgets as w

        image = image_widget(self.png())
        slider = w.IntSlider(value=self.seed, min=0, max=100, description=tr("seed"))

        def redraw(change):
            self.seed = change["new"]
            image.value = self.png()

        slider.observe(redraw, names="value")
        return w.VBox([slider, image])


class DigitMorph:
    """Lesson 10: one handwriting, with a label row slid from one digit's one-hot row to another's."""

    def __init__(self, generator: nn.Module, digit_a: int = 1, digit_b: int = 7, seed: int = 0, steps: int = 9):
        self.generator = check_conditional(generator)
        self.digit_a, self.digit_b = check_digit(digit_a), check_digit(digit_b)
        self.z = make_noise(1, generator.z_dim, seed=check_seed(seed))  # (1, z_dim)
        steps_rule = N_("steps must be a whole number from 2 to 50, such as 9; got {value}.")
        self.steps, self.t = check.whole(steps, "steps", 2, 50, message=steps_rule), 0.0

    def png(self) -> bytes:
        """Lesson 10: the digit a fraction t of the way from A to B."""
        return draw_digits(self.generator, self.z, morph_rows(self.digit_a, self.digit_b, torch.tensor([self.t])))

    def strip_png(self) -> bytes:
        """Lesson 10: all the steps from A to B in one row."""
        rows = morph_rows(self.digit_a, self.digit_b, torch.linspace(0, 1, self.steps))  # (S, 10)
        return draw_digits(self.generator, self.z.repeat(self.steps, 1), rows, scale=3)

    def widget(self):
        """Lesson 10: two digit pickers and the A → B slider, the digit, and the whole journey below."""
        import ipywidgets as w

        image, strip = image_widget(self.png()), image_widget(self.strip_png())
        narrow = {"width": "150px"}
        pick_a = w.Dropdown(options=list(range(N_DIGITS)), value=self.digit_a, description=tr("from"), layout=narrow)
        pick_b = w.Dropdown(options=list(range(N_DIGITS)), value=self.digit_b, description=tr("to"), layout=narrow)
        slider = w.FloatSlider(value=self.t, min=0, max=1, step=0.05, description="A → B")

        def redraw(*_):
            self.t = slider.value
            image.value = self.png()

        def new_pair(*_):
            self.digit_a, self.digit_b = pick_a.value, pick_b.value
            redraw()
            strip.value = self.strip_png()

        slider.observe(redraw, names="value")
        pick_a.observe(new_pair, names="value")
        pick_b.observe(new_pair, names="value")
        return w.VBox([w.HBox([w.VBox([pick_a, pick_b, slider]), image]), strip])
