"""Property-based tests: random shapes and values (NaN and inf too) for scaling, grids, plots, noise and blends."""

import importlib
import inspect
import math
import signal
import traceback
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gan_lessons
from gan_lessons.data import shuffled_batches, to_model_range, to_pixels
from gan_lessons.models import ClassicGenerator, generate, make_noise
from gan_lessons.plots import grid_figure, image_grid, loss_figure, save_grid
from gan_lessons.training import ConfigError, TrainConfig, _check_last_batch
from gan_lessons.widgets import blend, sweep

# The same examples on every run (seeded), no time limit per example: CI machines are slow and shared.
quick = settings(max_examples=40, deadline=None, derandomize=True, database=None)
slow = settings(max_examples=6, deadline=None, derandomize=True, database=None)  # each draws a matplotlib figure

any_float = st.floats(allow_nan=True, allow_infinity=True, width=32)
small_float = st.floats(-10, 10, width=32)


BATCH, SIDE = st.integers(1, 10), st.integers(1, 8)


def float_images(b=BATCH, h=SIDE, w=SIDE, elements=any_float):
    """Batches of one-channel pictures (B, 1, H, W) of float32, NaN and inf included."""
    shapes = st.tuples(b, st.just(1), h, w)
    return shapes.flatmap(lambda s: arrays(np.float32, s, elements=elements)).map(torch.from_numpy)


# --- Scaling: pixels 0..255 <-> model range [-1, 1] ------------------------------------------------------------


@quick
@given(arrays(np.uint8, st.tuples(st.integers(1, 3), st.just(28), st.just(28))))
def test_scaling_is_exact_bounded_and_undone_by_to_pixels(pixels):
    pixels = torch.from_numpy(pixels)
    x = to_model_range(pixels)
    assert x.shape == (len(pixels), 1, 28, 28) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1
    assert torch.equal(x[:, 0], (pixels.float() / 255 - 0.5) / 0.5)  # ToTensor then Normalize(0.5, 0.5)
    assert torch.equal(to_pixels(x)[:, 0], pixels)  # back to the very same pixels


@quick
@given(st.lists(st.integers(1, 40), min_size=1, max_size=4), st.sampled_from([torch.uint8, torch.float32, torch.int64]))
def test_scaling_refuses_other_shapes_and_types_with_a_clear_message(shape, dtype):
    assume(dtype != torch.uint8 or tuple(shape[-2:]) != (28, 28) or (len(shape) == 4 and shape[1] != 1))
    message = r"to_model_range expects (digits as a tensor of uint8 pixels|grey 28x28 digits)"
    with pytest.raises(ValueError, match=message):
        to_model_range(torch.zeros(shape, dtype=dtype))


@quick
@given(float_images(h=st.just(3), w=st.integers(1, 4)))
def test_to_pixels_is_uint8_nan_black_inf_clipped(x):
    p = to_pixels(x)
    assert p.shape == x.shape and p.dtype == torch.uint8
    assert (p[torch.isnan(x)] == 0).all() and (p[x == math.inf] == 255).all() and (p[x == -math.inf] == 0).all()
    finite = torch.isfinite(x)
    expected = ((x[finite].clamp(-1, 1) + 1) * 127.5).round()
    assert torch.equal(p[finite].float(), expected)


# --- Grids and plots --------------------------------------------------------------------------------------------


@quick
@given(float_images(), st.one_of(st.none(), st.integers(1, 6)), st.integers(0, 3))
def test_grid_has_the_right_size_and_each_tile_is_its_digit(images, nrow, pad):
    grid = image_grid(images, nrow=nrow, pad=pad)
    b, _, h, w = images.shape
    cols = min(nrow or math.ceil(math.sqrt(b)), b)  # as torchvision's make_grid: no empty columns
    rows = math.ceil(b / cols)
    assert grid.dtype == np.uint8 and grid.shape == (rows * (h + pad) + pad, cols * (w + pad) + pad)
    pixels = to_pixels(images)[:, 0].numpy()
    for i in range(b):
        r, c = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        assert np.array_equal(grid[top : top + h, left : left + w], pixels[i])
    tiles = np.zeros_like(grid, dtype=bool)
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        tiles[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = True
    assert (grid[~tiles] == 0).all(), "the gaps between digits are black"


@quick
@given(float_images(elements=st.floats(-1, 1, width=32)))
def test_grid_of_pixels_equals_grid_of_floats(images):
    assert np.array_equal(image_grid(to_pixels(images)), image_grid(images))
    assert np.array_equal(image_grid(images[:, 0]), image_grid(images))  # (B, H, W) works too


@slow
@given(float_images(b=st.integers(1, 5), h=st.just(28), w=st.just(28)))
def test_grid_pictures_survive_nan_and_inf(images):
    import matplotlib.pyplot as plt

    fig = grid_figure(images, title="nan and inf")
    assert fig.axes[0].images[0].get_array().shape == image_grid(images).shape
    plt.close(fig)
    path = save_grid(images, "pictures/grid.png")  # makes the folder too
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@slow
@given(st.integers(0, 30).flatmap(lambda n: st.tuples(st.lists(any_float, min_size=n, max_size=n),
                                                       st.lists(any_float, min_size=n, max_size=n))))  # fmt: skip
def test_loss_figure_draws_any_losses(losses):
    import matplotlib.pyplot as plt

    d, g = losses
    fig = loss_figure(d, g)
    lines = fig.axes[0].get_lines()
    assert [len(line.get_xdata()) for line in lines] == [len(d), len(g)]
    fig.savefig("losses.png")  # drawing it for real: limits, ticks and all
    plt.close(fig)


@quick
@given(st.lists(st.floats(), max_size=5), st.lists(st.floats(), max_size=5))
def test_loss_figure_refuses_lists_of_different_lengths(d, g):
    assume(len(d) != len(g))
    with pytest.raises(ValueError, match="same length"):
        loss_figure(d, g)


# --- Noise and blends -----------------------------------------------------------------------------------------


@quick
@given(st.integers(0, 20), st.integers(1, 128), st.integers(0, 2**32 - 1))
def test_noise_has_its_shape_and_the_same_seed_gives_the_same_noise(n, z_dim, seed):
    z = make_noise(n, z_dim, seed=seed)
    assert z.shape == (n, z_dim) and z.dtype == torch.float32 and torch.isfinite(z).all()
    assert torch.equal(z, make_noise(n, z_dim, seed=seed))


@quick
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_different_seeds_give_different_noise(a, b):
    assume(a != b)
    assert not torch.equal(make_noise(4, 100, seed=a), make_noise(4, 100, seed=b))


@quick
@given(st.integers(1, 64).flatmap(lambda d: st.tuples(arrays(np.float32, d, elements=small_float),
                                                       arrays(np.float32, d, elements=small_float))),
       st.floats(0, 1))  # fmt: skip
def test_blend_starts_at_a_ends_at_b_and_stays_between(pair, t):
    a, b = map(torch.from_numpy, pair)
    assert torch.equal(blend(a, b, 0.0), a) and torch.equal(blend(a, b, 1.0), b)
    mid = blend(a, b, t)
    assert mid.shape == a.shape
    low, high = torch.minimum(a, b), torch.maximum(a, b)
    assert ((mid >= low - 1e-5) & (mid <= high + 1e-5)).all()


@quick
@given(st.integers(1, 32).flatmap(lambda d: st.tuples(arrays(np.float32, d, elements=small_float),
                                                       st.integers(-3, d + 3))),
       arrays(np.float32, st.integers(1, 9), elements=small_float))  # fmt: skip
def test_sweep_changes_one_entry_only(z_and_entry, values):
    z, entry = torch.from_numpy(z_and_entry[0]), z_and_entry[1]
    values = torch.from_numpy(values)
    if not 0 <= entry < len(z):
        with pytest.raises(ValueError, match=f"entry must be from 0 to {len(z) - 1}"):
            sweep(z, entry, values)
        return
    zs = sweep(z, entry, values)
    assert zs.shape == (len(values), len(z))
    assert torch.equal(zs[:, entry], values)
    others = [i for i in range(len(z)) if i != entry]
    assert torch.equal(zs[:, others], z[others].expand(len(values), -1))


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    return ClassicGenerator(z_dim=8)


@quick
@given(st.integers(1, 6).flatmap(lambda n: arrays(np.float32, (n, 8), elements=small_float)), st.floats(0, 1))
def test_any_blend_of_noise_draws_digits_in_range(generator, noise, t):
    z = torch.from_numpy(noise)
    digits = generate(generator, blend(z, z.flip(0), t))
    assert digits.shape == (len(z), 1, 28, 28)
    assert torch.isfinite(digits).all() and digits.min() >= -1 and digits.max() <= 1


# --- Batches: never one digit alone ---------------------------------------------------------------------------


@quick
@given(st.integers(2, 300), st.integers(1, 64), st.one_of(st.none(), st.integers(1, 12)))
def test_every_batch_holds_two_digits_or_the_setting_is_refused(n_images, batch_size, max_batches):
    config = TrainConfig(batch_size=batch_size, max_batches=max_batches)
    batches = math.ceil(n_images / batch_size)
    batches = min(batches, max_batches or batches)
    order = torch.arange(n_images)[: batches * batch_size]  # as the Trainer cuts each epoch's order
    sizes = [len(b) for b in shuffled_batches(torch.zeros(n_images, 1), batch_size, order)]
    try:
        _check_last_batch(n_images, config)
    except ConfigError as err:
        assert min(sizes) == 1
        better = int(str(err).rsplit(" ", 1)[1].rstrip("."))
        _check_last_batch(n_images, TrainConfig(batch_size=better, max_batches=max_batches))  # the advice works
    else:
        assert min(sizes) >= 2


# --- One rule for numbers: NumPy's are taken where Python's are ---------------------------------------------------


def test_numpy_numbers_are_taken_where_python_s_are():
    from gan_lessons.choose import DigitChooser, DigitTable
    from gan_lessons.data import load_sample, subset
    from gan_lessons.lesson import seed_everything
    from gan_lessons.models import build_gan
    from gan_lessons.toy2d import ToyConfig
    from gan_lessons.toy2d_widgets import GameWatcher
    from gan_lessons.validate import MAX_SEED

    config = TrainConfig(epochs=np.int64(3), batch_size=np.int32(64), lr=np.float32(1e-3), seed=np.uint32(MAX_SEED),
                         ema=np.float64(0.5), betas=(np.float64(0.5), np.float32(0.75)))  # fmt: skip
    assert (config.epochs, config.batch_size, config.seed) == (3, 64, MAX_SEED)
    assert type(config.epochs) is int and type(config.lr) is float and config.betas == (0.5, 0.75)
    seed_everything(np.int64(7))
    assert torch.equal(make_noise(np.int64(2), np.int16(5), seed=np.uint64(3)), make_noise(2, 5, seed=3))
    assert len(subset(load_sample(), np.int64(10))) == 10
    assert image_grid(torch.zeros(4, 1, 28, 28), nrow=np.int64(2)).shape == (62, 62)
    conditional = build_gan("conditional")[0].eval()
    assert DigitChooser(conditional, digit=np.int64(7), entries=(np.int8(1),)).digit == 7
    assert DigitTable(conditional, rows=np.int32(2), seed=np.uint64(5)).rows == 2
    assert ToyConfig(seed=np.int64(3), lr_d=np.float32(0.5)).seed == 3
    watcher = GameWatcher(steps_per_frame=np.int64(5))
    assert watcher.steps_per_frame == 5 and type(watcher.steps_per_frame) is int


# --- The library's own rule: every public function refuses wrong arguments itself (issue #20) ---------------------


PACKAGE = Path(gan_lessons.__file__).parent
MODULES = ["models", "data", "pretrained", "checkpoints", "plots", "widgets", "choose", "game", "judge", "diagrams",
           "toy2d", "toy2d_widgets", "checks", "answer_key", "slips", "lesson", "lesson_training", "i18n", "diagnose",
           "descent", "nearest", "noise_math", "fonts", "validate", "training", "engine", "resume", "graphed", "live",
           "animation", "doctor"]  # fmt: skip
# Not here: cli, tested through its own tests (every flag's range and type in tests/test_cli.py and test_bad_inputs).
SKIP = {  # functions called with something else than the wrong values below, each for a reason
    "judge.recognizability_curve": "it trains a Trainer for seconds; the engine helper owns its checks",
}
WRONG = [None, "x", "", -3, 2.5, 10**12, math.nan, [1, 2], object(), torch.zeros(3),
         torch.zeros(2, 1, 28, 28, dtype=torch.float64), np.int64(-1), True]  # fmt: skip


def public_functions() -> list[str]:
    """module.name of every public function and class defined in the MODULES (exceptions aside)."""
    found = []
    for name in MODULES:
        module = importlib.import_module(f"gan_lessons.{name}")
        for attr, value in vars(module).items():
            if attr.startswith("_") or not callable(value) or getattr(value, "__module__", None) != module.__name__:
                continue
            if isinstance(value, type) and issubclass(value, BaseException):
                continue  # an error class takes any message
            found.append(f"{name}.{attr}")
    return found


class _TooSlow(Exception):
    pass


def _call_with(function, values: dict) -> BaseException | None:
    """Call FUNCTION with VALUES (at most 30 s: a first import of torchvision is slow on a busy machine)."""

    def too_slow(signum, frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(30)
    try:
        function(**values)
    except BaseException as err:  # noqa: BLE001 - every kind is looked at below
        return err
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        plt.close("all")
        gan_lessons.i18n.set_language(None)
    return None


def _ours(err: BaseException) -> bool:
    """True when ERR is a ValueError or TypeError raised by the package's own code."""
    frames = traceback.extract_tb(err.__traceback__)
    return isinstance(err, (ValueError, TypeError)) and bool(frames) and Path(frames[-1].filename).parent == PACKAGE


def _cases():
    for name in public_functions():
        if name in SKIP:
            continue
        yield pytest.param(name, id=name)


wrong_calls = settings(max_examples=6, deadline=None, derandomize=True, database=None)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", list(_cases()))
@wrong_calls
@given(data=st.data())
def test_every_public_function_refuses_wrong_arguments_itself(name, data):
    module, attr = name.split(".")
    function = getattr(importlib.import_module(f"gan_lessons.{module}"), attr)
    params = [p for p in inspect.signature(function).parameters.values()
              if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]  # fmt: skip
    if not params:
        return
    spoilt = data.draw(st.sampled_from([p.name for p in params]), label="wrong")
    values = {p.name: data.draw(st.sampled_from(WRONG), label=p.name) for p in params
              if p.default is inspect.Parameter.empty or p.name == spoilt}  # fmt: skip
    err = _call_with(function, values)
    assert err is None or _ours(err), f"{name}({values}) raised {type(err).__name__}: {err}"
