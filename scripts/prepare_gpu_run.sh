#!/usr/bin/env bash
# Prepare what a run of benchmarks/gpu_check.py on an offline GPU machine carries (README, "GPU"):
#   .mnist/  MNIST's four .gz files (from MNIST_DIR, default ../shared/data/mnist)
#   .whl/    IPython (to run the lessons) and ipywidgets (for the widget test), with the pure-Python
#            packages they need that the GPU machine lacks, as wheels for its Python 3.12.
# Both folders are git-ignored. Usage, from anywhere: bash scripts/prepare_gpu_run.sh [MNIST_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
MNIST_DIR=${1:-../shared/data/mnist}
PY=${PY:-python3}

mkdir -p .mnist .whl
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [ -f "$MNIST_DIR/$f" ] || { echo "prepare_gpu_run: $MNIST_DIR/$f is missing; pass the MNIST folder as the argument" >&2; exit 1; }
    cp "$MNIST_DIR/$f" .mnist/
done

# The versions this project's tests ran with; one version of each, all pure Python.
WHEELS="ipython==9.18.1 ipython-pygments-lexers==1.1.1 traitlets==5.16.1 jedi==0.20.1 parso==0.8.7
 matplotlib-inline==0.2.2 pexpect==4.9.0 ptyprocess==0.7.0 prompt_toolkit==3.0.53 wcwidth==0.9.4
 stack_data==0.6.3 asttokens==3.0.2 executing==2.3.0 pure_eval==0.2.4
 ipywidgets==8.1.9 comm==0.2.3 widgetsnbextension==4.0.16 jupyterlab_widgets==3.0.17"
rm -f .whl/*.whl
# shellcheck disable=SC2086
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform any -d .whl $WHEELS
echo "prepare_gpu_run: $(ls .mnist | wc -l) MNIST files in .mnist ($(du -sh .mnist | cut -f1)), $(ls .whl | wc -l) wheels in .whl ($(du -sh .whl | cut -f1))"
