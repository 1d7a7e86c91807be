"""Watch the 2-D game live: one picture updated in place, with play / pause / one step and the settings (lesson 04).

The watcher keeps its state in plain Python (tested without a browser); ipywidgets loads only in
`.widget()`. Play and pause use ipywidgets' Play: the browser ticks on a timer and each tick asks
Python for a few more steps and a new picture. The kernel stays free between ticks, so the pause
button is heard at once, in JupyterLab and in Colab alike (Colab does not show widget changes made
from a background thread, so we do not use one).
"""

from __future__ import annotations

import time

from . import validate as check
from .i18n import N_, tr
from .toy2d import LOSSES, SHAPES, GamePicture, ToyConfig, ToyError, ToyGame, one_thread, shown_name

TICK_MS = 150  # how often the Play button asks for more steps while playing, in milliseconds


class GameWatcher:
    """Lesson 04: the live picture of a ToyGame, and what play, pause, one step and the settings do to it."""

    def __init__(self, game: ToyGame | None = None, steps_per_frame: int = 20):
        self.game = game if game is not None else ToyGame()
        self.steps_per_frame = self._check_steps(steps_per_frame)
        self.picture = GamePicture(self.game)
        self.redraw_s = 0.0  # how long the last update took: steps, picture and PNG
        self.ready_at = 0.0  # ticks that arrive before this time are skipped (see tick)

    @staticmethod
    def _check_steps(n: object) -> int:
        words = N_("steps_per_frame is how many steps between pictures: a whole number from 1 to 1000; got {value}.")
        return check.whole(n, "steps_per_frame", 1, 1000, error=ToyError, message=words)

    def advance(self, steps: int | None = None) -> bytes:
        """Lesson 04: play STEPS more steps (default: steps_per_frame), update the picture, return it as PNG."""
        started = time.perf_counter()
        with one_thread():
            self.game.step(self.steps_per_frame if steps is None else steps)
            self.picture.update(self.game)
            png = self.picture.png()
        self.redraw_s = time.perf_counter() - started
        return png

    def tick(self) -> bytes | None:
        """Lesson 04: what one tick of the Play button does: advance, unless the last update has only just ended.

        While an update runs, the browser's ticks wait in a queue; skipping the ones that were waiting
        keeps the picture in step with the Play button, so that pause stops it at once.
        """
        if time.perf_counter() < self.ready_at:
            return None
        png = self.advance()
        self.ready_at = time.perf_counter() + 0.03
        return png

    def change(self, **settings) -> bytes:
        """Lesson 04: change lr_d, lr_g, d_steps or loss and carry on; a new shape starts the game again."""
        shape = settings.pop("shape", self.game.config.shape)
        if shape != self.game.config.shape:
            config = ToyConfig(**{**self.game.config.__dict__, **settings, "shape": shape})
            return self.restart(config)
        if settings:
            self.game.set(**settings)
        self.picture.update(self.game)
        return self.picture.png()

    def restart(self, config: ToyConfig | None = None) -> bytes:
        """Lesson 04: a new game with CONFIG (default: the same settings), from fresh networks."""
        self.game = ToyGame(config if config is not None else self.game.config)
        self.picture.update(self.game)
        return self.picture.png()

    def png(self) -> bytes:
        """Lesson 04: the picture as it is now (also the still picture for viewers without widgets)."""
        return self.picture.png()

    def widget(self):
        """Lesson 04: the picture with its controls, as ipywidgets."""
        import ipywidgets as w

        from .widgets import image_widget

        c = self.game.config
        image, status = image_widget(self.png()), w.HTML()
        play = w.Play(value=0, min=0, max=10**9, step=1, interval=TICK_MS, description=tr("play / pause"))
        if hasattr(play, "show_repeat"):
            play.show_repeat = False
        one, again = w.Button(description=tr("One step")), w.Button(description=tr("Start again"))
        style = {"description_width": "150px"}
        lr_d = w.FloatLogSlider(value=c.lr_d, base=10, min=-5, max=-1, description=tr("detective's lr"), style=style)
        lr_g = w.FloatLogSlider(value=c.lr_g, base=10, min=-5, max=-1, description=tr("forger's lr"), style=style)
        d_steps = w.IntSlider(value=c.d_steps, min=1, max=10, description=tr("detective steps"), style=style)
        losses, shapes = [(shown_name(v), v) for v in LOSSES], [(shown_name(v), v) for v in SHAPES]  # (label, value)
        loss = w.ToggleButtons(options=losses, value=c.loss, description=tr("forger's loss"), style=style)
        shape = w.Dropdown(options=shapes, value=c.shape, description=tr("shape (starts again)"), style=style)
        speed = w.IntSlider(value=self.steps_per_frame, min=1, max=100, description=tr("steps per picture"),
                            style=style)  # fmt: skip

        def show(png: bytes | None) -> None:
            if png is not None:
                image.value = png
            status.value = tr("step {steps} · last update took {ms:.0f} ms", steps=self.game.steps,
                              ms=self.redraw_s * 1000)  # fmt: skip

        def on_tick(change):
            if change["new"] > change["old"]:  # the stop button sends the value back to 0: not a tick
                show(self.tick())

        def on_setting(_):
            self.steps_per_frame = speed.value
            settings = {"lr_d": lr_d.value, "lr_g": lr_g.value, "d_steps": d_steps.value, "loss": loss.value}
            show(self.change(shape=shape.value, **settings))

        play.observe(on_tick, names="value")
        one.on_click(lambda _: show(self.advance(1)))
        again.on_click(lambda _: show(self.restart()))
        for control in (lr_d, lr_g, d_steps, loss, shape, speed):
            control.observe(on_setting, names="value")
        show(None)
        buttons = w.HBox([play, one, again])
        return w.VBox([buttons, w.HBox([w.VBox([lr_d, lr_g, d_steps, speed]), w.VBox([loss, shape])]), status, image])
