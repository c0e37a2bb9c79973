"""The model contract: what G, D, the classifiers and the data must be, found and adapted.

Users bring GANs built by their own conventions: keras-io's generators end in a sigmoid
(samples in [0, 1]) and their discriminators in `Dense(1)` trained `from_logits` (and label
*fake* as 1); keras-redact's own end in tanh and a probability of *real*. This module reads
each model's convention, checks it before any work, and adapts what has a GAN meaning:

- generator: its output range ([-1, 1], [0, 1], any other bounded range, or unbounded),
  read from its last layers (tanh, sigmoid, a `Rescaling` after them, a linear layer),
  else from 512 samples; declare `generator_range=` where neither tells.
- discriminator: one value per sample, a probability (sigmoid) or a logit (linear), read
  from its last layer, else from its outputs (`discriminator_output=`); which side means
  "real", from D on real and generated samples.
- discriminator and classifiers: the range of the images they take, from an
  `input_range` attribute (keras-redact's models: [-1, 1]) or a first `Rescaling` of
  pixels ([0, 255]); else G's range, since they were trained on its data
  (`discriminator_range=`, `classifier_range=`).
- data: uint8 images, or floats inside G's range.

Refused, with the reason: a discriminator with several outputs or several values per
sample, one whose last activation is neither sigmoid nor linear, a WGAN critic (declared,
or a linear D whose outputs have no probability meaning: on real and generated samples
alike it says "real", or "fake", almost surely), and batch normalisation in D (its output
for a sample would depend on the rest of the batch: docs/own_models.md).

Adapted: a bounded generator's samples are handled in one internal range, [-1, 1] (the
DCGAN convention the presets, grids and exports use): G is wrapped to map its range there,
and D and every classifier are wrapped to map [-1, 1] back to the range *they* take, so
each model sees samples in its own range whatever G's range is. uint8 data are scaled to
[-1, 1] (which is G's range mapped there), float data must lie in G's range and are mapped
with G's samples. A discriminator that labels fake as 1 is negated. Wrappers share the
user's weights: training the wrapper trains the user's model, which is what is saved.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from keras_redact import conditions as cond_lib
from keras_redact import seeds

INTERNAL_RANGE = (-1.0, 1.0)
"""The range bounded samples are handled in (G's samples, the data, D's and f's inputs)."""

DISCRIMINATOR_OUTPUTS = ("probability", "logit")
"""What a discriminator may give: the probability that a sample is real, or its logit."""

PIXEL_RANGE = (0.0, 255.0)

MIN_SIDE_GAP = 0.05
"""How much more, in probability, D must say "real" on generated samples than on real
ones to be read as labelling fake as 1 (keras-io's convention)."""

_RANGE_OF_ACTIVATION = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0),
                        "hard_sigmoid": (0.0, 1.0), "hard_tanh": (-1.0, 1.0),
                        "soft_sign": (-1.0, 1.0), "softsign": (-1.0, 1.0)}
_UNBOUNDED_ACTIVATIONS = ("linear", "relu", "leaky_relu", "elu", "selu", "gelu", "silu",
                          "swish", "softplus", "relu6", "exponential", "mish")
# Layers whose output values are among their input's: the range passes through them.
_RANGE_PRESERVING = ("Reshape", "Flatten", "Permute", "Cropping1D", "Cropping2D",
                     "Cropping3D", "Identity", "Dropout", "SpatialDropout1D",
                     "SpatialDropout2D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
                     "RepeatVector", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
                     "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "Resizing")
_SAMPLES = 512


@dataclasses.dataclass(frozen=True)
class Found:
    """One fact of the contract: its value, and how it was found (for the run's record)."""

    value: object
    how: str

    def as_dict(self) -> dict:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"value": value, "how": self.how}


@dataclasses.dataclass(frozen=True)
class Contract:
    """What the models of a run are, as found (or declared) before any work.

    Attributes:
        generator_range: G's output range `(low, high)`, or None (unbounded).
        discriminator_output: `"probability"` or `"logit"`.
        discriminator_real: Whether D's output grows with "real" (False: keras-io's
            fake = 1, negated by `adapt`).
        discriminator_range: The range of the samples D takes (None: unbounded).
        classifier_range: The range of the images the classifiers take (None: unbounded).
        data: What the data were and how they were brought to the models.
    """

    generator_range: Found
    discriminator_output: Found
    discriminator_real: Found
    discriminator_range: Found
    classifier_range: Found
    data: Found | None = None

    def as_dict(self) -> dict:
        """The record `metrics.json` keeps (`model_contract`)."""
        return {field.name: getattr(self, field.name).as_dict()
                for field in dataclasses.fields(self) if getattr(self, field.name)}

    def lines(self) -> list[str]:
        """One line per fact, for `report.md` and the job's output."""
        return [f"{name.replace('_', ' ')}: {show(found.value)} ({found.how})"
                for name, found in ((f.name, getattr(self, f.name))
                                    for f in dataclasses.fields(self)) if found]


def show(value) -> str:
    """A found value as the report writes it: a range, "unbounded", a side, a kind."""
    if isinstance(value, (tuple, list)):
        return f"[{value[0]:g}, {value[1]:g}]"
    if value is None:
        return "unbounded"
    if isinstance(value, bool):
        return "real = high" if value else "fake = high (negated)"
    return str(value)


# === Reading a model's structure ===


def _producer(tensor):
    history = getattr(tensor, "_keras_history", None)
    return history[0] if history else None


def _inbound(layer, tensor):
    """The tensor that entered `layer` to make `tensor` (None if not one)."""
    for node in getattr(layer, "_inbound_nodes", []):
        if any(t is tensor for t in node.output_tensors):
            inputs = node.input_tensors
            return inputs[0] if len(inputs) == 1 else None
    return None


def _activation_name(layer) -> str | None:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    name = keras.activations.serialize(activation)
    if isinstance(name, dict):
        name = name.get("config", name.get("class_name"))
    return str(name).lower()


def _range_of_tensor(tensor, depth=0):
    """`("bounded", (low, high))`, `("unbounded", None)` or `("unknown", None)`, and how."""
    layer = _producer(tensor)
    if layer is None or depth > 50:
        return "unknown", None, None
    kind = type(layer).__name__
    if isinstance(layer, keras.Model) and getattr(layer, "outputs", None):
        if len(layer.outputs) != 1:
            return "unknown", None, None
        return _range_of_tensor(layer.outputs[0], depth + 1)
    if kind == "Rescaling":
        found, (low, high), how = _bounded_input(layer, tensor, depth)
        if found != "bounded":
            return found, None, how
        scale, offset = float(np.mean(layer.scale)), float(np.mean(layer.offset))
        ends = sorted((low * scale + offset, high * scale + offset))
        return "bounded", tuple(ends), f"{how} then Rescaling({scale:g}, offset={offset:g})"
    if kind in _RANGE_PRESERVING:
        found, value, how = _bounded_input(layer, tensor, depth)
        return found, value, how
    if kind in ("ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"):
        return ("bounded", (0.0, 1.0), "its last layer: softmax") if kind == "Softmax" \
            else ("unbounded", None, f"its last layer: {kind}")
    name = _activation_name(layer)
    if name in _RANGE_OF_ACTIVATION:
        return "bounded", _RANGE_OF_ACTIVATION[name], f"its last activation: {name}"
    if name in _UNBOUNDED_ACTIVATIONS:
        return "unbounded", None, f"its last activation: {name}"
    if name == "softmax":
        return "bounded", (0.0, 1.0), "its last activation: softmax"
    return "unknown", None, None


def _bounded_input(layer, tensor, depth):
    source = _inbound(layer, tensor)
    if source is None:
        return "unknown", (None, None), None
    found, value, how = _range_of_tensor(source, depth + 1)
    return found, value or (None, None), how


def output_activation(model) -> tuple[str, str | None]:
    """The last activation of a one-output model: `(name, how)`, name "unknown" if unread.

    Looks through layers that keep values (reshapes, crops) to the layer that made them.
    """
    outputs = getattr(model, "outputs", None)
    if not outputs or len(outputs) != 1:
        return "unknown", None
    tensor = outputs[0]
    for _ in range(50):
        layer = _producer(tensor)
        if layer is None:
            return "unknown", None
        if isinstance(layer, keras.Model) and getattr(layer, "outputs", None):
            return output_activation(layer)
        if type(layer).__name__ in ("Reshape", "Flatten", "Identity", "Dropout"):
            tensor = _inbound(layer, tensor)
            if tensor is None:
                return "unknown", None
            continue
        name = _activation_name(layer)
        if name is None:
            return "unknown", None
        return name, f"its last activation: {name}"
    return "unknown", None


def input_range(model) -> tuple[tuple[float, float] | None, str | None]:
    """The range of the samples a model takes, if the model says: `(range, how)`.

    keras-redact's models carry `input_range` ([-1, 1]); a model whose first layer is a
    `Rescaling` of pixels (scale 1/255 or 1/127.5) takes [0, 255].
    """
    declared = getattr(model, "input_range", None)
    if declared is not None:
        return tuple(float(v) for v in declared), f"{type(model).__name__}.input_range"
    for layer in getattr(model, "layers", [])[:3]:
        if type(layer).__name__ == "Rescaling":
            scale = float(np.mean(layer.scale))
            if any(abs(scale - s) < 1e-6 for s in (1 / 255, 1 / 127.5, 2 / 255)):
                return PIXEL_RANGE, f"its first layer: Rescaling({scale:.6g}) of pixels"
        if type(layer).__name__ not in ("InputLayer",):
            break
    return None, None


# === Checks and findings ===


def check_range(name: str, value) -> tuple[float, float] | None:
    """A declared range `(low, high)` with low < high, or None (unbounded)."""
    if value is None:
        return None
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (low, high) or None; received {value!r}") from None
    if not low < high:
        raise ValueError(f"{name} must have low < high; received {value!r}")
    return low, high


def find_generator_range(generator, declared="detect", seed: int = 0) -> Found:
    """G's output range: declared, read from its last layers, or from 512 samples.

    Samples decide only for a model whose layers do not say (a subclassed model): all in
    [0, 1] -> [0, 1], all in [-1, 1] -> [-1, 1], else unbounded.

    Args:
        declared: `(low, high)`, None (unbounded), `"detect"`, or a `Found` (returned).
    """
    if isinstance(declared, Found):
        return declared
    if declared != "detect":
        return Found(check_range("generator_range", declared), "declared")
    kind, value, how = _range_of_tensor(generator.outputs[0]) if getattr(
        generator, "outputs", None) else ("unknown", None, None)
    if kind == "bounded":
        return Found(value, how)
    if kind == "unbounded":
        return Found(None, how)
    samples = cond_lib.images_in(_draw_samples(generator, seed))
    low, high = float(samples.min()), float(samples.max())
    for candidate in ((0.0, 1.0), (-1.0, 1.0)):
        if candidate[0] <= low and high <= candidate[1]:
            return Found(candidate, f"{_SAMPLES} samples in [{low:.3g}, {high:.3g}]")
    return Found(None, f"{_SAMPLES} samples in [{low:.3g}, {high:.3g}]")


def check_discriminator(discriminator) -> None:
    """Raises ValueError unless D gives one value per sample and has no batch norm."""
    name = discriminator.name
    outputs = getattr(discriminator, "outputs", None) or []
    if len(outputs) != 1:
        raise ValueError(
            f"The discriminator {name} has {len(outputs)} outputs; a GAN discriminator has "
            "one: the probability (or logit) that a sample is real")
    shape = tuple(outputs[0].shape[1:])
    if shape not in ((), (1,)):
        raise ValueError(
            f"The discriminator {name} gives outputs of shape {shape} per sample; a GAN "
            "discriminator gives one value per sample (shape (1,)): the probability (or "
            "logit) that it is real")
    norms = [layer.name for layer in _all_layers(discriminator)
             if type(layer).__name__ in ("BatchNormalization", "SyncBatchNormalization")]
    if norms:
        raise ValueError(
            f"The discriminator {name} has batch normalisation ({norms[0]}): redaction "
            "judges real, generated and Omega samples in separate batches and reads D(x) "
            "per sample, which batch statistics make depend on the batch; use "
            "LayerNormalization, GroupNormalization or none")


def _all_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def find_discriminator_output(discriminator, declared=None, outputs=None) -> Found:
    """Whether D gives a probability or a logit: declared, its last activation, or outputs.

    Args:
        declared: `"probability"`, `"logit"`, or None (find it). `"critic"` is refused.
        outputs: Some of D's outputs, to decide for a model whose layers do not say: all
            in [0, 1] -> probability, else logit.

    Raises:
        ValueError: For a critic, or a last activation that is neither sigmoid nor linear.
    """
    if declared in ("critic", "wasserstein"):
        raise ValueError(
            "A WGAN critic is refused: its output is a score with no probability meaning, "
            "and eq. 3 needs D(x), the probability that x is real (train a discriminator "
            "with a sigmoid or logit output instead)")
    if declared is None and getattr(discriminator, "discriminator_output", None):
        return Found(discriminator.discriminator_output, "as adapted")
    if declared is not None:
        if declared not in DISCRIMINATOR_OUTPUTS:
            raise ValueError(f"discriminator_output must be one of {DISCRIMINATOR_OUTPUTS}; "
                             f"received {declared!r}")
        return Found(declared, "declared")
    name, how = output_activation(discriminator)
    if name == "sigmoid":
        return Found("probability", how)
    if name == "linear":
        return Found("logit", how)
    if name != "unknown":
        raise ValueError(
            f"The discriminator {discriminator.name} ends in {name}; a GAN discriminator "
            "gives the probability that a sample is real (sigmoid) or its logit (linear)")
    if outputs is None:
        return Found("probability", "assumed (its layers do not say; the paper's D)")
    outputs = np.asarray(outputs, np.float64)
    if outputs.min() >= 0.0 and outputs.max() <= 1.0:
        return Found("probability", f"{outputs.size} outputs in [0, 1]")
    return Found("logit", f"{outputs.size} outputs in [{outputs.min():.3g}, "
                 f"{outputs.max():.3g}]")


def discriminator_side(real_outputs, generated_outputs, from_logits: bool,
                       scrambled_outputs=None) -> Found:
    """Which side of D's output is "real", and a check that it has a probability meaning.

    A discriminator trained with binary cross-entropy near its optimum averages 1/2 over
    a batch half real, half generated (D* = p_data / (p_data + p_G), with label smoothing
    (a+ p_data + a- p_G) / (p_data + p_G)). One that says "real" (or "fake") almost surely
    on both is no probability of real: a WGAN critic, or a D far from its optimum.

    Near its optimum a good D tells real from generated samples by little, so the side
    is read first from samples no D could take for real: `scrambled_outputs`, D on real
    samples with their values shuffled within each sample (`scrambled`). Where those do
    not tell, from generated ones. Either way, the other side needs a clear lead: by
    `MIN_SIDE_GAP` in probability and 3 standard errors.

    Returns:
        `Found(False, ...)` when D clearly says "real" more on scrambled (or generated)
        samples than on real ones (keras-io's fake = 1), else `Found(True, ...)` (the
        paper's convention; "assumed" when D leans the other way by too little to tell).

    Raises:
        ValueError: If the outputs have no probability meaning.
    """
    real = np.asarray(real_outputs, np.float64).reshape(-1)
    generated = np.asarray(generated_outputs, np.float64).reshape(-1)

    def probability(o):
        return 1.0 / (1.0 + np.exp(-np.clip(o, -60, 60))) if from_logits else o

    balanced = 0.5 * (probability(real).mean() + probability(generated).mean())
    if not 0.02 <= balanced <= 0.98:
        kind = "logit" if from_logits else "probability"
        raise ValueError(
            f"The discriminator's outputs, read as a {kind}, say {balanced:.3g} on average "
            "over real and generated samples alike (a trained discriminator says about "
            "0.5): they have no probability meaning, as a WGAN critic's do not; redaction "
            "needs D(x), the probability (or logit) that x is real")
    leads = []
    probes = [("generated", generated)]
    if scrambled_outputs is not None:
        probes.insert(0, ("scrambled", np.asarray(scrambled_outputs, np.float64).reshape(-1)))
    for name, other in probes:
        p, q = probability(real), probability(other)
        gap = p.mean() - q.mean()
        spread = np.sqrt(p.var() / len(p) + q.var() / len(q)) + 1e-12
        how = f"mean on {len(real)} real {real.mean():.3g}, on {name} {other.mean():.3g}"
        if abs(gap) >= max(MIN_SIDE_GAP, 3 * spread):
            return Found(bool(gap > 0), how)
        leads.append(how)
    return Found(True, f"assumed ({'; '.join(leads)}: too close to tell)")


def scrambled(samples, seed: int = 0):
    """Samples no discriminator could take for real: each one's values shuffled.

    Images keep their pixel values and lose their shape; pairs keep their labels.
    """
    rng = np.random.default_rng(seed)
    images = np.asarray(cond_lib.images_in(samples))
    flat = images.reshape(len(images), -1)
    mixed = np.take_along_axis(flat, np.argsort(rng.random(flat.shape), axis=1), axis=1)
    mixed = mixed.reshape(images.shape)
    return (mixed, *samples[1:]) if isinstance(samples, (tuple, list)) else mixed


def sample_range(name: str, samples, expected) -> None:
    """Raises ValueError unless float samples lie in `expected` (None: any)."""
    if expected is None or samples.size == 0:
        return
    low, high = float(np.min(samples)), float(np.max(samples))
    tolerance = 1e-3 * (expected[1] - expected[0])
    if low < expected[0] - tolerance or high > expected[1] + tolerance:
        raise ValueError(
            f"The {name} lie in [{low:.4g}, {high:.4g}] but the generator makes samples "
            f"in {show(expected)}; scale them to the generator's range (uint8 images are "
            "scaled for you)")


def parse_declarations(text: str | None) -> dict:
    """`--model_contract`'s value as `adapt`'s declarations.

    `"generator_range=0:1,discriminator_output=logit,discriminator_real=false"`: ranges as
    `LOW:HIGH` (or `none`: unbounded), `discriminator_real` as true / false.

    Raises:
        ValueError: For an entry that is not `key=value`, or a value of the wrong form.
    """
    declared = {}
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        key, sep, value = entry.partition("=")
        if not sep or not value:
            raise ValueError(f"model_contract entries are key=value; received {entry!r}")
        if key.endswith("_range"):
            if value.lower() == "none":
                declared[key] = None
                continue
            low, sep, high = value.partition(":")
            try:
                declared[key] = check_range(key, (float(low), float(high)))
            except ValueError:
                raise ValueError(f"{key} is LOW:HIGH (or none); received {value!r}") from None
        elif key == "discriminator_real":
            if value.lower() not in ("true", "false"):
                raise ValueError(f"discriminator_real is true or false; received {value!r}")
            declared[key] = value.lower() == "true"
        else:
            declared[key] = value
    return declared


# === Adapters ===


def affine(source, target) -> tuple[float, float]:
    """`(scale, offset)` of the affine map from range `source` onto range `target`."""
    scale = (target[1] - target[0]) / (source[1] - source[0])
    return scale, target[0] - source[0] * scale


def _is_identity(scale, offset) -> bool:
    return abs(scale - 1.0) < 1e-9 and abs(offset) < 1e-9


def rescaled_inputs(model, source, target, name=None):
    """`model` taking samples in `source` (mapped to `target`, the range it takes).

    The identity map returns `model` itself. A conditional model keeps its label input.
    A `LabelClassifier`'s `logits_and_features` / `feature_extractor` are wrapped too.
    """
    if source is None or target is None:
        return model
    scale, offset = affine(source, target)
    if _is_identity(scale, offset):
        return model

    def wrap(inner, wrapped_name):
        inputs = [keras.Input(shape=tuple(t.shape[1:]), dtype=t.dtype)
                  for t in inner.inputs]
        images = keras.layers.Rescaling(scale, offset, dtype="float32")(inputs[0])
        outputs = inner([images, *inputs[1:]] if len(inputs) > 1 else images)
        return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs,
                           name=wrapped_name)

    wrapped = wrap(model, name or f"{model.name}_in_range")
    for attribute in ("logits_and_features", "feature_extractor"):
        if hasattr(model, attribute):
            setattr(wrapped, attribute, wrap(getattr(model, attribute),
                                             f"{model.name}_{attribute}"))
    for attribute in ("num_classes",):
        if hasattr(model, attribute):
            setattr(wrapped, attribute, getattr(model, attribute))
    return wrapped


def rescaled_outputs(model, source, target, name=None):
    """`model` whose outputs in `source` are mapped to `target` (the identity: `model`)."""
    if source is None or target is None:
        return model
    scale, offset = affine(source, target)
    if _is_identity(scale, offset):
        return model
    inputs = [keras.Input(shape=tuple(t.shape[1:]), dtype=t.dtype) for t in model.inputs]
    given = inputs if len(inputs) > 1 else inputs[0]
    outputs = keras.layers.Rescaling(scale, offset, dtype="float32")(model(given))
    wrapped = keras.Model(given, outputs, name=name or f"{model.name}_in_range")
    if hasattr(model, "num_classes"):
        wrapped.num_classes = model.num_classes
    return wrapped


def negated(discriminator, from_logits: bool):
    """D with its sides swapped: `-l` for a logit, `1 - p` for a probability.

    keras-io's discriminators label fake as 1; the paper's D(x) is the probability of
    real. The result shares D's weights (training it trains D).
    """
    inputs = [keras.Input(shape=tuple(t.shape[1:]), dtype=t.dtype)
              for t in discriminator.inputs]
    given = inputs if len(inputs) > 1 else inputs[0]
    outputs = keras.layers.Rescaling(-1.0, 0.0 if from_logits else 1.0,
                                     dtype="float32")(discriminator(given))
    model = keras.Model(given, outputs, name=f"{discriminator.name}_real_side")
    model.discriminator_output = "logit" if from_logits else "probability"
    return model


def internal_range(found_range):
    """The range samples are handled in: [-1, 1] for a bounded G, G's own otherwise."""
    return INTERNAL_RANGE if found_range is not None else None


@dataclasses.dataclass
class Adapted:
    """Models that all work in the internal range, and the contract that made them.

    Attributes:
        generator: G mapped to the internal range (G itself for a [-1, 1] generator).
        discriminator: D on internal-range samples, real = high.
        classifiers: The classifiers, each on internal-range samples.
        contract: What was found.
    """

    generator: keras.Model
    discriminator: keras.Model
    classifiers: list
    contract: Contract

    @property
    def from_logits(self) -> bool:
        return self.contract.discriminator_output.value == "logit"


def adapt(generator, discriminator, classifiers=(), *, real_samples=None,
          generator_range="detect", discriminator_output=None, discriminator_range="detect",
          classifier_range="detect", discriminator_real=None, seed: int = 0) -> Adapted:
    """Checks (G, D, classifiers) against the contract and adapts them (module docstring).

    Args:
        generator: G, latents (or `[latents, labels]`) -> samples.
        discriminator: D, samples (or `[samples, labels]`) -> one value per sample.
        classifiers: Classifiers of G's samples (label classifiers, v, f's models).
        real_samples: Some training samples in the internal range (images, or pairs), to
            find which side of D is real and check that D's outputs mean a probability.
        generator_range: `(low, high)`, None (unbounded), `"detect"`, or a `Found`.
        discriminator_output: `"probability"`, `"logit"`, or None (detect).
        discriminator_range: The range D takes: `(low, high)`, None, or `"detect"`
            (its `input_range`, else G's range).
        classifier_range: The same for the classifiers.
        discriminator_real: Whether D's output grows with "real" (False: fake = 1);
            None: found from `real_samples`.
        seed: Seed of the latents drawn for the checks.

    Returns:
        An `Adapted`.

    Raises:
        ValueError: For a model that breaks the contract (module docstring).
    """
    check_discriminator(discriminator)
    adapted_g, generator_range_found = adapt_generator(generator, generator_range, seed)
    internal = internal_range(generator_range_found.value)
    d_range = _taken_range("discriminator", discriminator, discriminator_range,
                           generator_range_found)
    adapted_d = rescaled_inputs(discriminator, internal, d_range.value)
    adapted_c, c_ranges = [], []
    for classifier in classifiers:
        adapted, found = adapt_classifier(classifier, generator_range_found, classifier_range)
        adapted_c.append(adapted)
        c_ranges.append(found)
    generated = _draw_samples(adapted_g, seed)
    d_generated = _judge(adapted_d, generated)
    output = find_discriminator_output(discriminator, discriminator_output, d_generated)
    from_logits = output.value == "logit"
    side = Found(True, "not checked (no real samples given)")
    if discriminator_real is not None:
        side = Found(bool(discriminator_real), "declared")
    elif real_samples is not None:
        real = cond_lib.take(real_samples, slice(0, _SAMPLES))
        try:
            side = discriminator_side(_judge(adapted_d, real), d_generated, from_logits,
                                      _judge(adapted_d, scrambled(real, seed)))
        except ValueError as error:
            if not d_range.how.startswith("assumed"):
                raise
            raise ValueError(
                f"{error}. Its input range was assumed to be the generator's, "
                f"{show(d_range.value)}: if it takes another, declare it "
                "(--model_contract=discriminator_range=LOW:HIGH)") from None
    if not side.value:
        adapted_d = negated(adapted_d, from_logits)
    if adapted_d is not discriminator:
        adapted_d.discriminator_output = output.value  # read by GANBase and this module
    contract = Contract(generator_range_found, output, side, d_range,
                        c_ranges[0] if c_ranges else Found(None, "no classifier"))
    return Adapted(adapted_g, adapted_d, adapted_c, contract)


def adapt_generator(generator, generator_range="detect", seed: int = 0):
    """G mapped to the internal range, and its range as found: `(adapted, Found)`."""
    found = find_generator_range(generator, generator_range, seed)
    adapted = rescaled_outputs(generator, found.value, internal_range(found.value),
                               name=f"{generator.name}_in_range")
    return adapted, found


def adapt_classifier(classifier, generator_range: Found, classifier_range="detect"):
    """A classifier taking internal-range samples of a G of `generator_range`:
    `(adapted, Found range it takes)`."""
    found = _taken_range("classifier", classifier, classifier_range, generator_range)
    return rescaled_inputs(classifier, internal_range(generator_range.value),
                           found.value), found


def _taken_range(what, model, declared, g_range: Found) -> Found:
    if declared != "detect":
        return Found(check_range(f"{what}_range", declared), "declared")
    value, how = input_range(model)
    if value is not None:
        return Found(value, how)
    return Found(g_range.value, "assumed: the generator's (trained on its data)")


def _draw_samples(generator, seed):
    rng = np.random.default_rng(seeds.derive(seed, "contract"))
    latents = rng.standard_normal((_SAMPLES, int(generator.inputs[0].shape[-1]))).astype(
        np.float32)
    if not cond_lib.is_conditional(generator):
        return np.asarray(generator.predict(latents, batch_size=256, verbose=0))
    classes = cond_lib.num_classes_of(generator) or 2
    labels = (np.arange(_SAMPLES) % classes).astype(np.int32)
    return (np.asarray(generator.predict([latents, labels], batch_size=256, verbose=0)),
            labels)


def _judge(discriminator, samples):
    given = list(samples) if isinstance(samples, tuple) else samples
    return np.asarray(discriminator.predict(given, batch_size=256, verbose=0)).reshape(-1)


def data_to_internal(samples: np.ndarray, source_dtype, g_range) -> np.ndarray:
    """Training samples brought to the internal range.

    uint8 images come already scaled to [-1, 1] by the pipeline (the internal range of a
    bounded G). Float samples must lie in G's range, and are mapped with G's samples.

    Raises:
        ValueError: For float samples outside G's range.
    """
    if source_dtype == np.uint8 or g_range is None:
        return samples
    sample_range("data's samples", samples, g_range)
    scale, offset = affine(g_range, INTERNAL_RANGE)
    if _is_identity(scale, offset):
        return samples
    return (samples * scale + offset).astype(np.float32)


def probability_discriminator(discriminator, recorded: dict | None = None):
    """D as the probability that an internal-range sample is real, read per sample.

    For the redaction score (D0(x) - D'(x)), which compares D's outputs as probabilities.

    Args:
        discriminator: A D as `bin/redact` saved it (the user's own model).
        recorded: The run's `model_contract` record (`metrics.json`), whose side and range
            are used; without it, D's layers and `input_range` say (else [-1, 1]).
    """
    check_discriminator(discriminator)
    recorded = recorded or {}

    def value(key, default):
        return recorded[key]["value"] if key in recorded else default

    output = find_discriminator_output(discriminator, value("discriminator_output", None))
    from_logits = output.value == "logit"
    taken = value("discriminator_range", input_range(discriminator)[0] or INTERNAL_RANGE)
    adapted = rescaled_inputs(discriminator, INTERNAL_RANGE,
                              tuple(taken) if taken is not None else None)
    if not value("discriminator_real", True):
        adapted = negated(adapted, from_logits)
    if not from_logits:
        return adapted
    inputs = [keras.Input(shape=tuple(t.shape[1:]), dtype=t.dtype) for t in adapted.inputs]
    given = inputs if len(inputs) > 1 else inputs[0]
    return keras.Model(given, keras.layers.Activation("sigmoid", dtype="float32")(
        adapted(given)), name=f"{discriminator.name}_probability")
