"""Play with the noise: sliders, buttons and morphs on a trained generator (lesson 06).

Each player keeps its state in plain Python (tested without a browser) and builds its
ipywidgets controls only in `.widget()`, so importing this module stays light. `show()`
displays a widget together with a still picture and a sentence, which is what a viewer
that cannot run widgets (GitHub, nbviewer, a closed kernel) shows instead.
"""

from __future__ import annotations

import base64
import sys

import torch
from torch import nn

from . import validate as check
from .i18n import N_, tr
from .lesson import one_thread
from .models import generate, make_noise
from .plots import MAX_PIXELS, image_grid, png_bytes

MAX_SEED = check.MAX_SEED
SCALE = 5  # each 28x28 digit is drawn 140x140 pixels
ENTRY = N_("entry must be from 0 to {high}, got {value}.")  # a noise entry, counted from 0
MAX_SCALE = 20  # a digit drawn 560x560 pixels at most


def check_seed(seed: object) -> int:
    """Lesson 06: SEED as an int, or a ValueError that says which seeds are allowed."""
    return check.seed(seed)


def draw(generator: nn.Module, z: torch.Tensor, nrow: int | None = None, scale: int = SCALE) -> bytes:
    """Lesson 06: the digits GENERATOR draws from noise Z (N, z_dim), as one PNG."""
    with one_thread():
        return digits_png(generate(generator, z), nrow=nrow, scale=scale)


def digits_png(images: torch.Tensor, nrow: int | None = None, scale: int = SCALE) -> bytes:
    """Lesson 06: digits (N, 1, 28, 28) in [-1, 1] as one PNG picture, SCALE times bigger."""
    scale = check.whole(scale, "scale", 1, MAX_SCALE)
    images = check.digits(images, tr("digits_png expects"), finite=False, size=None)  # (N, 1, H, W)
    grid = image_grid(images, nrow=len(images) if nrow is None else nrow, pad=1)  # (H, W) uint8
    if grid.size * scale * scale > MAX_PIXELS:  # counted before the picture is made
        raise ValueError(tr("digits_png: {h} x {w} pixels, {scale} times bigger, would make a picture of more than "
                            "{most:,} pixels; use a smaller scale or fewer digits.", h=grid.shape[0], w=grid.shape[1],
                            scale=scale, most=MAX_PIXELS))  # fmt: skip
    return png_bytes(grid, scale=scale)


def _generator(generator: object) -> nn.Module:
    """GENERATOR, or a TypeError when it is not a generator (a network with a z_dim)."""
    if not isinstance(generator, nn.Module) or not check.is_whole(getattr(generator, "z_dim", None)):
        raise TypeError(tr("Expected a generator, such as load_generator('dcgan'); got {kind}.",
                           kind=type(generator).__name__))  # fmt: skip
    return generator


def _steps(steps: object) -> int:
    if not check.is_whole(steps) or not 2 <= steps <= 50:
        raise ValueError(tr("steps must be a whole number from 2 to 50, such as 9; got {value!r}.", value=steps))
    return int(steps)


def image_widget(png: bytes):
    """Lesson 06: an ipywidgets Image showing PNG at its own size (not stretched)."""
    import ipywidgets as w

    if not isinstance(png, bytes) or not png.startswith(b"\x89PNG") or len(png) < 24:
        raise TypeError(tr("image_widget needs a PNG picture as bytes, such as digits_png(images); got {kind}.",
                           kind=type(png).__name__))  # fmt: skip
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # from the PNG header
    return w.Image(value=png, format="png", layout=w.Layout(width=f"{width}px", height=f"{height}px"))


def blend(z_a: torch.Tensor, z_b: torch.Tensor, t: float) -> torch.Tensor:
    """Lesson 06: the noise a fraction T of the way from Z_A (t = 0) to Z_B (t = 1)."""
    return (1 - t) * z_a + t * z_b


def sweep(z: torch.Tensor, entry: int, values: torch.Tensor) -> torch.Tensor:
    """Lesson 06: copies of noise Z (z_dim,) with entry ENTRY set to each of VALUES."""
    if not isinstance(z, torch.Tensor) or z.dim() != 1 or not z.is_floating_point() or len(z) == 0:
        raise ValueError(tr("sweep needs one noise vector (z_dim,), such as make_noise(1)[0]; got {got}.",
                            got=tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__))  # fmt: skip
    entry = check.whole(entry, "entry", 0, len(z) - 1, message=ENTRY)
    if not isinstance(values, torch.Tensor) or values.dim() != 1 or not 1 <= len(values) <= check.MAX_NUMBERS // len(z):
        raise ValueError(
            tr(
                "values must be a 1-D tensor of numbers, such as torch.linspace(-3, 3, 7); got {got}.",
                got=tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__,
            )
        )
    zs = z.repeat(len(values), 1)  # (V, z_dim)
    zs[:, entry] = values
    return zs


# How much a row of pictures changes, measured: lesson 06 picks its demos with these, so that no demo
# shows pictures that look all the same. The unit is the mean absolute pixel change between neighbouring
# pictures, on a 0 (black) to 1 (white) scale. The shipped classic generator's entry 0, swept from -3 to 3
# for seed 0, changes by 0.003 per step, and its seven digits look identical; changes above 0.02 are seen
# at a glance (a stroke moves or the digit turns into another).
VISIBLE = 0.02


def change(images: torch.Tensor) -> float:
    """Lesson 06: how much neighbouring pictures (N, 1, 28, 28) in [-1, 1] differ: 0 (the same) to 1."""
    if len(images) < 2:
        raise ValueError(tr("change needs a row of at least 2 pictures, got {n}.", n=len(images)))
    return ((images[1:] - images[:-1]).abs().mean() / 2).item()  # pixels span 2 (from -1 to 1)


def entry_changes(generator: nn.Module, z: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Lesson 06: for every entry of noise Z (z_dim,), how much sweeping it over VALUES changes the digit."""
    with one_thread():
        rows = [generate(generator, sweep(z, e, values)) for e in range(len(z))]  # z_dim x (V, 1, 28, 28)
    return torch.tensor([change(row) for row in rows])  # (z_dim,)


def most_visible_entries(
    generator: nn.Module, seed: int, k: int = 5, values: torch.Tensor | None = None
) -> tuple[int, ...]:
    """Lesson 06: the K noise entries that change the digit of SEED most when swept from -3 to 3 (measured)."""
    z = make_noise(1, _generator(generator).z_dim, seed=check_seed(seed))[0]  # (z_dim,)
    k = check.whole(k, "k", 1, len(z))
    changes = entry_changes(generator, z, torch.linspace(-3, 3, 7) if values is None else values)
    return tuple(int(i) for i in changes.argsort(descending=True)[:k])


def far_seed(generator: nn.Module, seed_a: int, candidates: range = range(1, 21)) -> int:
    """Lesson 06: among CANDIDATES, the seed whose digit differs most from SEED_A's: a morph worth watching."""
    z_a = make_noise(1, _generator(generator).z_dim, seed=check_seed(seed_a))  # (1, z_dim)
    if not isinstance(candidates, (range, list, tuple)) or not 1 <= len(candidates) <= 100:
        raise ValueError(tr("candidates must be a few seeds, such as range(1, 21); got {value!r}.", value=candidates))
    others = [check_seed(s) for s in candidates if s != seed_a]
    zs = torch.cat([z_a] + [make_noise(1, generator.z_dim, seed=check_seed(s)) for s in others])  # (1 + C, z_dim)
    with one_thread():
        digits = generate(generator, zs)  # (1 + C, 1, 28, 28)
    distance = (digits[1:] - digits[:1]).abs().mean(dim=(1, 2, 3))  # (C,)
    return others[int(distance.argmax())]


def entry_slider(value: float, entry: int):
    """Lesson 06: a slider from -3 to 3 for noise entry ENTRY, starting at VALUE."""
    import ipywidgets as w

    value = check.number(value, "value", -3, 3)
    entry = check.whole(entry, "entry")
    return w.FloatSlider(value=value, min=-3, max=3, step=0.05, description=tr("entry {i}", i=entry))


class NoiseSliders:
    """Lesson 06: the noise a seed draws, with a few ENTRIES set by sliders (NoiseExplorer and DigitChooser)."""

    generator: nn.Module
    entries: tuple[int, ...]
    strength = 1.0

    def set_seed(self, seed: int) -> None:
        """Lesson 06: start again from the noise that SEED draws."""
        self.seed = check_seed(seed)
        self.base = make_noise(1, self.generator.z_dim, seed=self.seed)[0]  # (z_dim,)
        self.values = {i: float(self.base[i]) for i in self.entries}

    def noise(self) -> torch.Tensor:
        """Lesson 06: the noise now: the seed's, with the slider entries, times the strength, (1, z_dim)."""
        z = self.base.clone()
        for i, v in self.values.items():
            z[i] = v
        return (self.strength * z).unsqueeze(0)  # (1, z_dim)


class NoiseExplorer(NoiseSliders):
    """Lesson 06: sliders on a few noise entries, a strength slider, a new-digit button and a seed box."""

    def __init__(self, generator: nn.Module, entries: tuple[int, ...] = (0, 1, 2, 3, 4), seed: int = 0):
        _generator(generator)
        if not isinstance(entries, (tuple, list)) or not 1 <= len(entries) <= 20:
            raise ValueError(
                tr("entries must be a few entry numbers, such as (0, 1, 2); got {value!r}.", value=entries)
            )
        self.generator = generator
        self.entries = tuple(check.whole(i, "entry", 0, generator.z_dim - 1, message=ENTRY) for i in entries)
        self.strength = 1.0
        self.set_seed(seed)

    def png(self) -> bytes:
        """Lesson 06: the digit for the noise now, as a PNG."""
        return draw(self.generator, self.noise())

    def widget(self):
        """Lesson 06: the controls and the digit, as ipywidgets."""
        import ipywidgets as w

        image = image_widget(self.png())
        sliders = [entry_slider(self.values[i], i) for i in self.entries]
        strength = w.FloatSlider(value=self.strength, min=0, max=3, step=0.05, description=tr("strength"))
        seed_box = w.IntText(value=self.seed, description=tr("seed"))
        button, message = w.Button(description=tr("New random digit")), w.HTML()

        def redraw(*_):
            self.strength = strength.value
            self.values = {i: s.value for i, s in zip(self.entries, sliders, strict=True)}
            image.value = self.png()

        def reseed(change):
            try:
                self.set_seed(change["new"])
            except ValueError as err:
                message.value = f"<b>{err}</b>"
                return
            message.value = ""
            for i, s in zip(self.entries, sliders, strict=True):
                s.value = self.values[i]  # each change redraws
            redraw()

        for control in (*sliders, strength):
            control.observe(redraw, names="value")
        seed_box.observe(reseed, names="value")
        button.on_click(lambda _: setattr(seed_box, "value", (self.seed + 1) % (MAX_SEED + 1)))
        return w.HBox([w.VBox([*sliders, strength, seed_box, button, message]), image])


class Morph:
    """Lesson 06: a slider that blends the noise of one digit into another's."""

    def __init__(self, generator: nn.Module, seed_a: int = 1, seed_b: int = 2, steps: int = 8):
        self.generator, self.steps, self.t = _generator(generator), _steps(steps), 0.0
        self.z_a = make_noise(1, generator.z_dim, seed=check_seed(seed_a))  # (1, z_dim)
        self.z_b = make_noise(1, generator.z_dim, seed=check_seed(seed_b))  # (1, z_dim)

    def png(self) -> bytes:
        """Lesson 06: the digit a fraction t of the way from A to B."""
        return draw(self.generator, blend(self.z_a, self.z_b, self.t))

    def strip_png(self) -> bytes:
        """Lesson 06: all the steps from A to B in one row."""
        ts = torch.linspace(0, 1, self.steps).unsqueeze(1)  # (S, 1)
        return draw(self.generator, blend(self.z_a, self.z_b, ts), scale=3)  # (S, z_dim) noise

    def widget(self):
        """Lesson 06: the blend slider, the digit, and the whole journey below."""
        import ipywidgets as w

        image = image_widget(self.png())
        slider = w.FloatSlider(value=0, min=0, max=1, step=0.02, description="A → B")

        def redraw(change):
            self.t = change["new"]
            image.value = self.png()

        slider.observe(redraw, names="value")
        return w.VBox([w.HBox([slider, image]), image_widget(self.strip_png())])


class EntrySweep:
    """Lesson 06: "What does this number do?": one noise entry from -3 to 3, in a row of digits."""

    def __init__(self, generator: nn.Module, seed: int = 0, entry: int = 0, steps: int = 7):
        self.generator, self.values = _generator(generator), torch.linspace(-3, 3, _steps(steps))
        self.z = make_noise(1, generator.z_dim, seed=check_seed(seed))[0]  # (z_dim,)
        self.entry = check.whole(entry, "entry", 0, len(self.z) - 1, message=ENTRY)

    def png(self) -> bytes:
        """Lesson 06: the row of digits as the entry goes from -3 to 3."""
        return draw(self.generator, sweep(self.z, self.entry, self.values), scale=3)

    def widget(self):
        """Lesson 06: pick an entry, see what it changes."""
        import ipywidgets as w

        image = image_widget(self.png())
        picker = w.IntSlider(value=self.entry, min=0, max=len(self.z) - 1, description=tr("entry"))

        def redraw(change):
            self.entry = change["new"]
            image.value = self.png()

        picker.observe(redraw, names="value")
        labels = tr("entry value: {values}", values="  ".join(f"{v:+.0f}" for v in self.values.tolist()))
        return w.VBox([picker, image, w.HTML(f"<code>{labels}</code>")])


def show(player, sentence: str | None = None) -> None:
    """Lesson 06: display a player's widget, with a still picture and SENTENCE for viewers without widgets."""
    from IPython.display import display

    if not callable(getattr(player, "widget", None)) or not callable(getattr(player, "png", None)):
        raise TypeError(tr("show needs a player with widget() and png(), such as NoiseExplorer(generator); got {kind}.",
                           kind=type(player).__name__))  # fmt: skip
    if sentence is not None and not isinstance(sentence, str):
        raise TypeError(tr("sentence must be text or None; got {kind}.", kind=type(sentence).__name__))
    sentence = tr("Run this notebook to move the sliders.") if sentence is None else sentence
    view = player.widget()
    if "google.colab" in sys.modules or not hasattr(view, "_repr_mimebundle_"):
        _prepare_colab()
        display(view)  # Colab adds its own widget settings when it displays a widget itself
        return
    still = base64.b64encode(getattr(player, "strip_png", player.png)()).decode()
    bundle = view._repr_mimebundle_()  # the widget, for front ends that can run it
    bundle["text/html"] = f'<img src="data:image/png;base64,{still}"/><p>{sentence}</p>'  # for the others
    bundle["text/plain"] = sentence
    display(bundle, raw=True)


def _prepare_colab() -> None:
    """In Colab with ipywidgets 8, switch on the widget manager that can show it."""
    from .lesson import enable_widgets

    enable_widgets()
