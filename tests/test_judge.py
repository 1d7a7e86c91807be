"""gan_lessons.judge: the shipped digit judge, its three numbers, and the Fréchet distance's maths."""

import math

import pytest
import torch
from torch import nn

from gan_lessons.checkpoints import CheckpointError, save_atomic
from gan_lessons.data import read_mnist_folder, to_model_range
from gan_lessons.judge import (
    JUDGE_PATH,
    as_model_range,
    coverage_warning,
    digit_counts,
    feature_stats,
    frechet_distance,
    frechet_from_stats,
    judge_digits,
    judge_generator,
    load_judge,
    read_digits,
    recognizability,
)


@pytest.fixture(scope="module")
def judge():
    return load_judge()


def test_shipped_judge_is_small_and_knows_its_accuracy(judge):
    assert JUDGE_PATH.stat().st_size <= 5 * 2**20
    assert judge.accuracy >= 0.99 and not judge.training
    assert judge.reference.features_a.shape == (5000, 128) and judge.reference.cov_b.shape == (128, 128)


def test_judge_reaches_99_percent_on_the_test_set(judge, shared_mnist):
    test = read_mnist_folder(shared_mnist, train=False)
    probs, feats = read_digits(test.images, judge)  # (10000, 10), (10000, 128)
    assert (probs.argmax(1) == test.labels).float().mean() >= 0.99
    assert recognizability(probs) >= 0.95 and feats.shape == (10_000, 128)


def test_real_digits_are_recognizable_and_cover_every_digit(judge, sample):
    report = judge_digits(sample.images[:2000], judge)  # uint8 (N, 28, 28) is accepted too
    assert report.recognizability >= 0.95
    assert report.covered == 10 and report.warning is None
    assert all(0.07 < s < 0.13 for s in report.shares)
    assert report.fd_n == 2000 and report.fd < 3 * report.fd_real  # training digits differ a little from test ones


@pytest.mark.parametrize("kind", ["uniform", "gaussian", "black", "dots"])
def test_noise_is_not_recognizable(judge, kind):
    g = torch.Generator().manual_seed(1)
    noise = {
        "uniform": torch.rand(500, 1, 28, 28, generator=g) * 2 - 1,
        "gaussian": torch.randn(500, 1, 28, 28, generator=g).clamp(-1, 1),
        "black": -torch.ones(500, 1, 28, 28),
        "dots": (torch.rand(500, 1, 28, 28, generator=g) < 0.1).float() * 2 - 1,
    }[kind]
    report = judge_digits(noise, judge)
    assert report.recognizability <= 0.05
    assert report.fd > 5 * report.fd_real


class OnlyOnes(nn.Module):
    """A generator that has collapsed onto one digit: whatever the noise, it draws a real 1."""

    def __init__(self, ones: torch.Tensor):
        super().__init__()
        self.z_dim = 100
        self.ones = nn.Parameter(ones, requires_grad=False)  # (K, 1, 28, 28)

    def forward(self, z):
        return self.ones[torch.arange(len(z)) % len(self.ones)]  # (B, 1, 28, 28)


def test_a_collapsed_generator_gets_a_warning_naming_the_missing_digits(judge, sample):
    ones = to_model_range(sample.images[sample.labels == 1][:50])  # (50, 1, 28, 28)
    report = judge_generator(OnlyOnes(ones), n=300, judge=judge)
    assert report.recognizability >= 0.9  # each digit is fine: only the counts reveal the collapse
    assert report.counts[1] >= 290 and report.covered == 1
    assert "missing or very rare: 0, 2, 3, 4, 5, 6, 7, 8, 9" in report.warning
    assert "far too common: 1 (" in report.warning and "mode collapse" in report.warning
    assert "Warning" in str(report)


def test_coverage_warning_thresholds():
    assert coverage_warning([100] * 10) is None
    assert coverage_warning([250, 250] + [63] * 4 + [62] * 4) is None  # 25% is still allowed, 2.5% too
    assert coverage_warning([300] + [78] * 9) == (
        "Warning: mode collapse? The generator draws only some digits. Digits far too common: 0 (30%). "
        "A fair share is 10% each (of 1,002 digits)."
    )
    assert "missing or very rare: 9" in coverage_warning([111] * 9 + [1])
    with pytest.raises(ValueError, match="10 digit counts"):
        coverage_warning([1, 2, 3])


def test_counts_and_recognizability_from_probabilities():
    probs = torch.tensor([[0.95] + [0.05 / 9] * 9, [0.5, 0.5] + [0.0] * 8, [0.0] * 9 + [1.0]])
    assert recognizability(probs) == pytest.approx(2 / 3)
    assert recognizability(probs, threshold=0.99) == pytest.approx(1 / 3)
    assert digit_counts(probs) == [2, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def _trace_sqrt_2x2(a: torch.Tensor) -> float:
    """For a 2x2 matrix with positive eigenvalues l1, l2: (sqrt l1 + sqrt l2)^2 = tr A + 2 sqrt(det A)."""
    return math.sqrt(a.trace().item() + 2 * math.sqrt(torch.linalg.det(a).item()))


def test_frechet_matches_an_independent_2x2_calculation():
    g = torch.Generator().manual_seed(3)
    for _ in range(5):
        m1, m2 = torch.randn(2, generator=g, dtype=torch.float64), torch.randn(2, generator=g, dtype=torch.float64)
        r1, r2 = (
            torch.randn(2, 2, generator=g, dtype=torch.float64),
            torch.randn(2, 2, generator=g, dtype=torch.float64),
        )
        c1, c2 = r1 @ r1.T + 0.1 * torch.eye(2), r2 @ r2.T + 0.1 * torch.eye(2)  # random covariances
        expected = (m1 - m2).square().sum() + c1.trace() + c2.trace() - 2 * _trace_sqrt_2x2(c1 @ c2)
        assert frechet_from_stats(m1, c1, m2, c2) == pytest.approx(expected.item(), rel=1e-9, abs=1e-9)


def test_frechet_in_one_dimension_and_its_basic_rules():
    # 1-D Gaussians: (m1 - m2)^2 + (s1 - s2)^2
    one = frechet_from_stats(torch.tensor([1.0]), torch.tensor([[4.0]]), torch.tensor([3.0]), torch.tensor([[9.0]]))
    assert one == pytest.approx((1 - 3) ** 2 + (2 - 3) ** 2)
    g = torch.Generator().manual_seed(4)
    a, b = torch.randn(400, 6, generator=g), torch.randn(300, 6, generator=g) * 2 + 1
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-8)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)
    assert frechet_distance(a, a + 3) == pytest.approx(6 * 9, rel=1e-9)  # shifting moves only the means
    mean, cov = feature_stats(a)
    assert torch.allclose(cov, torch.cov(a.T.double()))
    with pytest.raises(ValueError, match=r"\(N, F\) with N >= 2"):
        feature_stats(torch.randn(1, 6))


@pytest.mark.parametrize(
    "bad, message",
    [(torch.zeros(4, 3, 28, 28), r"\(N, 1, 28, 28\).*\(4, 3, 28, 28\)"),
     (torch.zeros(4, 1, 28, 28, dtype=torch.int64), r"float32 numbers in \[-1, 1\] or uint8 pixels"),
     (torch.full((4, 1, 28, 28), 3.0), r"in \[-1, 1\]"),
     (torch.full((4, 1, 28, 28), float("nan")), r"in \[-1, 1\]")],
)  # fmt: skip
def test_bad_digits_get_a_clear_error(bad, message):
    with pytest.raises(ValueError, match=message):
        as_model_range(bad)


def test_uint8_and_float_digits_are_judged_alike(judge, sample):
    pixels = sample.images[:200]
    a, b = judge_digits(pixels, judge), judge_digits(to_model_range(pixels), judge)
    assert a.counts == b.counts and a.fd == pytest.approx(b.fd)


def test_a_file_that_is_not_a_judge_is_refused(tmp_path):
    save_atomic({"format": "gan-lessons", "kind": "generator"}, tmp_path / "g.pt")
    with pytest.raises(CheckpointError, match="not a gan-lessons judge file"):
        load_judge(tmp_path / "g.pt")
    save_atomic({"format": "gan-lessons", "kind": "judge", "state": {}}, tmp_path / "j.pt")
    with pytest.raises(CheckpointError, match="damaged"):
        load_judge(tmp_path / "j.pt")


def test_cli_judges_a_file_of_digits(sample, tmp_path, capsys):
    from gan_lessons.cli import main

    torch.save(sample.images[:500].unsqueeze(1).clone(), tmp_path / "real.pt")  # uint8 (500, 1, 28, 28)
    assert main(["judge", "--samples", str(tmp_path / "real.pt")]) == 0
    printed = capsys.readouterr().out
    assert "Judged 500 digits." in printed and "real against real" in printed
    share = float(printed.split("sure): ")[1].split("%")[0])
    assert share >= 95


@pytest.mark.parametrize(
    "content, message",
    [(None, "No file at"), (torch.zeros(3, 2, 28, 28, dtype=torch.uint8), "(N, 1, 28, 28)"),
     ({"a": 1}, "holds a dict"), (b"hello", "not a file of digits")],
)  # fmt: skip
def test_cli_judge_explains_bad_files(tmp_path, capsys, content, message):
    from gan_lessons.cli import main

    path = tmp_path / "digits.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        torch.save(content, path)
    assert main(["judge", "--samples", str(path)]) == 1
    assert message in capsys.readouterr().err


def test_recognizability_curve_trains_for_the_time_asked(small):
    from gan_lessons.judge import recognizability_curve
    from gan_lessons.training import TrainConfig, Trainer

    trainer = Trainer(small, TrainConfig(arch="dcgan", epochs=10_000, batch_size=32, max_batches=4), "cpu")
    curve = recognizability_curve(trainer, seconds=1.0, every=0.5, n=50)
    times = [s for s, _ in curve]
    assert times[0] == 0 and times == sorted(times) and 2 <= len(curve) <= 3  # at most one point per 0.5 s
    assert 1.0 <= times[-1] < 30 and all(0 <= r <= 1 for _, r in curve)  # a slow, shared CPU may overshoot
    assert trainer.epoch * trainer.batches_per_epoch + trainer.batch >= 1  # it trained (how far depends on the CPU)
    done = Trainer(small, TrainConfig(arch="dcgan", epochs=1, batch_size=32, max_batches=2), "cpu")
    short = recognizability_curve(done, seconds=60, every=30, n=50)  # the epochs end long before 60 s
    assert len(short) == 2 and short[-1][0] < 30 and done.epoch == 1
    with pytest.raises(ValueError, match="must be > 0"):
        recognizability_curve(done, seconds=0)
