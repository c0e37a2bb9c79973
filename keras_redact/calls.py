"""One network pass per model and batch, however many functions of a batch ask for it.

A measurement counts several things of one batch (Omega's membership, each of its parts,
the judge's count and likeness), and each is a function that calls the label classifier
(or the judge) on the batch itself. Within `shared()`, a Keras model called again on the
same tensor returns its first output instead of running again: inside a `tf.function`
trace that makes one classifier pass where there were three.
"""

from __future__ import annotations

import contextlib
import threading

import keras

_STATE = threading.local()


@contextlib.contextmanager
def shared():
    """Within the block, `call(model, x)` runs `model` once per input tensor."""
    previous = getattr(_STATE, "outputs", None)
    _STATE.outputs = {}
    try:
        yield
    finally:
        _STATE.outputs = previous


def call(model, samples):
    """`model` on one batch: images, or the pair `(images, labels)` as a list; in inference
    mode for a Keras model, shared with earlier calls on the same tensors in `shared()`.
    Other callables are called as they are."""
    if not isinstance(model, keras.Model):
        return model(samples)
    pair = isinstance(samples, (tuple, list))
    inputs = list(samples) if pair else samples
    outputs = getattr(_STATE, "outputs", None)
    try:
        key = (id(model), *(t.ref() for t in (inputs if pair else [inputs])))
    except AttributeError:  # numpy input: nothing to share
        key = None
    if outputs is None or key is None:
        return model(inputs, training=False)
    if key not in outputs:
        # The model and inputs are kept with the output, so their ids stay theirs.
        outputs[key] = (model, inputs, model(inputs, training=False))
    return outputs[key][2]
