"""Watching training live: one display that updates in place, and how long training will take (lesson 05)."""

from __future__ import annotations

import base64
import copy
import io
import time

import torch

from .training import Trainer, make_optimizers, train_step


def format_duration(seconds: float) -> str:
    """Lesson 05: a time in words a person reads easily, like "3 min 5 s" or "1 h 20 min"."""
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"A duration must be a finite number of seconds >= 0, got {seconds!r}.")
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _sync(device: torch.device) -> None:
    """Wait until the GPU has finished its queued work, so that timings are honest."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def seconds_per_batch(trainer: Trainer, batches: int = 8, warmup: int = 3) -> float:
    """Lesson 05: time a few training batches on copies of TRAINER's networks (the trainer is left unchanged)."""
    if batches < 1 or warmup < 0:
        raise ValueError(f"Need batches >= 1 and warmup >= 0, got batches={batches}, warmup={warmup}.")
    gen, disc = copy.deepcopy(trainer.generator), copy.deepcopy(trainer.discriminator)
    opt_g, opt_d = make_optimizers(gen, disc, trainer.config)
    rng = torch.Generator(trainer.device).manual_seed(0)  # its own random numbers: the trainer's stay untouched
    size, z_dim = min(trainer.config.batch_size, len(trainer.images)), trainer.config.z_dim
    started = 0.0
    for i in range(warmup + batches):  # the first batches are slow while PyTorch warms up
        if i == warmup:
            _sync(trainer.device)
            started = time.perf_counter()
        pick = torch.randint(len(trainer.images), (size,), generator=rng, device=trainer.device)
        z = torch.randn(size, z_dim, generator=rng, device=trainer.device)  # (B, z_dim)
        train_step(gen, disc, opt_g, opt_d, trainer.images[pick], z, trainer.config.r1)
    _sync(trainer.device)
    return (time.perf_counter() - started) / batches


class _Frame:
    """What the live display shows: a progress bar, a line of text and a picture."""

    def __init__(self, fraction: float, text: str, png: bytes):
        self.fraction, self.text, self.png = fraction, text, png

    def _repr_html_(self) -> str:
        picture = base64.b64encode(self.png).decode("ascii")
        return (f'<div><progress value="{self.fraction:.4f}" max="1" style="width: 60%"></progress> '
                f"<b>{self.text}</b><br><img src=\"data:image/png;base64,{picture}\"></div>")  # fmt: skip

    def __repr__(self) -> str:  # what a terminal shows instead
        filled = round(20 * self.fraction)
        return f"[{'#' * filled}{'.' * (20 - filled)}] {self.text}"


class LiveTraining:
    """Lesson 05: a Trainer callback: one display of losses, fixed-noise digits and time left, updated in place."""

    def __init__(self, trainer: Trainer, epochs: int | None = None):
        self.trainer = trainer
        self.target = trainer.config.epochs if epochs is None else epochs  # train until this many epochs are done
        self.first_epoch = trainer.epoch
        self.started = time.perf_counter()
        self.handle = None  # IPython's handle on the display, made by show()

    def status(self) -> tuple[float, str]:
        """Lesson 05: how far training is (0 to 1) and a line saying so, with the time left."""
        done, left = self.trainer.epoch - self.first_epoch, max(0, self.target - self.trainer.epoch)
        fraction = 1.0 if self.target == 0 else min(1.0, self.trainer.epoch / self.target)
        elapsed = time.perf_counter() - self.started
        if left == 0:
            guess = "done"
        elif done == 0:
            guess = "time left: measuring..."
        else:
            guess = f"about {format_duration(elapsed / done * left)} left"
        return fraction, f"epoch {self.trainer.epoch} of {self.target} | {format_duration(elapsed)} so far | {guess}"

    def picture(self) -> bytes:
        """Lesson 05: a PNG of the loss curves so far beside the digits drawn from the fixed noise."""
        import matplotlib.pyplot as plt

        from .plots import image_grid

        history, per_epoch = self.trainer.history, self.trainer.batches_per_epoch
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
        batches = torch.arange(1, len(history.batch_d) + 1) / per_epoch  # (n,) each batch's place, in epochs
        epochs = torch.arange(1, len(history.epoch_d) + 1)
        for name, batch, epoch, colour in (("D", history.batch_d, history.epoch_d, "tab:blue"),
                                           ("G", history.batch_g, history.epoch_g, "tab:orange")):  # fmt: skip
            left.plot(batches, batch, color=colour, alpha=0.25, lw=0.8)
            left.plot(epochs, epoch, "o-", color=colour, label=f"{name} loss (epoch average)")
        left.set(xlabel="epoch", ylabel="loss", title="losses")
        left.grid(alpha=0.3)
        if history.epoch_d:
            left.legend()
        right.imshow(image_grid(self.trainer.samples(), nrow=4), cmap="gray", vmin=0, vmax=255)
        right.set_title(f"fixed noise after epoch {self.trainer.epoch}")
        right.axis("off")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        plt.close(fig)
        return buffer.getvalue()

    def frame(self) -> _Frame:
        """Lesson 05: the progress bar, the status line and the picture, ready to display."""
        return _Frame(*self.status(), self.picture())

    def show(self) -> None:
        """Lesson 05: show the display now (before training); later calls update the same display."""
        from IPython.display import display

        self.handle = display(self.frame(), display_id=True)

    def __call__(self, trainer: Trainer) -> None:
        """Lesson 05: update the display after an epoch (the Trainer calls this)."""
        if trainer is not self.trainer:
            raise ValueError("This LiveTraining watches another Trainer; make one with LiveTraining(trainer).")
        if self.handle is None:
            self.show()
        else:
            self.handle.update(self.frame())
