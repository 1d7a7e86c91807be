"""Lesson 05's live display, time estimate and film; and the pictures drawn for lessons 00 to 03."""

import subprocess
import sys

import matplotlib
import pytest
import torch

from gan_lessons.animation import GridRecorder, show_gif
from gan_lessons.live import LiveLoop, LiveTraining, format_duration, seconds_per_batch
from gan_lessons.models import build_gan
from gan_lessons.training import TrainConfig, Trainer, train_step

matplotlib.use("Agg")
TINY = dict(epochs=2, batch_size=32, max_batches=2, seed=3)


@pytest.fixture
def trainer(small):
    return Trainer(small, TrainConfig(**TINY), "cpu")


class FakeDisplay:
    """Stands in for IPython.display.display: remembers what was shown and each update."""

    def __init__(self):
        self.shown, self.updates = [], []

    def __call__(self, obj, display_id=False):
        assert display_id is True, "the live display must ask for a display id, to update in place"
        self.shown.append(obj)
        return self

    def update(self, obj):
        self.updates.append(obj)


@pytest.fixture
def fake_display(monkeypatch):
    import IPython.display

    fake = FakeDisplay()
    monkeypatch.setattr(IPython.display, "display", fake)
    return fake


@pytest.mark.parametrize(
    "seconds, words",
    [(0, "0 s"), (59.4, "59 s"), (59.6, "1 min 0 s"), (185, "3 min 5 s"), (3600, "1 h 0 min"), (4850, "1 h 20 min")],
)
def test_format_duration(seconds, words):
    assert format_duration(seconds) == words


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_format_duration_refuses_nonsense(bad):
    with pytest.raises(ValueError, match="finite number of seconds"):
        format_duration(bad)


def test_seconds_per_batch_measures_without_touching_the_trainer(trainer):
    before = {k: v.clone() for k, v in trainer.generator.state_dict().items()}
    rng_before, samples_before = trainer.rng.get_state(), trainer.samples()
    seconds = seconds_per_batch(trainer, batches=2, warmup=1)
    assert 0 < seconds < 60
    assert all(torch.equal(before[k], v) for k, v in trainer.generator.state_dict().items())
    assert torch.equal(trainer.rng.get_state(), rng_before) and torch.equal(trainer.samples(), samples_before)
    history = trainer.fit(progress=False)  # and training is exactly as without the measurement
    assert history == Trainer(trainer.images, TrainConfig(**TINY), "cpu").fit(progress=False)
    with pytest.raises(ValueError, match="batches >= 1"):
        seconds_per_batch(trainer, batches=0)


def test_seconds_per_batch_times_the_configured_step(small, monkeypatch):
    from gan_lessons import training

    real_step, penalties = training.train_step, []

    def step(*args):
        penalties.append(args[6])  # the r1 argument
        return real_step(*args)

    monkeypatch.setattr(training, "train_step", step)
    seconds_per_batch(Trainer(small, TrainConfig(**TINY, r1=0.5), "cpu"), batches=1, warmup=0)
    assert penalties == [0.5], "the timed step must include the gradient penalty the run will pay for"


def test_seconds_per_batch_times_the_conditional_step_for_a_conditional_trainer(small, monkeypatch):
    from gan_lessons import training

    trainer = Trainer(small, TrainConfig(**TINY, arch="conditional"), "cpu")
    before = {k: v.clone() for k, v in trainer.generator.state_dict().items()}
    real_step, asked = training.conditional_step, []

    def step(g, d, opt_g, opt_d, real, labels, z, wanted, r1=0.0):
        asked.append((labels.clone(), wanted.clone()))
        return real_step(g, d, opt_g, opt_d, real, labels, z, wanted, r1)

    monkeypatch.setattr(training, "conditional_step", step)
    assert 0 < seconds_per_batch(trainer, batches=2, warmup=1) < 60  # it raised TypeError before
    assert len(asked) == 3 and all(len(labels) == len(wanted) == 32 for labels, wanted in asked)
    assert all(0 <= int(w.min()) and int(w.max()) <= 9 for _, w in asked)
    assert all(torch.equal(before[k], v) for k, v in trainer.generator.state_dict().items()), "trainer untouched"


def test_one_display_updates_in_place_after_every_epoch(trainer, fake_display):
    live = LiveTraining(trainer, every=3600)  # no updates inside an epoch in this test
    live.show()
    trainer.fit(callbacks=[live], progress=False)
    assert len(fake_display.shown) == 1 and len(fake_display.updates) == TINY["epochs"]
    first, last = fake_display.shown[0], fake_display.updates[-1]
    assert "epoch 0 of 2" in repr(first) and "measuring" in repr(first) and first.fraction == 0
    assert "epoch 1 of 2" in repr(fake_display.updates[0]) and "left" in repr(fake_display.updates[0])
    assert "epoch 2 of 2" in repr(last) and "done" in repr(last) and last.fraction == 1
    html = last._repr_html_()
    assert '<progress value="1.0000"' in html and "data:image/png;base64," in html
    assert last.png.startswith(b"\x89PNG") and last.png != first.png  # the losses and digits changed


def test_the_display_appears_at_the_first_batch_when_not_shown_first(trainer, fake_display):
    trainer.fit(callbacks=[LiveTraining(trainer, every=3600)], progress=False)
    assert len(fake_display.shown) == 1 and "epoch 1 of 2, batch 1 of 2" in repr(fake_display.shown[0])
    assert len(fake_display.updates) == 2  # then after each epoch


def test_the_display_updates_inside_an_epoch_with_what_the_detective_thought(small, fake_display):
    trainer = Trainer(small, TrainConfig(epochs=1, batch_size=32, max_batches=4, seed=3), "cpu")
    live = LiveTraining(trainer, every=0)  # every=0: redraw after every batch
    live.show()
    trainer.fit(callbacks=[live], progress=False)
    texts = [repr(f) for f in fake_display.updates]
    assert [t.split(" |")[0][23:] for t in texts[:3]] == [f"epoch 1 of 1, batch {b} of 4" for b in (1, 2, 3)]
    assert "D(real)" in texts[0] and "D(fake)" in texts[0]
    assert live.steps == [1, 2, 3, 4] and len(live.rows) == 4, "every batch's row is read, the last one too"
    d, g, real, fake = torch.tensor(live.rows).T
    assert torch.allclose(torch.stack([d, g]).T, torch.tensor([trainer.history.batch_d, trainer.history.batch_g]).T)
    assert ((0 < real) & (real < 1) & (0 < fake) & (fake < 1)).all()


def test_watching_changes_no_number_and_the_engine_keeps_no_record_unless_watched(small, fake_display):
    config = TrainConfig(epochs=2, batch_size=32, max_batches=3, seed=5)
    watched, alone = Trainer(small, config, "cpu"), Trainer(small, config, "cpu")
    watched.fit(callbacks=[LiveTraining(watched, every=0)], progress=False)
    alone.fit(progress=False)
    assert watched.history == alone.history
    assert all(torch.equal(a, b) for a, b in zip(watched.generator.state_dict().values(),
                                                 alone.generator.state_dict().values(), strict=True))  # fmt: skip
    assert alone._sure is None, "without a watcher the engine does not record D's answers"
    assert alone.this_epoch().shape == (0, 4), "between epochs, no batch of the next one is done"


def test_train_step_reports_how_sure_the_detective_was(small):
    from gan_lessons.data import to_model_range

    for r1 in (0.0, 1.0):
        torch.manual_seed(0)
        g, d = build_gan("classic")
        opts = [torch.optim.Adam(n.parameters(), lr=0.0) for n in (g, d)]  # lr 0: the weights stay
        real, z = to_model_range(small.images[:16]), torch.randn(16, 100)
        sure = torch.zeros(2)
        torch.manual_seed(1)
        train_step(g, d, *opts, real, z, r1, sure)
        d_real, d_fake = d(real).mean(), d(g(z).detach()).mean()  # BatchNorm in training mode, as in the step
        assert torch.allclose(sure, torch.stack([d_real, d_fake]).detach(), atol=1e-6), r1


def test_live_loop_shows_a_loop_of_your_own(fake_display):
    torch.manual_seed(0)
    g, _ = build_gan("classic")
    live = LiveLoop(g, epochs=2, batches_per_epoch=3, every=3600)
    for i in range(6):
        live.add(1.0 + i, torch.tensor(2.0), torch.full((4, 1), 0.75), torch.full((4, 1), 0.25))
    assert len(fake_display.shown) == 1 and len(fake_display.updates) == 1, "the first batch and the last"
    first, last = fake_display.shown[0], fake_display.updates[-1]
    assert "epoch 1 of 2, batch 1 of 3" in repr(first) and "measuring" not in repr(first)
    assert "epoch 2 of 2 " in repr(last) and "done" in repr(last) and "D(real) 0.75, D(fake) 0.25" in repr(last)
    assert live.recent(2) == (5.5, 2.0, 0.75, 0.25) and last.fraction == 1
    assert last.png.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        LiveLoop(g, epochs=0, batches_per_epoch=3)


def test_time_left_counts_only_this_session_and_the_target(trainer, fake_display):
    trainer.fit(1, progress=False)
    live = LiveTraining(trainer, epochs=3)  # resumed at epoch 1, training to 3
    assert live.status()[1].startswith("epoch 1 of 3") and live.status()[0] == pytest.approx(1 / 3)
    trainer.fit(3, callbacks=[live], progress=False)
    assert "epoch 3 of 3" in repr(fake_display.updates[-1])


def test_a_live_display_belongs_to_one_trainer(trainer, small):
    other = Trainer(small, TrainConfig(**TINY), "cpu")
    with pytest.raises(ValueError, match="another Trainer"):
        LiveTraining(trainer)(other)


def test_the_film_has_one_frame_per_epoch_and_loops(trainer, tmp_path):
    from PIL import Image

    film = GridRecorder()
    with pytest.raises(ValueError, match="No frames yet"):
        film.save_gif(tmp_path / "empty.gif")
    film(trainer)
    trainer.fit(callbacks=[film], progress=False)
    assert film.epochs == [0, 1, 2] and film.frames[0].shape == (4 * 30 + 2, 4 * 30 + 2)
    assert not (film.frames[0] == film.frames[-1]).all(), "training changed the digits"
    path = film.save_gif(tmp_path / "sub" / "film.gif", seconds_per_frame=0.25, scale=2)
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.info["loop"] == 0
        assert gif.size == (2 * film.frames[0].shape[1], 2 * film.frames[0].shape[0] + 24)
        assert gif.info["duration"] == 250
    with pytest.raises(ValueError, match="seconds_per_frame > 0"):
        film.save_gif(tmp_path / "x.gif", seconds_per_frame=0)


def test_show_gif_explains_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No GIF at"):
        show_gif(tmp_path / "nothing.gif")


def test_the_new_modules_import_lightly():
    code = "import sys, gan_lessons.live, gan_lessons.animation, gan_lessons.checks, gan_lessons.diagrams; " \
           "print(sorted(sys.modules))"  # fmt: skip
    mods = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for heavy in ("IPython", "ipywidgets", "matplotlib"):
        assert f"'{heavy}'" not in mods, f"importing the lesson helpers imported {heavy}"


# Pictures for lessons 00 to 03: they draw what they are given, and refuse what they can't draw.


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


def test_the_gan_diagram_names_both_players_and_shows_the_digits(sample):
    from gan_lessons.diagrams import gan_diagram

    fig = gan_diagram(real=sample.images[0])
    words = " ".join(_texts(fig))
    assert "GENERATOR" in words and "DISCRIMINATOR" in words and "real or\nfake?" in words
    real, fake = fig.axes[0].images  # the real digit, then the noise
    assert (real.get_array() == sample.images[0].numpy()).all()
    assert not (fake.get_array() == sample.images[0].numpy()).all()
    with pytest.raises(ValueError, match="one grey digit of shape"):
        gan_diagram(real=sample.images[:2])


def test_pixel_figure_writes_every_value(sample):
    from gan_lessons.plots import pixel_figure

    fig = pixel_figure(sample.images[0])
    values = [int(t) for t in _texts(fig) if t]
    assert values == sample.images[0].flatten().tolist()
    with pytest.raises(ValueError, match="one digit"):
        pixel_figure(sample.images[:2])


def test_sliding_filter_figure_marks_the_spots(sample):
    from gan_lessons.data import to_model_range
    from gan_lessons.plots import sliding_filter_figure

    digit = to_model_range(sample.images[:1])[0]  # (1, 28, 28)
    kernel = torch.tensor([[-1.0, 1.0], [-1.0, 1.0]])
    fmap = torch.nn.functional.conv2d(digit[None], kernel[None, None], stride=2, padding=1)[0]
    fig = sliding_filter_figure(digit, kernel, fmap, spots=[(0, 0), (3, 4)])
    window = fig.axes[0].patches[1]  # the second spot's window on the digit
    assert window.get_xy() == (4 * 2 - 1 - 0.5, 3 * 2 - 1 - 0.5) and window.get_width() == 2
    assert len(fig.axes[2].patches) == 2 and len(fig.axes[1].texts) == 4


def test_guesses_figure_colours_each_guess(sample):
    from gan_lessons.data import to_model_range
    from gan_lessons.plots import guesses_figure

    images = to_model_range(sample.images[:3])
    fig = guesses_figure(images, torch.tensor([[0.2], [0.5], [0.9]]), title="guesses")
    titles = [ax.title for ax in fig.axes]
    assert [t.get_text() for t in titles] == ["0.20", "0.50", "0.90"]
    assert [t.get_color() for t in titles] == ["red", "green", "green"]
    with pytest.raises(ValueError, match="B probabilities"):
        guesses_figure(images, torch.tensor([0.5]))


def test_live_training_with_seconds_shows_digits_at_once_and_the_time_left(trainer, fake_display):
    live = LiveTraining(trainer, every=0, seconds=60)
    trainer.fit(callbacks=[live], progress=False, seconds=60)
    first = fake_display.shown[0]
    assert "left" in repr(first) and "epoch 1 of 2, batch 1 of 2" in repr(first), "shown after the first batch"
    assert 0 <= first.fraction < 0.5 and first.png.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="seconds must be a number > 0"):
        LiveTraining(trainer, seconds=0)


def test_live_training_of_a_conditional_gan_shows_a_row_per_digit(small, fake_display):
    trainer = Trainer(small, TrainConfig(**TINY, arch="conditional"), "cpu")
    live = LiveTraining(trainer, every=3600)
    digits = live.digits()
    assert digits.shape == (40, 1, 28, 28)  # rows 0..9, 4 of each
    assert not torch.equal(digits[0], digits[4]), "the next row asks for another digit, with the same noise"
    trainer.fit(callbacks=[live], progress=False)
    assert fake_display.shown and fake_display.shown[-1].png.startswith(b"\x89PNG")


def test_a_stop_during_a_redraw_leaves_the_last_frame_and_ends_fit_normally(trainer, fake_display, monkeypatch,
                                                                            capsys):  # fmt: skip
    import matplotlib.pyplot as plt

    from gan_lessons import live as live_module

    live = LiveTraining(trainer, every=0)
    calls, real_picture = [], live_module._Display.picture

    def picture(self):
        calls.append(1)
        if len(calls) == 2:  # in the middle of the second redraw
            raise KeyboardInterrupt
        return real_picture(self)

    monkeypatch.setattr(live_module._Display, "picture", picture)
    figures = plt.get_fignums()
    trainer.fit(callbacks=[live], progress=False)
    assert len(fake_display.shown) == 1 and fake_display.updates == [], "the first frame stays on show"
    assert capsys.readouterr().out.count("Paused after 2 batches") == 1
    assert plt.get_fignums() == figures, "no half-drawn figure is left for Jupyter to show"
    monkeypatch.undo()
    assert trainer.fit(progress=False) == Trainer(trainer.images, TrainConfig(**TINY), "cpu").fit(progress=False)


def test_a_loop_with_a_time_limit_never_promises_more_time_than_is_left(monkeypatch):
    from gan_lessons import live as live_module

    now = [100.0]
    monkeypatch.setattr(live_module.time, "perf_counter", lambda: now[0])
    loop = LiveLoop(build_gan("classic")[0].eval(), epochs=50, batches_per_epoch=100, every=1e9, seconds=60)
    now[0] += 10  # one batch took 10 s: at that pace the 4,999 left would take hours
    loop.add(0.7, 0.7, 0.5, 0.5)
    fraction, line = loop.status()
    assert "50 s left" in line and "h" not in line.split("|")[-1]
    assert fraction == pytest.approx(10 / 60)
    now[0] += 55
    assert "done" in loop.status()[1]
    with pytest.raises(ValueError, match="seconds"):
        LiveLoop(build_gan("classic")[0], 1, 1, seconds=0)


def test_fit_and_format_duration_explain_wrong_kinds(small):
    trainer = Trainer(small, TrainConfig(epochs=1, batch_size=64, max_batches=1), "cpu")
    with pytest.raises(TypeError, match=r"callbacks must be a list of functions, such as \[live\] or \[\], got None"):
        trainer.fit(callbacks=None, progress=False)
    with pytest.raises(TypeError, match="A duration must be a number of seconds, such as 65; got '5'"):
        format_duration("5")
