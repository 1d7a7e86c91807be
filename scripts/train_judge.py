"""Train the digit judge shipped in gan_lessons/assets/judge.pt (lesson 08).

A small CNN learns MNIST's 60,000 training digits (slightly moved, turned and resized at random,
so that it also reads digits a generator draws a little off-centre). It also sees junk pictures
(noise, blobs, scrambled digits) with the answer "every digit equally likely", so that it is
unsure, not confidently wrong, when a picture is no digit at all. Then it is tested on the
10,000 test digits, and the features of those test digits are stored beside the weights for
the Fréchet distance (two random halves of 5,000).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_judge.py ../shared/data/mnist

Same seed, same machine type: the same weights. About 4 minutes on one CPU core.
"""

import argparse
import math
import time

import torch
import torch.nn.functional as F

from gan_lessons.checkpoints import FORMAT, save_atomic
from gan_lessons.data import read_mnist_folder, to_model_range
from gan_lessons.judge import FD_SIZE, JUDGE_PATH, DigitJudge, feature_stats, frechet_from_stats, read_digits


def wobble(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Move (up to 2 px), turn (up to 12 degrees) and resize (0.9-1.1) each digit (B, 1, 28, 28) at random."""
    b = len(x)
    angle = (torch.rand(b, generator=g) * 2 - 1) * math.radians(12)
    scale = 1 + (torch.rand(b, generator=g) * 2 - 1) * 0.1
    shift = (torch.rand(b, 2, generator=g) * 2 - 1) * (2 / 14)  # 2 px in grid units (28 px = 2 units)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (B, 28, 28, 2)
    return F.grid_sample(x + 1, grid, align_corners=False, padding_mode="zeros") - 1  # pad with black (-1)


def junk(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Pictures that are no digit (B, 1, 28, 28): uniform noise, smooth blobs, digits cut in 7x7 tiles and shuffled."""
    b = len(x)
    noise = torch.rand(b, 1, 28, 28, generator=g) * 2 - 1
    blobs = F.interpolate(torch.randn(b, 1, 7, 7, generator=g), size=28, mode="bilinear", align_corners=False)
    blobs = (blobs * 2).clamp(-1, 1)
    tiles = x.unfold(2, 7, 7).unfold(3, 7, 7).reshape(b, 16, 7, 7)  # (B, 16 tiles, 7, 7)
    tiles = tiles[:, torch.randperm(16, generator=g)]
    scrambled = tiles.reshape(b, 4, 4, 7, 7).permute(0, 1, 3, 2, 4).reshape(b, 1, 28, 28)
    kind = torch.randint(0, 3, (b, 1, 1, 1), generator=g)
    return torch.where(kind == 0, noise, torch.where(kind == 1, blobs, scrambled))


def train(images: torch.Tensor, labels: torch.Tensor, epochs: int, seed: int) -> DigitJudge:
    """Adam, batches of 128 digits plus 32 junk pictures, the learning rate falling over the epochs."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    judge = DigitJudge()
    opt = torch.optim.Adam(judge.parameters(), lr=1e-3)
    steps = epochs * math.ceil(len(images) / 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    judge.train()
    for epoch in range(epochs):
        start, order, correct = time.perf_counter(), torch.randperm(len(images), generator=g), 0
        for i in range(0, len(images), 128):
            idx = order[i : i + 128]
            x, y = wobble(images[idx], g), labels[idx]  # (B, 1, 28, 28), (B,)
            bad = junk(images[idx[:32]], g)  # (32, 1, 28, 28)
            logits = judge(torch.cat([x, bad]))  # (B + 32, 10)
            loss = F.cross_entropy(logits[: len(x)], y)
            loss = loss - 0.5 * logits[len(x) :].log_softmax(dim=1).mean()  # junk: aim for 1/10 each
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            correct += (logits[: len(x)].argmax(1) == y).sum().item()
        print(f"epoch {epoch + 1}/{epochs}: training accuracy {correct / len(images):.2%} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
    return judge.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="folder with the full MNIST files")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(JUDGE_PATH))
    args = parser.parse_args()
    train_set, test_set = read_mnist_folder(args.folder, True), read_mnist_folder(args.folder, False)
    start = time.perf_counter()
    judge = train(to_model_range(train_set.images), train_set.labels, args.epochs, args.seed)
    minutes = (time.perf_counter() - start) / 60
    probs, feats = read_digits(test_set.images, judge)  # (10000, 10), (10000, 128)
    accuracy = (probs.argmax(1) == test_set.labels).float().mean().item()
    sure = (probs.max(1).values >= 0.9).float().mean().item()
    # Two random halves: MNIST's first 5,000 test digits are neater than its last 5,000, so a first-last split
    # would measure that difference, not just the chance differences between two sets of real digits.
    halves = torch.randperm(len(feats), generator=torch.Generator().manual_seed(args.seed))
    half_a, half_b = feats[halves[:FD_SIZE]], feats[halves[FD_SIZE : 2 * FD_SIZE]]
    mean_b, cov_b = feature_stats(half_b)
    real_vs_real = frechet_from_stats(*feature_stats(half_a), mean_b, cov_b)
    obj = {
        "format": FORMAT, "kind": "judge", "width": 32, "n_features": 128,
        "state": judge.state_dict(), "accuracy": accuracy, "seed": args.seed, "epochs": args.epochs,
        "features_a": half_a.half(), "mean_b": mean_b.float(), "cov_b": cov_b.float(),
    }  # fmt: skip
    save_atomic(obj, args.out)
    print(f"Trained in {minutes:.1f} min with {torch.get_num_threads()} thread(s). Test accuracy {accuracy:.2%}; "
          f"test digits read with >= 90% confidence: {sure:.2%}; Fréchet distance between the two halves of the "
          f"test set: {real_vs_real:.3f}. Wrote {args.out}.")  # fmt: skip


if __name__ == "__main__":
    main()
