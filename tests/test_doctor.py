"""The training doctor (issue #24): its rules on recorded signals, sentences, rewind, and that it changes nothing."""

import copy
import io
import json
import math
from contextlib import redirect_stdout
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from gan_lessons import doctor as doc
from gan_lessons.doctor import Doctor, Setting, Signals, diagnose, forger_gradient, mean_distance, name_state
from gan_lessons.i18n import catalogue, set_language
from gan_lessons.pretrained import load_generator
from gan_lessons.training import TrainConfig, Trainer, TrainingDiverged

RECORDED = Path(__file__).parent / "doctor_signals.json"  # made by benchmarks/doctor.py --record
NAN = math.nan
# Recorded runs that cause no clear failure in their time, so the doctor rightly names none: why
KNOWN_MISSES = {
    "collapse (lr 2e-3)": "in 35 to 60 s of CPU training the forger only half collapses (the two "
    "commonest digits 60 to 80%, spread 0.6 to 0.9), as a healthy classic GAN does in its first minute; "
    "the benchmark's collapse recipe is now a forger that trains 6 steps per detective step"
}


def check_up(seconds: float, **changed) -> Signals:
    """One check-up of a healthy classic GAN early on (numbers as recorded), with some signals CHANGED."""
    healthy = {"seconds": seconds, "steps": int(seconds * 10), "d_loss": 0.9, "g_loss": 1.4, "d_real": 0.65,
               "d_fake": 0.35, "grad": 0.05, "recognizable": 0.05 + seconds / 200, "top2": 0.35, "spread": 0.9,
               "change": 0.05}  # fmt: skip
    return Signals(**{**healthy, **changed})


def run_of(n: int, every: float = 5.0, **changed) -> list[Signals]:
    """N check-ups EVERY seconds apart; from the third on, the signals CHANGED (a failure setting in)."""
    return [check_up(i * every, **(changed if i >= 2 else {})) for i in range(n)]


@pytest.fixture(autouse=True)
def _english():
    set_language("en")
    yield
    set_language(None)


def test_healthy_and_getting_better():
    history = run_of(8)
    assert name_state(history) == "healthy"
    assert not diagnose(history).alarm


def test_healthy_says_getting_better_only_when_the_digits_did():
    rising = [check_up(5 * i, recognizable=r) for i, r in enumerate([0.5, 0.6, 0.7, 0.8])]
    assert diagnose(rising).sentence.startswith(
        "Healthy and getting better: the judge can read 80% of the digits (it was 60%)"
    )
    dipping = [check_up(5 * i, recognizable=r) for i, r in enumerate([0.5, 0.78, 0.79, 0.76])]
    assert name_state(dipping) == "healthy"  # readable enough: a dip of 2 points is no alarm
    said = diagnose(dipping).sentence
    assert "getting better" not in said and "76%" in said and "it was 78%" in said and "dip" in said
    set_language("zh-CN")
    assert "回落" in diagnose(dipping).sentence


def test_the_first_seconds_are_warming_up_not_an_alarm():
    history = [check_up(0, change=NAN, spread=0.2, top2=0.9, recognizable=0.0),
               check_up(5, spread=0.2, top2=0.9, recognizable=0.0, d_fake=0.7, d_real=0.5)]  # fmt: skip
    assert name_state(history) == "warming_up"


def test_flat_but_not_broken_is_unclear():
    assert name_state(run_of(10, recognizable=0.1)) == "unclear"


def test_diverged_names_the_learning_rate_or_the_r1_weight_or_the_gradients():
    history = [*run_of(4), check_up(20, finite=False, d_loss=NAN, g_loss=NAN)]
    assert name_state(history) == "diverged"
    assert doc.blow_up_cause(history[:-1], Setting(lr_g=1e20, lr_d=1e20))[0] == "lr"
    assert doc.blow_up_cause(history[:-1], Setting(lr_d=0.5))[0] == "lr"  # only the detective's was too high
    assert doc.blow_up_cause(history[:-1], Setting(r1=1e6))[0] == "r1"
    exploding = [*run_of(3), check_up(15, grad=500.0)]
    assert doc.blow_up_cause(exploding, Setting())[0] == "gradients"
    assert doc.blow_up_cause(history[:-1], Setting())[0] == "unclear"
    assert "1e+20" in diagnose(history, Setting(lr_g=1e20, lr_d=1e20)).sentence


def test_the_detective_wins_when_it_is_sure_and_the_gradient_faded():
    wins = run_of(8, d_real=0.97, d_fake=0.06, g_loss=5.0, d_loss=0.15, grad=0.001, recognizable=0.0)
    assert name_state(wins) == "detective_wins"
    assert "0.06" in diagnose(wins).sentence


def test_the_detective_wins_when_it_is_certain_even_if_the_gradient_stays():
    certain = run_of(4, d_real=0.99, d_fake=0.006, g_loss=5.1, d_loss=0.02)  # the non-saturating loss: grad stays
    assert name_state(certain) == "detective_wins"
    assert name_state(certain[:3]) != "detective_wins"  # one check-up is not enough


def test_the_detective_wins_against_the_saturating_minimax_loss():
    # as recorded: the forger's loss log(1 - D(fake)) is near 0 while D(fake) is near 0.07: its gradient fades
    minimax = run_of(7, d_real=0.94, d_fake=0.07, g_loss=-0.04, d_loss=0.14)
    assert name_state(minimax) == "detective_wins"


def test_a_sure_detective_with_a_forger_still_learning_is_no_alarm():
    # early in a healthy classic run the detective is ahead for a while, but the forger's gradient is strong
    ahead = run_of(8, d_real=0.94, d_fake=0.056, g_loss=3.3, d_loss=0.125)  # as recorded at 30 s
    assert name_state(ahead) != "detective_wins"


def test_the_detective_wins_from_the_losses_when_its_answers_are_unknown():
    wins = run_of(8, d_real=NAN, d_fake=NAN, g_loss=6.0, d_loss=0.01, grad=0.001, recognizable=0.0)
    assert name_state(wins) == "detective_wins"


def test_mode_collapse_from_alike_pictures_or_two_digits():
    assert name_state(run_of(8, spread=0.2)) == "mode_collapse"
    assert name_state(run_of(8, top2=0.9, recognizable=0.6)) == "mode_collapse"
    blobs = run_of(8, top2=0.9, recognizable=0.3)  # poor blobs are read as one or two digits: not yet a collapse
    assert name_state(blobs) != "mode_collapse"


def _slow_forger_run(spread: float, start: float = 0.0, n: int = 7) -> list[Signals]:
    """N check-ups 5 s apart of a run with few batches (7 per check-up, as with a forger that trains 6 steps per
    detective step), the forger ahead of the detective, and from the third on the pictures' SPREAD."""
    return [check_up(start + 5 * i, steps=7 * i, d_real=0.5, d_fake=0.7, spread=spread if i >= 2 else 0.5)
            for i in range(n)]  # fmt: skip


@pytest.mark.parametrize(("spread", "named"), [(0.24, True), (0.26, False), (0.12, True)])
def test_mode_collapse_when_the_pictures_are_copies_even_after_few_batches(spread, named):
    """COPIES = 0.25 (both sides): after WARM_SECONDS, copies are a collapse although warm-up's 200 batches are far."""
    history = _slow_forger_run(spread)  # the last two at 25 and 30 s, 42 batches
    assert history[-1].steps < doc.WARM_STEPS and history[-2].seconds >= doc.WARM_SECONDS
    assert (name_state(history) == "mode_collapse") is named
    if not named:  # nor a wrong alarm: the forger ahead with varied blobs is not yet a lazy detective either
        assert name_state(history) not in doc.ALARMS


def test_copies_are_no_alarm_before_warm_seconds_or_for_one_check_up():
    early = _slow_forger_run(0.1, n=4)  # the copies at 10 and 15 s: a healthy classic GAN draws one blob then
    assert early[-1].seconds < doc.WARM_SECONDS and name_state(early) != "mode_collapse"
    once = [*_slow_forger_run(0.5, n=6), replace(check_up(30, steps=42, d_real=0.5, d_fake=0.7), spread=0.1)]
    assert name_state(once) != "mode_collapse"
    assert name_state([*once, replace(once[-1], seconds=35, steps=49)]) == "mode_collapse"


@pytest.mark.parametrize(
    ("changed", "named"),
    [({"spread": 0.44}, True), ({"spread": 0.46}, False),  # ALIKE = 0.45, after warm-up
     ({"top2": 0.71, "recognizable": 0.6}, True), ({"top2": 0.69, "recognizable": 0.6}, False),  # TWO_DIGITS
     ({"top2": 0.9, "recognizable": 0.51}, True), ({"top2": 0.9, "recognizable": 0.49}, False)],  # READABLE
)  # fmt: skip
def test_mode_collapse_after_warm_up_both_sides_of_each_threshold(changed, named):
    steady = {"spread": 0.6, "recognizable": 0.3} | changed  # from the third check-up on, the same every time
    history = [check_up(5 * i, steps=100 * i, **(steady if i >= 2 else {})) for i in range(8)]
    assert (name_state(history) == "mode_collapse") is named


@pytest.mark.parametrize(("rise", "named"), [(0.01, True), (0.03, False)])
def test_alike_pictures_spreading_out_again_are_no_collapse(rise, named):
    """SPREADING = 0.02 (both sides): lesson 05's classic GAN, seed 2 (recorded, 1 thread): after 203 and 228
    batches its blobs were alike (spread 0.41, then 0.44) and read as one digit, but spreading out again."""
    early = [check_up(5 * i, steps=22 * i, spread=0.3, top2=1.0, recognizable=0.1) for i in range(9)]
    last_two = [check_up(46, steps=203, spread=0.41, top2=0.87, recognizable=0.0),
                check_up(51, steps=228, spread=0.41 + rise, top2=0.99, recognizable=0.03)]  # fmt: skip
    assert (name_state([*early, *last_two]) == "mode_collapse") is named


def test_poor_blobs_read_as_two_digits_are_no_collapse():
    """Lesson 05's classic GAN, seed 4 (recorded, 1 thread): after 379 and 407 batches the judge read 78% and 74%
    of the fixed-noise digits as 3 or 9, but only about a quarter were recognizable and they were varied."""
    early = [check_up(5 * i, steps=45 * i, spread=0.5 + 0.03 * i) for i in range(16)]
    last_two = [check_up(82, steps=379, spread=0.81, top2=0.78, recognizable=0.28),
                check_up(87, steps=407, spread=0.815, top2=0.74, recognizable=0.21)]  # fmt: skip
    assert name_state([*early, *last_two]) not in doc.ALARMS


@pytest.mark.parametrize(("spread", "lazy"), [(0.41, True), (0.39, False)])
def test_a_lazy_detective_faces_varied_blobs_not_copies(spread, lazy):
    """VARIED = 0.4 (both sides): the same answers of the detective, but copies of one blob are no lazy detective."""
    history = [check_up(5 * i, steps=25 * i, d_real=0.5, d_fake=0.8, recognizable=0.0, spread=spread)
               for i in range(4)]  # fmt: skip
    assert (name_state(history) == "lazy_detective") is lazy


def test_a_detective_that_learns_nothing():
    lazy = run_of(8, d_real=0.55, d_fake=0.8, d_loss=1.6, g_loss=0.3, recognizable=0.02)
    assert name_state(lazy) == "lazy_detective"
    assert "0.55" in diagnose(lazy).sentence and "0.80" in diagnose(lazy).sentence
    early = [check_up(5 * i, steps=25 * i, d_real=0.47, d_fake=0.99, recognizable=0.0) for i in range(4)]
    assert name_state(early) == "lazy_detective"  # finding the fakes more real than the real digits: at once
    unsure = [check_up(5 * i, steps=25 * i, d_real=0.53, d_fake=0.5, recognizable=0.0) for i in range(4)]
    assert name_state(unsure) == "warming_up"  # a healthy DCGAN's first seconds


def test_stuck_when_nothing_changes():
    still = run_of(8, change=1e-6, recognizable=0.0)
    assert name_state(still) == "stuck"
    assert "30 seconds" in diagnose(still).sentence  # still since the check-up at 5 s, named at 35 s


def test_alarms_need_more_than_one_check_up():
    history = [*run_of(50), check_up(250, spread=0.1, d_fake=0.01, d_real=0.99, grad=1e-5, change=0.0)]
    assert not diagnose(history).alarm


def test_recorded_runs_are_named_as_the_benchmark_found():
    """Signals recorded by benchmarks/doctor.py on full MNIST: the rule names each run's state as it did then."""
    runs = json.loads(RECORDED.read_text())
    assert {r["expected"] for r in runs} >= {"healthy", "stuck", "detective_wins", "lazy_detective", "mode_collapse"}
    for run in runs:
        history = [Signals(**s) for s in run["signals"]]
        states = [name_state(history[: i + 1]) for i in range(len(history))]
        alarm = next((s for s in states if s in doc.ALARMS), None)
        if run["expected"] == "healthy":
            assert alarm is None, run["recipe"]
        elif run["recipe"] in KNOWN_MISSES:
            assert alarm in (None, run["expected"]), run["recipe"]  # missed, but never a wrong alarm
        else:
            assert alarm == run["expected"], run["recipe"]


@pytest.mark.parametrize("message", [*doc.SENTENCES.values(), *doc.CAUSES.values(), doc.BETTER])
def test_every_sentence_exists_in_both_languages(message):
    chinese = catalogue("zh-CN")[message]
    assert chinese != message and any("\u4e00" <= c <= "\u9fff" for c in chinese)


def test_a_diagnosis_speaks_chinese_when_asked():
    set_language("zh-CN")
    sentence = diagnose(run_of(8, spread=0.2)).sentence
    assert sentence.startswith("模式崩溃") and "0.20" in sentence


@pytest.fixture
def trainer(small):
    return Trainer(small, TrainConfig(epochs=2, batch_size=64, seed=3, max_batches=4), "cpu")


def test_the_doctor_does_not_change_training(small):
    """Same seed, same losses and weights, with or without the doctor (it checks after every batch here)."""
    for arch, ema in (("classic", 0.0), ("conditional", 0.9)):
        config = TrainConfig(arch=arch, epochs=2, batch_size=64, seed=5, max_batches=2, ema=ema)
        plain, watched = Trainer(small, config, "cpu"), Trainer(small, config, "cpu")
        plain.fit(progress=False)
        doctor = Doctor(every=1e-9, say=None, n_judged=32)
        watched.fit(callbacks=[doctor], progress=False)
        assert len(doctor.history) >= 4
        assert plain.history.batch_d == watched.history.batch_d and plain.history.batch_g == watched.history.batch_g
        for a, b in zip(plain.generator.state_dict().values(), watched.generator.state_dict().values(), strict=True):
            assert torch.equal(a, b)
        assert torch.equal(plain.rng.get_state(), watched.rng.get_state())


def test_rewind_restores_the_best_forger_exactly(trainer):
    doctor = Doctor(every=1e-9, say=None, n_judged=32)
    trainer.fit(1, callbacks=[doctor], progress=False)
    best = copy.deepcopy(doctor.best)
    trainer.fit(2, progress=False)  # trains on without the doctor: its best stays as it was
    assert any(not torch.equal(v, trainer.generator.state_dict()[k]) for k, v in best["generator"].items())
    assert doctor.rewind(trainer) == best["score"]
    for k, v in trainer.generator.state_dict().items():
        assert torch.equal(v, best["generator"][k])


def test_save_best_writes_a_generator_file(trainer, tmp_path):
    doctor = Doctor(every=1e-9, say=None, n_judged=32)
    trainer.fit(1, callbacks=[doctor], progress=False)
    generator = load_generator(doctor.save_best(tmp_path / "best.pt"))
    assert generator(torch.zeros(2, trainer.config.z_dim)).shape == (2, 1, 28, 28)


def test_the_doctor_says_when_the_forger_was_better():
    doctor = Doctor(say=None)
    doctor.best = {"score": 0.6, "seconds": 20.0}
    note = doctor.better_note(check_up(60, recognizable=0.3))
    assert "40 s ago" in note and "0.60" in note and "0.30" in note
    assert doctor.better_note(check_up(60, recognizable=0.55)) == ""


def test_the_doctor_explains_a_blow_up(small):
    blown = Trainer(small, TrainConfig(epochs=1, batch_size=64, lr=1e20, max_batches=4), "cpu")
    said = []
    doctor = Doctor(say=said.append)
    with pytest.raises(TrainingDiverged), redirect_stdout(io.StringIO()), doctor.watching(blown):
        blown.fit(callbacks=[doctor], progress=False)
    assert doctor.diagnosis.state == "diverged" and "learning rate 1e+20" in said[-1]


def test_measuring_changes_no_gradient_and_no_weight(trainer):
    trainer.fit(1, progress=False)
    grads = [None if p.grad is None else p.grad.clone() for p in trainer.generator.parameters()]
    weights = copy.deepcopy(trainer.generator.state_dict())
    size = forger_gradient(trainer.generator, trainer.discriminator, torch.randn(8, trainer.config.z_dim))
    assert size > 0 and math.isfinite(size)
    for p, g in zip(trainer.generator.parameters(), grads, strict=True):
        assert (p.grad is None and g is None) or torch.equal(p.grad, g)
    for k, v in trainer.generator.state_dict().items():
        assert torch.equal(v, weights[k])


def test_spread_is_zero_for_copies_and_positive_for_different_pictures():
    same = torch.ones(5, 1, 28, 28)
    assert mean_distance(same) == 0
    assert mean_distance(torch.stack([torch.ones(1, 28, 28), -torch.ones(1, 28, 28)])) == pytest.approx(56.0)


def test_bad_uses_are_explained(trainer, small):
    with pytest.raises(ValueError, match="every must be"):
        Doctor(every=0)
    with pytest.raises(ValueError, match="nothing to rewind"):
        Doctor().rewind(trainer)
    with pytest.raises(ValueError, match="at least one check-up"):
        name_state([])
    doctor = Doctor(every=1e-9, say=None, n_judged=32)
    trainer.fit(1, callbacks=[doctor], progress=False)
    other = Trainer(small, TrainConfig(epochs=1, batch_size=64, max_batches=2), "cpu")
    with pytest.raises(ValueError, match="another Trainer"):
        other.fit(callbacks=[doctor], progress=False)


def test_signals_round_trip_through_dicts():
    s = check_up(5)
    assert Signals(**json.loads(json.dumps(doc.asdict(s)))) == replace(s)


def test_the_command_line_doctor_speaks_and_keeps_the_best(tmp_path, capsys):
    from gan_lessons.cli import main

    out = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--max-batches", "2", "--quiet", "--doctor", "--keep-best",
                 "--out", str(out)]) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert "Doctor, after" in said and "best.pt" in said
    assert load_generator(out / "best.pt").z_dim == 100


def test_watch_trains_for_a_while_and_speaks(trainer):
    said = []
    doctor = Doctor(every=0.05, say=said.append, n_judged=32)
    trainer.config.epochs = 10_000
    last = doctor.watch(trainer, 1.0)
    assert trainer.steps > 0 and last is doctor.diagnosis and last.state in doc.STATES
    assert said and said[0].startswith("Doctor, after")


def test_the_doctor_never_presses_the_learners_stop_button(trainer, monkeypatch):
    """watch ends by fit's own time limit, never by request_stop: the stop flag stays the learner's alone."""
    pressed, flags = [], []
    press = trainer.request_stop
    monkeypatch.setattr(trainer, "request_stop", lambda: (pressed.append(True), press()))
    trainer.config.epochs = 10_000
    doctor = Doctor(every=1e-9, say=lambda _: flags.append(trainer._stop.is_set()), repeat=0.0, n_judged=32)
    doctor.watch(trainer, 0.5)
    assert trainer.steps > 0 and len(flags) == len(doctor.diagnoses) >= 2
    assert not pressed and not any(flags)  # at every check-up, the last one after the time ran out too
    assert trainer.stop_signal is None and trainer.stopped_early  # stopped by the time, quietly


def test_the_learners_first_stop_press_under_the_doctor_pauses(trainer):
    """A press while the doctor watches is a first press: training pauses after the batch, nothing is cut short."""
    import signal

    from gan_lessons.lesson_training import was_stopped

    trainer.config.epochs = 10_000
    said = []

    def say(text: str) -> None:
        said.append(text)
        if len(said) == 2:  # the learner presses the stop button (Ctrl-C) once, during the watch
            signal.raise_signal(signal.SIGINT)

    doctor = Doctor(every=1e-9, say=say, repeat=0.0, n_judged=32)
    doctor.watch(trainer, 60.0)  # no KeyboardInterrupt: the first press only asks to pause
    assert trainer.stop_signal == signal.SIGINT and was_stopped(trainer) and trainer.stopped_early
    assert len(doctor.history) == len(doctor.diagnoses) == len(said)  # no check-up was cut short


def test_the_benchmark_replays_recorded_runs_by_todays_rule(capsys):
    """benchmarks/doctor.py --replay: the recorded runs named again, its table and its count (no training)."""
    import importlib.util

    path = Path(__file__).parent.parent / "benchmarks" / "doctor.py"
    spec = importlib.util.spec_from_file_location("doctor_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--replay", str(RECORDED)]) == 0
    out = capsys.readouterr().out
    runs = json.loads(RECORDED.read_text())
    assert f"{len(runs) - len(KNOWN_MISSES)} of {len(runs)} runs named as expected" in out
    row = next(line for line in out.splitlines() if line.startswith("collapse (forger 6 steps per D step) mode"))
    assert row.split()[8:16] == ["0", "0", "0", "2", "0", "0", "0", "0"]  # both seeds named mode collapse
