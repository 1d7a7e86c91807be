"""A GAN you can watch: 2-D points, a tiny forger and detective, and one picture of their game (lesson 04).

Real data are points on a flat sheet (a ring of 8 blobs, a 5 x 5 grid of blobs, or a spiral). The forger
turns 2 random numbers into a point; the detective gives each point a probability of being real. Because
everything is 2-D, the whole game fits in one picture: real and fake points, the detective's opinion of
every place as a coloured background, and an arrow on each fake showing where the forger's loss pushes it.

Pure PyTorch; matplotlib loads only when a picture is drawn. No ipywidgets here (see toy2d_widgets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy as bce

from . import validate as check
from .i18n import N_, tr
from .lesson import one_thread

SHAPES = ("ring", "grid", "spiral")
LOSSES = ("non-saturating", "minimax")
# what the pictures and widgets call each shape and loss (the code's names stay the values)
NAMES = {"ring": N_("ring"), "grid": N_("grid"), "spiral": N_("spiral"), "non-saturating": N_("non-saturating"),
         "minimax": N_("minimax")}  # fmt: skip
BLOB_STD = 0.1  # how spread out each blob of real points is
NEAR = 3 * BLOB_STD  # a point this close to a blob's centre is "near" the blob (3 standard deviations)
FAIR_SHARE = 0.25  # a blob is covered when it holds at least a quarter of its fair share of the fakes
VIEW = 3.0  # the picture shows x and y from -VIEW to VIEW
ARROW_SCALE = 4.0  # an arrow is drawn 1/ARROW_SCALE as long as the push it shows


class ToyError(ValueError):
    """A setting of the 2-D game is out of range (lesson 04)."""


def shown_name(name: str) -> str:
    """Lesson 04: a shape or loss (a value of SHAPES or LOSSES) as the pictures and widgets show it."""
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(tr("{name} must be one of {choices}, got {value}.", name="name", choices=sorted(NAMES),
                            value=repr(name)))  # fmt: skip
    return tr(NAMES[name])


SIZE = N_("{name} must be a whole number from 1 to {high:,}; got {value}.")


def _size(value: object, name: str, most: int = 4096) -> int:
    """A layer size: a whole number from 1 to MOST, or a ToyError saying so (validate.py's rule)."""
    return check.whole(value, name, 1, most, error=ToyError, message=SIZE)


def check_shape_name(shape: object) -> str:
    """Lesson 04: SHAPE if it is one of SHAPES, else a ToyError listing them."""
    if shape not in SHAPES:
        raise ToyError(tr("Unknown shape {shape!r}. Choose one of: {choices}.", shape=shape, choices=", ".join(SHAPES)))
    return shape


def check_loss_name(loss: object) -> str:
    """Lesson 04: LOSS if it is one of LOSSES, else a ToyError listing them."""
    if loss not in LOSSES:
        raise ToyError(tr("Unknown forger loss {loss!r}. Choose one of: {choices}.", loss=loss,
                          choices=", ".join(LOSSES)))  # fmt: skip
    return loss


def blob_centres(shape: str) -> torch.Tensor | None:
    """Lesson 04: the centres of the shape's blobs, (K, 2); None for the spiral, which has no blobs."""
    check_shape_name(shape)
    if shape == "ring":
        angles = torch.arange(8) * (2 * math.pi / 8)  # (8,)
        return 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)  # (8, 2) on a circle of radius 2
    if shape == "grid":
        ticks = torch.linspace(-2, 2, 5)  # (5,)
        return torch.cartesian_prod(ticks, ticks)  # (25, 2)
    return None


def _spiral_curve(t: torch.Tensor) -> torch.Tensor:
    """Points along the spiral for T in [0, 1]: one and a half turns, from radius 0.3 to 2.2."""
    angle, radius = 3 * math.pi * t, 0.3 + 1.9 * t  # (N,) each
    return torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)  # (N, 2)


def real_points(shape: str, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Lesson 04: N real points (N, 2) of SHAPE: each blob equally likely, spread by BLOB_STD."""
    check_shape_name(shape)
    n = check.whole(n, "n", 1, error=ToyError, message=N_("n is how many points to draw: a whole number >= 1, got "
                                                            "{value}."))  # fmt: skip
    centres = blob_centres(shape)
    if centres is None:
        middle = _spiral_curve(torch.rand(n, generator=generator))  # (n, 2) on the spiral
        return middle + 0.5 * BLOB_STD * torch.randn(n, 2, generator=generator)
    pick = torch.randint(len(centres), (n,), generator=generator)  # (n,) which blob each point comes from
    return centres[pick] + BLOB_STD * torch.randn(n, 2, generator=generator)  # (n, 2)


class Forger(nn.Module):
    """Lesson 04: the 2-D generator: Z_DIM random numbers -> one point (x, y)."""

    def __init__(self, z_dim: int = 2, hidden: int = 64):
        super().__init__()
        self.z_dim = z_dim = _size(z_dim, "z_dim")
        hidden = _size(hidden, "hidden")
        self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 2))  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != self.z_dim:
            got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ToyError(tr("The forger expects noise of shape (B, {z_dim}), B = how many points; got {got}.",
                              z_dim=self.z_dim, got=got))  # fmt: skip
        return self.net(z)  # (B, 2)


class Detective(nn.Module):
    """Lesson 04: the 2-D discriminator: a point (x, y) -> the probability that it is real."""

    def __init__(self, hidden: int = 64):
        super().__init__()
        hidden = _size(hidden, "hidden")
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
                                 nn.LeakyReLU(0.2), nn.Linear(hidden, 1), nn.Sigmoid())  # fmt: skip

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if not isinstance(points, torch.Tensor) or points.dim() != 2 or points.shape[1] != 2:
            got = tuple(points.shape) if isinstance(points, torch.Tensor) else type(points).__name__
            raise ToyError(tr("The detective expects points of shape (B, 2), one (x, y) per row; got {got}.", got=got))
        return self.net(points)  # (B, 1), between 0 and 1


def detective_loss(p_real: torch.Tensor, p_fake: torch.Tensor) -> torch.Tensor:
    """Lesson 04: the detective's BCE: real points should get 1, fakes 0 (as in lesson 03)."""
    return bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))


def minimax_loss(p_fake: torch.Tensor) -> torch.Tensor:
    """Lesson 04: the original game's forger loss, mean log(1 - D(G(z))): make the detective's loss on fakes big."""
    return -bce(p_fake, torch.zeros_like(p_fake))


def nonsaturating_loss(p_fake: torch.Tensor) -> torch.Tensor:
    """Lesson 04: the forger loss with the fakes labelled "real", mean -log D(G(z)) (Goodfellow et al. 2014)."""
    return bce(p_fake, torch.ones_like(p_fake))


def forger_loss(p_fake: torch.Tensor, loss: str = "non-saturating") -> torch.Tensor:
    """Lesson 04: the forger's loss of kind LOSS ("non-saturating" or "minimax") on the detective's P_FAKE."""
    return nonsaturating_loss(p_fake) if check_loss_name(loss) == "non-saturating" else minimax_loss(p_fake)


def push_arrows(detective: nn.Module, points: torch.Tensor, loss: str = "non-saturating") -> torch.Tensor:
    """Lesson 04: where the forger's loss pushes each point: minus the gradient of its own loss there, (N, 2)."""
    check_loss_name(loss)
    if not isinstance(detective, nn.Module):
        raise ToyError(tr("push_arrows needs a detective, such as Detective(); got {kind}.",
                          kind=type(detective).__name__))  # fmt: skip
    if (
        not isinstance(points, torch.Tensor)
        or points.dim() != 2
        or points.shape[1:] != (2,)
        or not points.is_floating_point()
    ):
        raise ToyError(
            tr(
                "push_arrows needs points (N, 2) as a float tensor; got {got}.",
                got=tuple(points.shape) if isinstance(points, torch.Tensor) else type(points).__name__,
            )
        )
    points = points.detach().clone().requires_grad_(True)  # (N, 2)
    with torch.enable_grad():
        each = forger_loss(detective(points), loss) * len(points)  # the sum of the N points' own losses
        (grad,) = torch.autograd.grad(each, points)  # (N, 2): d(each point's loss) / d(that point)
    return -grad


@dataclass
class Coverage:
    """Lesson 04: how well fakes fit the real shape: blobs covered, and the fraction of fakes near a blob."""

    covered: int | None  # blobs holding at least FAIR_SHARE of their fair share of fakes (None for the spiral)
    blobs: int | None  # how many blobs the shape has (None for the spiral)
    near: float  # fraction of fakes within NEAR of a blob centre (of the spiral's middle line for the spiral)

    def __str__(self) -> str:
        if self.blobs is None:
            return tr("{near:.0%} of fakes near the spiral", near=self.near)
        return tr("{covered} of {blobs} blobs covered, {near:.0%} of fakes near a blob", covered=self.covered,
                  blobs=self.blobs, near=self.near)  # fmt: skip


def coverage(fakes: torch.Tensor, shape: str) -> Coverage:
    """Lesson 04: measure how FAKES (N, 2) cover SHAPE's blobs (see Coverage, NEAR and FAIR_SHARE)."""
    check_shape_name(shape)
    if not isinstance(fakes, torch.Tensor) or fakes.dim() != 2 or fakes.shape[1] != 2 or len(fakes) == 0:
        got = tuple(fakes.shape) if isinstance(fakes, torch.Tensor) else type(fakes).__name__
        raise ToyError(tr("coverage needs fake points of shape (N, 2) with N >= 1; got {got}.", got=got))
    fakes = fakes.detach().float()
    centres = blob_centres(shape)
    if centres is None:
        curve = _spiral_curve(torch.linspace(0, 1, 2000))  # (2000, 2): the spiral's middle line, finely
        return Coverage(None, None, (torch.cdist(fakes, curve).min(dim=1).values < NEAR).float().mean().item())
    distance, nearest = torch.cdist(fakes, centres).min(dim=1)  # (N,) each: to the closest centre, and which
    close = distance < NEAR  # (N,)
    counts = torch.bincount(nearest[close], minlength=len(centres))  # (K,) fakes near each blob
    covered = int((counts >= FAIR_SHARE * len(fakes) / len(centres)).sum())
    return Coverage(covered, len(centres), close.float().mean().item())


@dataclass
class ToyConfig:
    """Lesson 04: the settings of the 2-D game; the defaults fit the ring in a few seconds."""

    shape: str = "ring"
    loss: str = "non-saturating"
    lr_d: float = 3e-3  # the detective's learning rate
    lr_g: float = 3e-3  # the forger's learning rate
    d_steps: int = 1  # detective steps per forger step
    batch_size: int = 256
    z_dim: int = 2
    hidden: int = 64
    seed: int = 0

    def __post_init__(self) -> None:
        check_shape_name(self.shape)
        check_loss_name(self.loss)
        rate = N_("{name} is a learning rate: a number above 0 and at most 1 (try 1e-3); got {value}.")
        for name in ("lr_d", "lr_g"):  # NumPy's numbers are taken and kept as Python's (validate.py's rule)
            setattr(self, name, check.number(getattr(self, name), name, 0, 1, above=True, error=ToyError, message=rate))
        for name in ("d_steps", "batch_size", "z_dim", "hidden"):
            setattr(self, name, check.whole(getattr(self, name), name, 1, error=ToyError))
        self.seed = check.seed(self.seed, error=ToyError)


@dataclass
class StepLosses:
    """Lesson 04: the detective's (D) and forger's (G) losses after each forger step of a ToyGame."""

    d: list[float] = field(default_factory=list)
    g: list[float] = field(default_factory=list)


def toy_step(forger: nn.Module, detective: nn.Module, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
             real: torch.Tensor, z: torch.Tensor, loss: str = "non-saturating") -> tuple[float, float]:  # fmt: skip
    """Lesson 04: one detective step then one forger step on REAL (B, 2) and noise Z (B, z_dim); the losses."""
    fake = forger(z)  # (B, 2)
    opt_d.zero_grad()
    d_loss = detective_loss(detective(real), detective(fake.detach()))
    d_loss.backward()
    opt_d.step()
    opt_g.zero_grad()
    g_loss = forger_loss(detective(fake), loss)
    g_loss.backward()
    opt_g.step()
    return d_loss.item(), g_loss.item()


class ToyGame:
    """Lesson 04: a forger, a detective, their optimizers and the real shape, ready to play round after round."""

    def __init__(self, config: ToyConfig | None = None, **settings):
        if config is not None and settings:
            raise ToyError(tr("Give either a ToyConfig or settings like lr_g=1e-3, not both."))
        if config is not None and not isinstance(config, ToyConfig):
            raise ToyError(tr("config must be a ToyConfig, such as ToyConfig(shape='ring'), or None; got {kind}.",
                              kind=type(config).__name__))  # fmt: skip
        self.config = config if config is not None else ToyConfig(**settings)
        c = self.config
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(c.seed)  # the same seed gives the same starting networks
            self.forger, self.detective = Forger(c.z_dim, c.hidden), Detective(c.hidden)
        self.opt_g = torch.optim.Adam(self.forger.parameters(), lr=c.lr_g, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.detective.parameters(), lr=c.lr_d, betas=(0.5, 0.999))
        self.rng = torch.Generator().manual_seed(c.seed)  # its own random numbers for data and noise
        self.fixed_z = torch.randn(1000, c.z_dim, generator=torch.Generator().manual_seed(c.seed + 1))  # (1000, z)
        self.history = StepLosses()

    @property
    def steps(self) -> int:
        """Lesson 04: how many forger steps have been taken."""
        return len(self.history.g)

    def set(self, **settings) -> None:
        """Lesson 04: change settings while playing (learning rates, d_steps, loss); the networks carry on."""
        allowed = {"lr_d", "lr_g", "d_steps", "loss"}
        unknown = set(settings) - allowed
        if unknown:
            raise ToyError(tr("Only {allowed} can change during a game; got {unknown}.",
                              allowed=", ".join(sorted(allowed)), unknown=", ".join(unknown)))  # fmt: skip
        new = ToyConfig(**{**self.config.__dict__, **settings})  # checks the values
        self.config = new
        for group in self.opt_d.param_groups:
            group["lr"] = new.lr_d
        for group in self.opt_g.param_groups:
            group["lr"] = new.lr_g

    def _detective_step(self) -> None:
        """One detective step on a fresh batch; the forger only draws."""
        c = self.config
        real = real_points(c.shape, c.batch_size, self.rng)  # (B, 2)
        z = torch.randn(c.batch_size, c.z_dim, generator=self.rng)  # (B, z_dim)
        with torch.no_grad():
            fake = self.forger(z)  # (B, 2)
        self.opt_d.zero_grad()
        detective_loss(self.detective(real), self.detective(fake)).backward()
        self.opt_d.step()

    def head_start(self, n: int) -> None:
        """Lesson 04: train only the detective for N steps, so that it becomes sure about the fakes."""
        n = check.whole(n, "n", 0, error=ToyError, message=N_("n is how many detective steps to take: a whole number "
                                                                 ">= 0; got {value}."))  # fmt: skip
        with one_thread():
            for _ in range(n):
                self._detective_step()

    def step(self, n: int = 1) -> tuple[float, float]:
        """Lesson 04: N forger steps, each after d_steps detective steps; returns the last losses (D, G)."""
        n = check.whole(n, "n", 1, error=ToyError, message=N_("n is how many steps to take: a whole number >= 1; got "
                                                                 "{value}."))  # fmt: skip
        with one_thread():
            for _ in range(n):
                d, g = self._round()
                self.history.d.append(d)
                self.history.g.append(g)
        return d, g

    def _round(self) -> tuple[float, float]:
        """d_steps - 1 detective steps, then toy_step: one detective step and one forger step."""
        c = self.config
        for _ in range(c.d_steps - 1):
            self._detective_step()
        real = real_points(c.shape, c.batch_size, self.rng)  # (B, 2)
        z = torch.randn(c.batch_size, c.z_dim, generator=self.rng)  # (B, z_dim)
        return toy_step(self.forger, self.detective, self.opt_g, self.opt_d, real, z, c.loss)

    @torch.no_grad()
    def fakes(self, n: int = 1000) -> torch.Tensor:
        """Lesson 04: the forger's points for the first N of its fixed noise (the same noise every time), (N, 2)."""
        return self.forger(self.fixed_z[:n])

    def coverage(self) -> Coverage:
        """Lesson 04: how well the fakes from the fixed noise cover the real shape."""
        return coverage(self.fakes(), self.config.shape)


class GamePicture:
    """Lesson 04: the picture of the game, made once and then updated in place (quick enough to feel live).

    What stays the same (axes, colour bar, legends) is drawn once and kept; each update draws only what
    moves on top of it ("blitting"), and everything is drawn again only when the loss axes must grow.
    """

    def __init__(self, game: ToyGame, n_points: int = 300, resolution: int = 60, dpi: int = 72):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from .fonts import ensure_font

        if not isinstance(game, ToyGame):
            raise ToyError(tr("GamePicture needs a ToyGame, such as ToyGame(); got {kind}.", kind=type(game).__name__))
        n_points, resolution = _size(n_points, "n_points", 10_000), _size(resolution, "resolution", 400)
        dpi = _size(dpi, "dpi", 300)
        self.n_points, self.resolution = n_points, resolution
        ticks = torch.linspace(-VIEW, VIEW, resolution)  # (R,)
        self.grid = torch.cartesian_prod(ticks, ticks).flip(1)  # (R*R, 2): rows go along y, columns along x
        ensure_font()  # Chinese text drawn with the shipped font
        self.fig = Figure(figsize=(10, 4.4), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax, self.ax_losses = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        self._make_game_panel()
        (self.d_line,) = self.ax_losses.plot([], [], color="tab:blue", lw=0.8, label=tr("detective's loss"),
                                             animated=True)  # fmt: skip
        (self.g_line,) = self.ax_losses.plot([], [], color="tab:orange", lw=0.8, label=tr("forger's loss"),
                                             animated=True)  # fmt: skip
        self.ax_losses.set(xlabel=tr("forger step"), title=tr("losses"))
        self.ax_losses.grid(alpha=0.3)
        self.fig.tight_layout()
        self.moving = [self.background, self.real, self.fake, self.arrows, self.legend, self.ax.title, self.d_line,
                       self.g_line]  # fmt: skip
        self.shape = self.layout = self.saved = None
        self.update(game)

    def _make_game_panel(self) -> None:
        """The left panel: D's opinion as a background, real and fake points, arrows; all of them move."""
        ax, blank, zeros = self.ax, torch.zeros(self.resolution, self.resolution), torch.zeros(self.n_points).numpy()
        self.background = ax.imshow(blank.numpy(), origin="lower", extent=(-VIEW, VIEW, -VIEW, VIEW), cmap="RdBu",
                                    vmin=0, vmax=1, alpha=0.75, interpolation="bilinear", animated=True)  # fmt: skip
        self.fig.colorbar(self.background, ax=ax, fraction=0.046, pad=0.04, label=tr("detective's P(real)"))
        self.real = ax.scatter([], [], s=6, c="black", label=tr("real"), animated=True)
        self.fake = ax.scatter([], [], s=6, c="darkorange", label=tr("fake"), animated=True)
        self.arrows = ax.quiver(zeros, zeros, zeros, zeros, color="darkorange", angles="xy", scale_units="xy",
                                scale=ARROW_SCALE, width=0.003, animated=True)  # fmt: skip
        ax.set(xlim=(-VIEW, VIEW), ylim=(-VIEW, VIEW), aspect="equal")
        ax.set_title(" ", fontsize=10, animated=True)
        self.legend = ax.legend(loc="upper right", fontsize=8)
        self.legend.set_animated(True)

    def _loss_layout(self, game: ToyGame) -> tuple:
        """Limits for the loss panel that hold every loss so far, growing in big jumps (few full redraws)."""
        h = game.history
        x_max = 500 * 2 ** math.ceil(math.log2(max(1.0, game.steps / 500)))
        low = min([0.0, *h.d, *h.g])
        high = max([1.5, *h.d, *h.g])
        return (x_max, math.floor(low), math.ceil(high), game.config.loss)

    def update(self, game: ToyGame) -> None:
        """Lesson 04: redraw everything for the game as it is now."""
        with one_thread():
            self._update(game)

    def _update(self, game: ToyGame) -> None:
        c = game.config
        if c.shape != self.shape:  # the real points change only with the shape
            self.shape = c.shape
            self.real.set_offsets(real_points(c.shape, self.n_points, torch.Generator().manual_seed(123)).numpy())
        with torch.no_grad():
            opinion = game.detective(self.grid).reshape(self.resolution, self.resolution)  # (R, R) P(real)
        fake = game.fakes(self.n_points)  # (n, 2)
        push = push_arrows(game.detective, fake, c.loss)  # (n, 2)
        self.background.set_data(opinion.numpy())
        self.fake.set_offsets(fake.numpy())
        self.arrows.set_offsets(fake.numpy())
        self.arrows.set_UVC(push[:, 0].numpy(), push[:, 1].numpy())
        self.ax.set_title(tr("step {steps}: {coverage}", steps=game.steps, coverage=game.coverage()), fontsize=10)
        steps = range(1, game.steps + 1)
        self.d_line.set_data(steps, game.history.d)
        self.g_line.set_data(steps, game.history.g)
        layout = self._loss_layout(game)
        if layout != self.layout:  # the still parts change: draw them again and keep them
            self.layout = layout
            self.ax_losses.set(xlim=(0, layout[0]), ylim=layout[1:3])
            self.g_line.set_label(tr("forger's loss ({loss})", loss=shown_name(c.loss)))
            self.ax_losses.legend(fontsize=8, loc="upper right")
            self.canvas.draw()  # everything but the moving parts
            self.saved = self.canvas.copy_from_bbox(self.fig.bbox)
        self.canvas.restore_region(self.saved)
        for artist in self.moving:
            self.fig.draw_artist(artist)

    def png(self) -> bytes:
        """Lesson 04: the picture as it is now, as PNG bytes."""
        from .plots import png_bytes

        return png_bytes(np.asarray(self.canvas.buffer_rgba())[..., :3])  # (H, W, 3): what is drawn now


def game_png(game: ToyGame) -> bytes:
    """Lesson 04: one picture of the game: D's opinion, real and fake points, arrows, and the losses beside it."""
    return GamePicture(game).png()
