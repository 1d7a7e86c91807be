"""Export the generator of a training checkpoint as shipped weights (float16), and check the pictures stay the same.

python scripts/export_generator.py runs/classic-full/checkpoint.pt gan_lessons/weights/classic.pt
python scripts/export_generator.py --measure-batchnorm runs/dcgan/checkpoint.pt gan_lessons/weights/dcgan.pt
"""

import argparse

import torch

from gan_lessons.data import to_pixels
from gan_lessons.models import generate, is_conditional, make_noise
from gan_lessons.pretrained import load_generator, save_generator
from gan_lessons.training import measure_batchnorm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a checkpoint.pt written by `gan-lessons train`")
    parser.add_argument("out", help="where to write the generator's weights")
    parser.add_argument("--measure-batchnorm", action="store_true",
                        help="measure the BatchNorm statistics again for the generator's own weights (100 batches "
                             "of 256 noise vectors, seed 0): right for a running average")  # fmt: skip
    args = parser.parse_args()
    full = load_generator(args.checkpoint)  # float32, from the checkpoint (its running average, when it kept one)
    if args.measure_batchnorm:
        measure_batchnorm(full).eval()
    arch = torch.load(args.checkpoint, weights_only=True)["arch"]
    path = save_generator(full, arch, args.out, half=True)
    half = load_generator(path)
    z = make_noise(1000, full.z_dim, seed=0)
    labels = torch.arange(1000) % 10 if is_conditional(full) else None  # a conditional one draws 0..9 in turn
    diff = (to_pixels(generate(full, z, labels)).int() - to_pixels(generate(half, z, labels)).int()).abs()
    print(f"wrote {path} ({path.stat().st_size / 2**20:.2f} MB); float16 vs float32 on 1,000 digits: "
          f"max pixel difference {int(diff.max())} of 255, mean {diff.float().mean():.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
