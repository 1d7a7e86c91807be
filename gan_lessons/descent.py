"""Gradient descent with one weight: a ball rolling down a loss curve (lesson 04).

Before the 2-D game, lesson 04 shrinks learning to one number. A "network" with one weight `w` has a
loss that is a curve, loss(w) = (w - 3)², lowest at w = 3. Each step moves the weight against the
slope: w -> w - step_size * slope(w). Small steps roll the ball slowly down; steps above 0.5 make it
jump across the valley; steps above 1 throw it out. Pure maths here; matplotlib loads only when a
picture is drawn, ipywidgets only inside `DescentPlayer.widget()`.
"""

from __future__ import annotations

import io
from numbers import Real

import torch

from . import validate as check
from .i18n import tr

TARGET = 3.0  # the weight with the lowest loss: the bottom of the valley
START = -1.0  # where the ball starts
MAX_STEPS = 200  # the most steps one call takes
MAX_START = 100.0  # the ball starts within this distance of 0
MAX_STEP_SIZE = 2.0  # bigger steps fly off at once; nothing more to see


def loss(w: float | torch.Tensor) -> float | torch.Tensor:
    """Lesson 04: the loss of the one-weight network: (w - 3)², 0 at the bottom of the valley."""
    return (w - TARGET) ** 2


def slope(w: float) -> float:
    """Lesson 04: the slope (gradient) of the loss at weight W: 2 (w - 3), worked out by hand."""
    return 2 * (w - TARGET)


def descend(start: float = START, step_size: float = 0.1, steps: int = 20) -> list[float]:
    """Lesson 04: the weights of gradient descent from START: STEPS steps of size STEP_SIZE (steps + 1 weights)."""
    start = check.number(start, "start", -MAX_START, MAX_START)
    step_size = check.number(step_size, "step_size", 0, MAX_STEP_SIZE, above=True,
                             hint=tr(" (try 0.1)"))  # fmt: skip
    steps = check.whole(steps, "steps", 0, MAX_STEPS)
    weights = [start]
    for _ in range(steps):
        w = weights[-1]
        weights.append(w - step_size * slope(w))  # one step against the slope
    return weights


def verdict(weights: list[float]) -> str:
    """Lesson 04: what the ball did, in words: rolled down, jumped across the valley, or flew off."""
    numbers = isinstance(weights, (list, tuple)) and all(isinstance(w, Real) and not isinstance(w, bool)
                                                        for w in weights)  # fmt: skip
    if not numbers:  # inf and NaN are taken: a ball that flew off far enough gets there
        raise ValueError(tr("verdict needs a list of weights, such as descend(-1, 0.1, 20); got {value}.",
                            value=check.describe(weights)))  # fmt: skip
    if len(weights) < 2:
        return tr("The ball has not moved yet: take some steps.")
    gaps = [abs(w - TARGET) for w in weights]  # how far from the bottom, step by step
    if gaps[-1] > gaps[0]:
        return tr("The ball flew off: each step overshoots more. The step size is too big.")
    if any((a - TARGET) * (b - TARGET) < 0 for a, b in zip(weights, weights[1:], strict=False)):
        return tr("The ball jumps from side to side of the valley: a big step size.")
    return tr("The ball rolls down, without jumping across the valley.")


def descent_figure(weights: list[float], step_size: float | None = None):
    """Lesson 04: a matplotlib figure of the loss curve and the ball's path along WEIGHTS (the last one big)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(weights, (list, tuple)) or not weights or not all(check.is_number(w) for w in weights):
        raise ValueError(tr("descent_figure needs a list of weights, such as descend(-1, 0.1, 20); got {value}.",
                            value=check._name(weights)))  # fmt: skip
    shown = [min(max(w, TARGET - 12), TARGET + 12) for w in weights]  # a ball that flew off stays at the edge
    low, high = min(-2.0, *shown) - 1, max(8.0, *shown) + 1
    fig = Figure(figsize=(6, 3.6), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    curve = torch.linspace(low, high, 200)  # (200,) weights
    ax.plot(curve.numpy(), loss(curve).numpy(), color="tab:blue", label=tr("loss"))
    ax.plot(
        shown, [loss(w) for w in shown], "o-", color="tab:orange", ms=4, lw=0.8, alpha=0.7, label=tr("the ball's path")
    )
    ax.plot(shown[-1:], [loss(shown[-1])], "o", color="tab:red", ms=14)
    ax.set(xlabel=tr("the weight w"), ylabel=tr("loss"), xlim=(low, high))
    size = "" if step_size is None else tr("step size {lr:g}, ", lr=step_size)
    ax.set_title(tr("{size}{steps} steps: w = {w:.3g}, loss = {loss:.3g}", size=size, steps=len(weights) - 1,
                    w=weights[-1], loss=loss(weights[-1])), fontsize=10)  # fmt: skip
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center")
    fig.tight_layout()
    return fig


def descent_png(weights: list[float], step_size: float | None = None) -> bytes:
    """Lesson 04: the picture of descent_figure as PNG bytes (for a widget)."""
    buffer = io.BytesIO()
    descent_figure(weights, step_size).savefig(buffer, format="png")
    return buffer.getvalue()


class DescentPlayer:
    """Lesson 04: sliders for the step size and the number of steps; the ball rolls as you move them."""

    def __init__(self, start: float = START, step_size: float = 0.1, steps: int = 0):
        descend(start, step_size, steps)  # checks all three
        self.start, self.step_size, self.steps = float(start), float(step_size), int(steps)

    def weights(self) -> list[float]:
        """Lesson 04: the ball's weights for the settings now."""
        return descend(self.start, self.step_size, self.steps)

    def png(self) -> bytes:
        """Lesson 04: the picture for the settings now."""
        return descent_png(self.weights(), self.step_size)

    def widget(self):
        """Lesson 04: a step-size slider, a steps slider, the picture and a sentence about the ball."""
        import ipywidgets as w

        from .widgets import image_widget

        image, words = image_widget(self.png()), w.HTML(verdict(self.weights()))
        size = w.FloatSlider(value=self.step_size, min=0.01, max=1.1, step=0.01, description=tr("step size"),
                             readout_format=".2f")  # fmt: skip
        steps = w.IntSlider(value=self.steps, min=0, max=30, description=tr("steps"))

        def redraw(*_):
            self.step_size, self.steps = size.value, steps.value
            image.value = self.png()
            words.value = verdict(self.weights())

        size.observe(redraw, names="value")
        steps.observe(redraw, names="value")
        return w.VBox([w.HBox([size, steps]), image, words])
