"""A user's own GAN, end to end: a keras-io-style MNIST GAN redacted from the command line.

The worked example of docs/own_models.md, measured:

1. a GAN built and trained the way keras-io's examples do it (`conditional_gan.py`'s MNIST
   networks without the condition, `dcgan_overriding_train_step.py`'s `train_step`):
   a generator ending in a sigmoid (images in [0, 1]), a discriminator ending in
   `Dense(1)` trained with `BinaryCrossentropy(from_logits=True)` and fake = 1, on the
   embedded MNIST digits scaled to [0, 1]; no keras_redact code. G and D saved as `.keras`;
2. `bin/pretrain --what=classifier` on the same data;
3. `bin/redact --generator=... --discriminator=... --classifier=... --labels=0`, nothing else;
4. `bin/evaluate` on the redacted generator, `bin/export` of it.

Prints the figures and writes them, with the commands, the commit and the machine, to
`<work_dir>/own_model.json` (and `--record`, if given).

    python benchmarks/own_model.py --gan_epochs=30 --record=own_model_30_epochs
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import subprocess
import sys
import time

from absl import app, flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import records  # noqa: E402
from keras_io_gan import keras_io_gan, keras_io_gan_model, mnist_digits  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
_WORK_DIR = flags.DEFINE_string("work_dir", None, "Folder for the run (default: "
                                "runs/own-model-<timestamp>).")
_GAN_EPOCHS = flags.DEFINE_integer("gan_epochs", 30, "Epochs of the keras-io-style GAN.")
_CLASSIFIER_EPOCHS = flags.DEFINE_integer("classifier_epochs", 10,
                                          "Epochs of bin/pretrain --what=classifier.")
_LABEL = flags.DEFINE_integer("label", 0, "The digit to redact.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the GAN's training.")

def train_gan(work: pathlib.Path, epochs: int, seed: int) -> float:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    generator, discriminator = keras_io_gan()
    gan = keras_io_gan_model(generator, discriminator)
    data = tf.data.Dataset.from_tensor_slices(mnist_digits()).shuffle(4096, seed=seed)
    start = time.time()
    gan.fit(data.batch(64, drop_remainder=True).prefetch(2), epochs=epochs, verbose=2)
    generator.save(work / "g.keras")
    discriminator.save(work / "d.keras")
    return time.time() - start


def _command(args, work) -> float:
    print("$", " ".join(args), flush=True)
    start = time.time()
    subprocess.run(args, cwd=ROOT, check=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return time.time() - start


def main(argv):
    del argv
    stamp = datetime.datetime.now()
    work = pathlib.Path(_WORK_DIR.value or ROOT / "runs" / f"own-model-{stamp:%Y%m%d-%H%M%S}")
    work.mkdir(parents=True, exist_ok=False)
    seconds = {"gan": train_gan(work, _GAN_EPOCHS.value, _SEED.value)}
    commands = {
        "classifier": ["bin/pretrain", "--what=classifier",
                       f"--epochs={_CLASSIFIER_EPOCHS.value}", "--base_filters=8",
                       f"--output_dir={work / 'classifier'}",
                       f"--work_dir={work / 'classifier-work'}"],
        "redact": ["bin/redact", f"--generator={work / 'g.keras'}",
                   f"--discriminator={work / 'd.keras'}",
                   f"--classifier={work / 'classifier' / 'classifier.keras'}",
                   f"--labels={_LABEL.value}", f"--output_dir={work / 'redact'}"],
        "evaluate": ["bin/evaluate", f"--generator={work / 'redact' / 'generator.keras'}",
                     f"--classifier={work / 'classifier' / 'classifier.keras'}",
                     f"--labels={_LABEL.value}", "--eval_samples=10000",
                     f"--output_dir={work / 'evaluate'}"],
        "export": ["bin/export", f"--generator={work / 'redact' / 'generator.keras'}",
                   f"--export_dir={work / 'export'}"],
    }
    for name, args in commands.items():
        seconds[name] = _command([sys.executable, *args], work)
    metrics = json.loads((work / "redact" / "metrics.json").read_text())
    evaluated = json.loads((work / "evaluate" / "metrics.json").read_text())
    before, after = metrics["class_shares_before"], metrics["class_shares_after"]
    label = _LABEL.value
    kept = [c for c in range(len(before)) if c != label]
    ratios = {c: (after[c] / before[c] if before[c] else None) for c in kept}
    record = {
        "what": "keras-io-style MNIST GAN redacted with bin/redact (docs/own_models.md)",
        "commands": {"gan": f"python benchmarks/own_model.py --gan_epochs={_GAN_EPOCHS.value}"
                     f" --seed={_SEED.value}",
                     **{k: " ".join(v) for k, v in commands.items()}},
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "model_contract": metrics["model_contract"],
        "quality_guard": {k: metrics["quality_guard"][k]
                          for k in ("stopped_epoch", "restored_epoch", "message")}
        if metrics.get("quality_guard") else None,
        "label": label,
        "invalidity_before": metrics["invalidity_before"],
        "invalidity_after": metrics["invalidity_after"],
        "reduction": (metrics["invalidity_before"] / metrics["invalidity_after"]
                      if metrics["invalidity_after"] else None),
        "class_shares_before": before, "class_shares_after": after,
        "kept_share_ratios": ratios,
        "kept_shares_within_0.5_2x": all(r is not None and 0.5 <= r <= 2.0
                                         for r in ratios.values() if before[kept[0]] >= 0),
        "inception_score_before": metrics["inception_score_before"],
        "inception_score_after": metrics["inception_score_after"],
        "evaluate_invalidity": evaluated.get("invalidity"),
        "epochs": metrics["epochs"],
    }
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    (work / "own_model.json").write_text(text)
    records.write(record.pop("what"), record)
    print(text)


if __name__ == "__main__":
    app.run(main)
