"""The two players of a GAN: generators draw digits, discriminators judge them (lessons 02, 03)."""

from __future__ import annotations

import torch
from torch import nn

from . import validate as check
from .i18n import tr

Z_DIM = 100  # how many random numbers the generator starts from
MAX_Z_DIM = 10_000  # the most a generator takes (the lessons use 100)
MAX_DIAL = 100  # the most positions a DCGAN's dial has (lesson 09 uses 10)
MAX_WIDTH = 4096  # the most filters or hidden units a layer of ours is built with (the lessons use 32 to 1024)


def _size(value: object, name: str, most: int) -> int:
    """A layer size or z_dim: a whole number from 1 to MOST, or a ValueError/TypeError saying so."""
    if not check.is_whole(value):
        raise TypeError(tr("{name} must be a whole number from 1 to {most:,}, such as 100; got {value!r}.", name=name,
                           most=most, value=value))  # fmt: skip
    return check.whole(value, name, 1, most)


def _check_shape(x: torch.Tensor, expected: tuple[int | None, ...], what: str) -> None:
    """Raise a ValueError that names the shape expected and the shape given."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(tr("{what} expects a tensor; got {kind}.", what=what, kind=type(x).__name__))
    if x.dtype not in (torch.float32, torch.float16, torch.bfloat16):  # float64 or whole numbers: torch fails deep
        raise ValueError(tr("{what} expects float32 numbers; got a {dtype} tensor. Use x.float() (for uint8 pixels: "
                            "gan_lessons.data.to_model_range(x)).", what=what, dtype=x.dtype))  # fmt: skip
    ok = x.dim() == len(expected) and all(e is None or e == s for e, s in zip(expected, x.shape, strict=False))
    if not ok:
        want = "(" + ", ".join("B" if e is None else str(e) for e in expected) + ")"
        raise ValueError(tr("{what} expects a tensor of shape {want}, B = batch size; got {shape}.", what=what,
                            want=want, shape=tuple(x.shape)))  # fmt: skip


class ClassicGenerator(nn.Module):
    """Lesson 02: the classic MLP generator, noise (B, z_dim) to digits (B, 1, 28, 28) in [-1, 1]."""

    def __init__(self, z_dim: int = Z_DIM):
        super().__init__()
        self.z_dim = z_dim = _size(z_dim, "z_dim", MAX_Z_DIM)
        self.net = nn.Sequential(
            nn.Linear(z_dim, 256),
            nn.BatchNorm1d(256, momentum=0.8),
            nn.ReLU(),
            nn.Linear(256, 512),
            nn.BatchNorm1d(512, momentum=0.8),
            nn.ReLU(),
            nn.Linear(512, 1024),
            nn.BatchNorm1d(1024, momentum=0.8),
            nn.ReLU(),
            nn.Linear(1024, 784),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        _check_shape(z, (None, self.z_dim), tr("The generator"))
        return self.net(z).view(-1, 1, 28, 28)  # (B, 784) -> (B, 1, 28, 28)


class ClassicDiscriminator(nn.Module):
    """Lesson 03: the classic conv discriminator, digits (B, 1, 28, 28) to P(real) (B, 1)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 64, 4, 2, 1),  # (B, 64, 14, 14)
            nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, 2, 1),  # (B, 128, 7, 7)
            nn.BatchNorm2d(128, momentum=0.8),
            nn.LeakyReLU(0.2),
            nn.Flatten(),  # (B, 6272)
            nn.Linear(128 * 7 * 7, 1),  # (B, 1)
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_shape(x, (None, 1, 28, 28), tr("The discriminator"))
        return self.net(x)


class DCGANGenerator(nn.Module):
    """Lesson 07: a convolutional generator: noise (B, z_dim) to a 7x7 plan, grown to digits (B, 1, 28, 28).

    With DIAL > 0 (lesson 09) it also reads a dial from its noise, `read_dial`, and gets the dial's
    position as a one-hot row of DIAL numbers next to the noise: a dial it learns to use (InfoGAN's code).
    """

    def __init__(self, z_dim: int = Z_DIM, width: int = 32, hidden: int = 1024, dial: int = 0):
        super().__init__()
        z_dim = _size(z_dim, "z_dim", MAX_Z_DIM + N_DIGITS)
        width, hidden = _size(width, "width", MAX_WIDTH), _size(hidden, "hidden", MAX_WIDTH)
        self.z_dim, self.width, self.dial = z_dim, width, _dial_size(dial, z_dim)
        self.project = nn.Sequential(
            nn.Linear(z_dim + self.dial, hidden, bias=False),  # (B, 1024)
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, 2 * width * 7 * 7, bias=False),  # (B, 64 * 7 * 7)
            nn.BatchNorm1d(2 * width * 7 * 7),
            nn.ReLU(),
        )
        self.grow = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # (B, 32, 14, 14)
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1),  # (B, 1, 28, 28)
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        _check_shape(z, (None, self.z_dim), tr("The generator"))
        if self.dial:  # lesson 09: the dial's position goes in too, as a one-hot row
            z = torch.cat([z, nn.functional.one_hot(read_dial(z, self.dial), self.dial).to(z.dtype)], dim=1)
        x = self.project(z).view(-1, 2 * self.width, 7, 7)  # (B, 64, 7, 7): 64 small feature maps
        return self.grow(x)


def read_dial(z: torch.Tensor, positions: int) -> torch.Tensor:
    """Lesson 09: the dial's position 0..POSITIONS-1 in each noise row (B,): where its first POSITIONS numbers peak."""
    check.tensor(z, "read_dial: z", "(B, z_dim)", None)
    if not z.is_floating_point():
        raise ValueError(tr("read_dial: z must hold noise, float numbers such as make_noise(4); got {dtype}.",
                            dtype=z.dtype))  # fmt: skip
    positions = check.whole(positions, "read_dial: positions", 1, min(z.shape[1], MAX_DIAL))  # cheap: every batch
    return z[:, :positions].argmax(dim=1)  # (B,)


def _dial_size(dial: object, z_dim: int) -> int:
    """DIAL as a whole number from 0 to min(z_dim, MAX_DIAL) (0: no dial), or a ValueError/TypeError saying so."""
    most, whole = min(z_dim, MAX_DIAL), check.is_whole(dial)
    if not (whole and 0 <= dial <= most):
        raise (ValueError if whole else TypeError)(tr("dial must be a whole number from 0 to {most}, such as 10 (0: no "
                                                      "dial); got {value!r}.", most=most, value=dial))  # fmt: skip
    return int(dial)


def check_dial(arch: str, dial: object, z_dim: int = Z_DIM) -> int:
    """Lesson 09: DIAL as the positions of ARCH's dial (0: none; only a 'dcgan' has one), or a ValueError/TypeError."""
    dial = _dial_size(dial, z_dim)
    if dial and arch != "dcgan":
        raise ValueError(tr("Only the 'dcgan' architecture has a dial; use dial=0 with {arch!r}.", arch=arch))
    return dial


def _seeing_layers(width: int, hidden: int) -> list[nn.Module]:
    """The DCGAN detective's layers up to its answer: digits (B, 1, 28, 28) to HIDDEN numbers (B, hidden)."""
    width, hidden = _size(width, "width", MAX_WIDTH), _size(hidden, "hidden", MAX_WIDTH)
    return [
        nn.Conv2d(1, width, 4, 2, 1),  # (B, 32, 14, 14)
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False),  # (B, 64, 7, 7)
        nn.BatchNorm2d(2 * width),
        nn.LeakyReLU(0.2),
        nn.Flatten(),  # (B, 3136)
        nn.Linear(2 * width * 7 * 7, hidden, bias=False),  # (B, 256)
        nn.BatchNorm1d(hidden),
        nn.LeakyReLU(0.2),
    ]


class DCGANDiscriminator(nn.Module):
    """Lesson 07: the DCGAN's discriminator, digits (B, 1, 28, 28) shrunk by convolutions to P(real) (B, 1).

    Half as wide as the classic one (32 and 64 filters), with one hidden layer of HIDDEN units before
    the answer: in our measurements that layer made the forger's digits much better per second.
    """

    def __init__(self, width: int = 32, hidden: int = 256, dial: int = 0):
        super().__init__()
        self.net = nn.Sequential(
            *_seeing_layers(width, hidden),  # (B, 256): what the detective sees in the picture
            nn.Linear(hidden, 1),  # (B, 1)
            nn.Sigmoid(),
        )
        self.dial = _dial_size(dial, MAX_Z_DIM)
        if self.dial:  # lesson 09: a second answer, its guess of the forger's dial, from what it sees
            self.guess = nn.Linear(hidden, self.dial)  # (B, 256) -> (B, 10): one score per position

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_shape(x, (None, 1, 28, 28), tr("The discriminator"))
        return self.net(x)

    def answer_and_guess(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Lesson 09: P(real) (B, 1) and the guess of the dial, a score per position (B, dial), in one look."""
        _check_shape(x, (None, 1, 28, 28), tr("The discriminator"))
        if not self.dial:
            raise ValueError(tr("This discriminator has no dial to guess: build it with dial=10, such as "
                                "build_gan('dcgan', dial=10)."))  # fmt: skip
        seen = self.net[:-2](x)  # (B, 256): what the detective sees
        return self.net[-2:](seen), self.guess(seen)  # (B, 1), (B, 10)


N_DIGITS = 10  # the labels a conditional GAN can be asked for: the digits 0 to 9


def one_hot(labels: torch.Tensor) -> torch.Tensor:
    """Lesson 10: digits (B,) as rows of ten switches (B, 10): a 1 at the digit's place, 0 elsewhere."""
    if not isinstance(labels, torch.Tensor) or labels.dim() != 1 or labels.is_floating_point():
        got = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(tr("Labels must be a 1-D tensor of whole numbers 0..9, such as torch.tensor([3, 7]); got "
                            "{got}.", got=got))  # fmt: skip
    on_cpu = labels.device.type == "cpu"  # checking the values elsewhere would make the GPU wait
    if on_cpu and len(labels) and not (0 <= int(labels.min()) and int(labels.max()) < N_DIGITS):
        low, high = int(labels.min()), int(labels.max())
        raise ValueError(tr("Labels must be digits from 0 to 9; got values from {low} to {high}.", low=low, high=high))
    return (labels.unsqueeze(1) == torch.arange(N_DIGITS, device=labels.device)).float()  # (B, 10)


class ConditionalGenerator(DCGANGenerator):
    """Lesson 10: lesson 07's generator that is also told which digit to draw: (B, z_dim) and (B,) to (B, 1, 28, 28).

    The label goes in as a one-hot row of 10 numbers, glued to the end of the noise. Not told
    any digits, it draws 0, 1, ..., 9 in turn, so code written for other generators still works.
    """

    def __init__(self, z_dim: int = Z_DIM, width: int = 32, hidden: int = 1024):
        z_dim = _size(z_dim, "z_dim", MAX_Z_DIM)
        super().__init__(z_dim + N_DIGITS, width, hidden)  # the plan reads noise and label together
        self.z_dim = z_dim

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        _check_shape(z, (None, self.z_dim), tr("The generator"))
        if labels is None:
            labels = torch.arange(len(z), device=z.device) % N_DIGITS  # (B,): 0, 1, ..., 9, 0, 1, ...
        zy = torch.cat([z, label_rows(labels, len(z)).to(z.device)], dim=1)  # (B, z_dim + 10)
        x = self.project(zy).view(-1, 2 * self.width, 7, 7)  # (B, 64, 7, 7)
        return self.grow(x)  # (B, 1, 28, 28)


class ConditionalDiscriminator(nn.Module):
    """Lesson 10: lesson 07's detective that is also told which digit it should see: P(real and that digit) (B, 1).

    It looks at the picture and sums up what it sees in HIDDEN numbers, as lesson 07's does. It
    also keeps one row of HIDDEN numbers per digit, "what a real one of this digit looks like";
    its answer adds "does it look real?" to "does it match the row of the digit it was told?".
    (This is the *projection* discriminator of Miyato and Koyama, 2018.)
    """

    def __init__(self, width: int = 32, hidden: int = 256):
        super().__init__()
        hidden = _size(hidden, "hidden", MAX_WIDTH)
        self.features = nn.Sequential(*_seeing_layers(width, hidden))  # (B, 256), as lesson 07's detective
        self.real = nn.Linear(hidden, 1)  # (B, 256) -> (B, 1): "does it look like a real digit?"
        self.rows = nn.Linear(N_DIGITS, hidden, bias=False)  # one-hot (B, 10) -> that digit's row (B, 256)

    def logit(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Lesson 10: the answer before the last sigmoid (B, 1): above 0 means "a real digit of that kind"."""
        _check_shape(x, (None, 1, 28, 28), tr("The discriminator"))
        seen = self.features(x)  # (B, 256): what the detective sees in each picture
        row = self.rows(label_rows(labels, len(x)).to(x.device))  # (B, 256): what a real one of that digit shows
        match = (seen * row).sum(dim=1, keepdim=True)  # (B, 1): big when the picture fits its digit's row
        return self.real(seen) + match  # (B, 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logit(x, labels))  # (B, 1)


def label_rows(labels: torch.Tensor, n: int) -> torch.Tensor:
    """Lesson 10: N labels as rows of ten numbers (N, 10): digits (N,) become one-hot, rows (N, 10) stay as given.

    Rows other than one-hot, such as half a 3 and half an 8, let lesson 10 morph one digit into another.
    """
    n = check.whole(n, "n")
    if isinstance(labels, torch.Tensor) and labels.is_floating_point() and labels.shape == (n, N_DIGITS):
        return labels  # (N, 10)
    _check_labels(labels, n)
    return one_hot(labels)  # (N, 10)


def _check_labels(labels: torch.Tensor, n: int) -> None:
    """Raise a ValueError unless LABELS is one digit label per picture, (N,)."""
    if not isinstance(labels, torch.Tensor) or labels.shape != (n,) or labels.is_floating_point():
        got = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(tr("A conditional network needs one label per picture: whole numbers 0..9 of shape ({n},), "
                            "or rows of ten numbers ({n}, 10); got {got}.", n=n, got=got))  # fmt: skip


def is_conditional(model: nn.Module) -> bool:
    """Lesson 10: True when MODEL must be told which digit (it takes labels as well as noise or pictures)."""
    return isinstance(model, (ConditionalGenerator, ConditionalDiscriminator))


ARCHITECTURES: dict[str, tuple[type[nn.Module], type[nn.Module]]] = {
    "classic": (ClassicGenerator, ClassicDiscriminator),
    "dcgan": (DCGANGenerator, DCGANDiscriminator),
    "conditional": (ConditionalGenerator, ConditionalDiscriminator),
}


def build_gan(arch: str = "classic", z_dim: int = Z_DIM, dial: int = 0) -> tuple[nn.Module, nn.Module]:
    """Lesson 05: a fresh (generator, discriminator) pair of the named architecture (lesson 09: with a DIAL)."""
    if not isinstance(arch, str) or arch not in ARCHITECTURES:
        names = ", ".join(sorted(ARCHITECTURES))
        raise ValueError(tr("Unknown architecture {arch!r}. Choose one of: {names}.", arch=arch, names=names))
    gen_cls, disc_cls = ARCHITECTURES[arch]
    z_dim = _size(z_dim, "build_gan: z_dim", MAX_Z_DIM)
    dial = check_dial(arch, dial, z_dim)
    return (gen_cls(z_dim, dial=dial), disc_cls(dial=dial)) if dial else (gen_cls(z_dim), disc_cls())


def discriminator_logit(discriminator: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Lesson 07: a discriminator's answer before its last sigmoid, (B, 1): any number, above 0 means "real"."""
    layers = getattr(discriminator, "net", None)
    if not isinstance(layers, nn.Sequential) or not isinstance(layers[-1], nn.Sigmoid):
        name = type(discriminator).__name__
        raise ValueError(tr("The gradient penalty needs a discriminator whose `net` is an nn.Sequential ending in "
                            "nn.Sigmoid, like the package's; got {name}. Use r1=0 with it.", name=name))  # fmt: skip
    _check_shape(x, (None, 1, 28, 28), tr("The discriminator"))
    return layers[:-1](x)  # (B, 1)


def count_parameters(model: nn.Module) -> int:
    """Lesson 02: how many numbers training can change in MODEL."""
    check.kind(model, "count_parameters: model", nn.Module, tr("a network, such as ClassicGenerator()"),
               error=TypeError)  # fmt: skip
    return sum(p.numel() for p in model.parameters())


def make_noise(n: int, z_dim: int = Z_DIM, seed: int | None = None, device: str | torch.device = "cpu") -> torch.Tensor:
    """Lesson 02: N noise vectors of Z_DIM standard normal numbers, the same for the same SEED."""
    n, z_dim = check.whole(n, "make_noise: n"), check.whole(z_dim, "make_noise: z_dim", 1)
    device = check.device(device, "make_noise: device")
    if n * z_dim > check.MAX_NUMBERS:
        raise ValueError(tr("make_noise: {n:,} x {z_dim:,} numbers would fill {size:,.1f} GB of memory; ask for at "
                            "most {most:,} numbers, such as n={fits:,}.", n=n, z_dim=z_dim, size=n * z_dim * 4 / 2**30,
                            most=check.MAX_NUMBERS, fits=check.MAX_NUMBERS // z_dim))  # fmt: skip
    g = torch.Generator().manual_seed(check.seed(seed, "make_noise")) if seed is not None else None
    return torch.randn(n, z_dim, generator=g).to(device)  # (N, z_dim), drawn on the CPU so seeds agree everywhere


@torch.no_grad()
def generate(generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """Lesson 02: draw digits from noise Z without training or changing GENERATOR (lesson 10: of the digits LABELS)."""
    check.kind(generator, "generate: generator", nn.Module, tr("a generator, such as ClassicGenerator()"),
               error=TypeError)  # fmt: skip
    if not isinstance(z, torch.Tensor):
        raise ValueError(tr("generate needs noise, a tensor (N, z_dim) such as make_noise(16); got {kind}.",
                            kind=type(z).__name__))  # fmt: skip
    if labels is not None and not is_conditional(generator):
        raise ValueError(tr("This {kind} takes no label: it draws whatever digit its noise gives. Leave labels out, "
                            "or use a conditional generator.", kind=type(generator).__name__))  # fmt: skip
    if labels is not None and not isinstance(labels, torch.Tensor):
        raise TypeError(tr("labels must be a tensor of digits 0..9, such as torch.tensor([3, 7]); got {kind}.",
                           kind=type(labels).__name__))  # fmt: skip
    was_training = generator.training
    generator.eval()  # BatchNorm uses its running averages, so one digit alone works too
    try:
        device = next(generator.parameters(), torch.empty(0)).device
        if labels is not None:
            return generator(z.to(device), labels.to(device)).cpu()  # (N, 1, 28, 28) in [-1, 1]
        return generator(z.to(device)).cpu()  # (N, 1, 28, 28) in [-1, 1]
    finally:
        generator.train(was_training)
