"""Exports generators as versioned SavedModels that TF Serving serves.

`export_generator` writes `base_dir/<version>/`, a self-contained SavedModel (it loads with
`tf.saved_model.load` in a process that never imports keras or keras_redact) with three
signatures:

| signature         | inputs                                  | outputs                         |
|-------------------|-----------------------------------------|---------------------------------|
| `serving_default` | `latents` float32 [None, latent_dim]    | `images` float32 [None, H, W, C] |
| `sample`          | `seed` int64 [], `num_samples` int32 [] | `images` (in [0, 1])            |
| `sample_png`      | `seed` int64 [], `num_samples` int32 [] | `png_bytes` string [None]       |

A conditional generator (`[latents, labels]`) gets the same three signatures with the
condition as an input: `serving_default(latents, labels)` (`labels` int32 [None], one per
latent row), `sample(seed, num_samples, label)` and `sample_png(seed, num_samples, label)`
(`label` int32 [], the condition of every sample); labels are checked to lie in
`[0, num_classes)` and to match the latents' rows, before G runs.

`sample*` draw latents with `tf.random.stateless_normal` from the seed, so they are
deterministic for a seed and need no numpy on the client. Every signature checks its
inputs before any work (`num_samples` in [1, MAX_SAMPLES], finite latents; the latents'
shape by the signature; at most MAX_SAMPLES latent rows) and answers a bad request with an
`InvalidArgumentError`. The PNG
output is named `png_bytes` because TF Serving's REST API base64-encodes (`{"b64": ...}`)
exactly the string outputs whose names end in `_bytes`. The redaction metadata travels as
the asset `assets/redaction_metadata.json`.

Versions are integers; a new export gets the largest existing version plus one, an existing
version is never overwritten, and the directory is written under a temporary name and
renamed into place, so TF Serving (which only loads integer-named folders) never sees a
half-written version. Concurrent exports into one base take distinct versions (the loser
of a race for a number takes the next free one), and the temporary folders of killed
exports are removed by the next export (`remove_stale_exports`).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import socket
import tempfile
import time

import tensorflow as tf

from keras_redact import __version__, checks, contract, io
from keras_redact.conditions import num_classes_of
from keras_redact.data.pipeline import unscale_images

MAX_SAMPLES = 1024
"""Most samples one call of any signature may ask for (`serving_default`'s latent rows,
`sample` / `sample_png`'s `num_samples`); the export's metadata holds it (`max_samples`)."""

METADATA_ASSET = "redaction_metadata.json"


def existing_versions(base_dir) -> list[int]:
    """Integer version folders under `base_dir`, sorted."""
    base = pathlib.Path(base_dir)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


class _GeneratorServing(tf.Module):
    def __init__(self, generator, latent_dim, metadata_path):
        super().__init__(name="generator_serving")
        self.generator = generator
        self.latent_dim = latent_dim
        self.metadata = tf.saved_model.Asset(str(metadata_path))
        self._signatures()

    def _signatures(self):
        """`serve`, `sample` and `sample_png` as `tf.function`s with their input specs."""
        self.serve = tf.function(self._serve, input_signature=[
            tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")])
        sample_spec = [tf.TensorSpec([], tf.int64, name="seed"),
                       tf.TensorSpec([], tf.int32, name="num_samples")]
        self.sample = tf.function(self._sample, input_signature=sample_spec)
        self.sample_png = tf.function(self._sample_png, input_signature=sample_spec)

    def _images(self, latents):
        return unscale_images(self.generator(latents, training=False))

    def _serve(self, latents):
        return {"images": self._images(self._checked_latents(latents))}

    def _checked_latents(self, latents):
        # Checked before G runs: a batch past MAX_SAMPLES would take the server's memory
        # (10**6 rows grew a process to 14 GB), a non-finite latent comes back as NaN.
        shape = tf.shape(latents)
        fits = tf.debugging.Assert(
            tf.logical_and(tf.equal(tf.size(shape), 2), tf.equal(shape[-1], self.latent_dim)),
            [f"latents must have shape (batch, {self.latent_dim}); received shape", shape])
        with tf.control_dependencies([fits]):
            bounded = tf.debugging.Assert(
                shape[0] <= MAX_SAMPLES,
                [f"latents must have at most {MAX_SAMPLES} rows; received", shape[0]])
        with tf.control_dependencies([bounded]):
            finite = tf.debugging.Assert(
                tf.reduce_all(tf.math.is_finite(latents)),
                ["latents must be finite numbers; received NaN or Inf"])
        with tf.control_dependencies([finite]):
            return tf.identity(latents)

    def _latents(self, seed, num_samples):
        # The bounds hold before any latent is drawn: a request for 10**7 samples fails at
        # once instead of allocating them first.
        valid = tf.debugging.Assert(
            tf.logical_and(num_samples >= 1, num_samples <= MAX_SAMPLES),
            [f"num_samples must be in [1, {MAX_SAMPLES}]; received", num_samples])
        with tf.control_dependencies([valid]):
            count = tf.clip_by_value(num_samples, 1, MAX_SAMPLES)
        seed = tf.stack([seed, tf.constant(0, tf.int64)])
        return tf.random.stateless_normal(tf.stack([count, self.latent_dim]), seed=seed)

    def _sample(self, seed, num_samples):
        return {"images": self._images(self._latents(seed, num_samples))}

    def _sample_png(self, seed, num_samples):
        return self._png(self._images(self._latents(seed, num_samples)))

    @staticmethod
    def _png(images):
        pixels = tf.cast(tf.round(images * 255.0), tf.uint8)
        png = tf.map_fn(tf.io.encode_png, pixels, fn_output_signature=tf.string)
        return {"png_bytes": png}


class _ConditionalGeneratorServing(_GeneratorServing):
    """The signatures of a conditional generator: each takes the condition too."""

    def __init__(self, generator, latent_dim, metadata_path, num_classes):
        self.num_classes = num_classes
        super().__init__(generator, latent_dim, metadata_path)

    def _signatures(self):
        self.serve = tf.function(self._serve_pairs, input_signature=[
            tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents"),
            tf.TensorSpec([None], tf.int32, name="labels")])
        sample_spec = [tf.TensorSpec([], tf.int64, name="seed"),
                       tf.TensorSpec([], tf.int32, name="num_samples"),
                       tf.TensorSpec([], tf.int32, name="label")]
        self.sample = tf.function(self._sample_label, input_signature=sample_spec)
        self.sample_png = tf.function(self._sample_png_label, input_signature=sample_spec)

    def _checked_labels(self, labels):
        valid = tf.debugging.Assert(
            tf.reduce_all((labels >= 0) & (labels < self.num_classes)),
            [f"labels must be conditions in [0, {self.num_classes}); received", labels],
            summarize=10)
        with tf.control_dependencies([valid]):
            return tf.clip_by_value(labels, 0, self.num_classes - 1)

    def _serve_pairs(self, latents, labels):
        rows = tf.debugging.Assert(
            tf.equal(tf.shape(labels)[0], tf.shape(latents)[0]),
            ["labels must give one condition per latent row; received",
             tf.shape(labels)[0], "labels for", tf.shape(latents)[0], "rows"])
        with tf.control_dependencies([rows]):
            labels = self._checked_labels(labels)
        return {"images": self._pair_images(self._checked_latents(latents), labels)}

    def _pair_images(self, latents, labels):
        return unscale_images(self.generator([latents, labels], training=False))

    def _latents_and_labels(self, seed, num_samples, label):
        label = self._checked_labels(tf.reshape(label, [1]))[0]  # before any latent
        latents = self._latents(seed, num_samples)
        return latents, tf.fill([tf.shape(latents)[0]], label)

    def _sample_label(self, seed, num_samples, label):
        return {"images": self._pair_images(
            *self._latents_and_labels(seed, num_samples, label))}

    def _sample_png_label(self, seed, num_samples, label):
        return self._png(self._pair_images(
            *self._latents_and_labels(seed, num_samples, label)))


def check_base(base_dir) -> pathlib.Path:
    """Raises unless `base_dir` can be a TF Serving model base path (checked before work).

    Raises:
        ValueError: If it is a file, or itself a version (a SavedModel folder, or an
            integer-named folder inside a model base).
        PermissionError: If it (or the folder it would be made in) is not writable.
    """
    base = pathlib.Path(base_dir)
    if base.exists() and not base.is_dir():
        raise ValueError(f"base_dir {base} is a file; it must be a folder (or not exist)")
    if (base / "saved_model.pb").exists() or (
            base.name.isdigit() and any(base.parent.glob("*/saved_model.pb"))):
        raise ValueError(f"base_dir {base} is a model version, not a model base path; "
                         f"give its parent ({base.parent}) to add the next version")
    return io.check_writable(base, "export folder")


def export_generator(generator, base_dir, version: int | None = None,
                     metadata: dict | None = None) -> pathlib.Path:
    """Writes `generator` as the SavedModel `base_dir/<version>/` for TF Serving.

    Args:
        generator: A Keras model from latents `(latent_dim,)` to images (in [-1, 1], or
            any range `keras_redact.contract` reads from it, such as a sigmoid's), or a
            conditional one from `[latents, labels]` (its `num_classes` attribute, or
            `metadata["num_classes"]`, gives the conditions).
        base_dir: The model's base path (TF Serving's `--model_base_path`).
        version: Version number; default: the largest existing one plus one (1 if none).
        metadata: JSON-able description (method, what was redacted, hyper-parameters,
            measured invalidity and quality); the package version is added.

    Returns:
        The path of the new version.

    Raises:
        ValueError: If `base_dir` is a file or itself a version, the version is not a
            positive integer, or the generator's input shape is unknown.
        FileExistsError: If the requested version exists (an automatic version is never
            taken twice: a concurrent export makes this one take the next).
    """
    base = check_base(base_dir)
    inputs = getattr(generator, "inputs", None)
    latent_dim = inputs[0].shape[-1] if inputs else None
    num_classes = num_classes_of(generator, (metadata or {}).get("num_classes"))
    if latent_dim is None or len(inputs[0].shape) != 2:
        raise ValueError(
            "The generator's input shape is unknown; it must take latents (batch, latent_dim), "
            f"received inputs {[tuple(i.shape) for i in inputs] if inputs else None}")
    # The signatures serve images in [0, 1] from G's samples mapped to [-1, 1]
    # (keras_redact.contract): a sigmoid G serves the same images as a tanh one.
    generator, generator_range = contract.adapt_generator(generator)
    versions = existing_versions(base)
    automatic = version is None
    if automatic:
        version = (versions[-1] + 1) if versions else 1
    version = checks.integer("version", version)
    target = base / str(version)
    if target.exists():
        raise FileExistsError(f"Version {version} exists at {target}; versions are never "
                              f"overwritten (existing: {versions})")
    base.mkdir(parents=True, exist_ok=True)
    remove_stale_exports(base)

    meta = _metadata(metadata, generator, int(latent_dim), generator_range, num_classes)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=base))
    try:
        (tmp / _OWNER).write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
        scratch = tmp / "scratch"
        scratch.mkdir()
        meta_path = scratch / METADATA_ASSET
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
        module = (_GeneratorServing(generator, int(latent_dim), meta_path)
                  if num_classes is None else
                  _ConditionalGeneratorServing(generator, int(latent_dim), meta_path,
                                               num_classes))
        saved = tmp / "saved_model"
        tf.saved_model.save(module, str(saved), signatures={
            "serving_default": module.serve, "sample": module.sample,
            "sample_png": module.sample_png})
        return _publish(saved, base, version, automatic)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _metadata(given, generator, latent_dim: int, generator_range, num_classes) -> dict:
    """The export's metadata asset: what the caller gave, and what serving needs to know."""
    meta = dict(given or {})
    meta.setdefault("keras_redact_version", __version__)
    meta.setdefault("latent_dim", latent_dim)
    meta.setdefault("image_shape", [int(d) for d in generator.outputs[0].shape[1:]])
    meta.setdefault("signatures", ["serving_default", "sample", "sample_png"])
    meta.setdefault("max_samples", MAX_SAMPLES)
    meta.setdefault("generator_range", generator_range.as_dict())
    if num_classes is not None:
        meta["num_classes"] = num_classes
        meta["signature_inputs"] = {"serving_default": ["latents", "labels"],
                                    "sample": ["seed", "num_samples", "label"],
                                    "sample_png": ["seed", "num_samples", "label"]}
    return meta


def _publish(saved: pathlib.Path, base: pathlib.Path, version: int,
             automatic: bool) -> pathlib.Path:
    """Renames the finished SavedModel to `base/<version>` atomically; an automatic
    version whose number a concurrent export took moves on to the next free one.

    Raises:
        FileExistsError: If the caller's own version number appeared meanwhile.
    """
    target = base / str(version)
    while True:
        try:
            if target.exists():
                raise FileExistsError(target)
            os.rename(saved, target)  # atomic; fails onto a non-empty folder
            return target
        except OSError:
            if not automatic:  # the caller asked for this number
                raise FileExistsError(f"Version {version} appeared at {target} during "
                                      "export") from None
            version = max([version, *existing_versions(base)]) + 1
            target = base / str(version)


_TMP_PREFIX = ".tmp-export-"
_OWNER = "owner.json"
_STALE_SECONDS = 24 * 3600


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_exports(base_dir) -> list[pathlib.Path]:
    """Removes temporary folders that killed exports left under `base_dir`.

    A folder is stale when its owner (the process id and host an export writes into it)
    is a process of this host that no longer runs, or, without an owner record, when it
    is a day old. Never a folder that a running export on this host owns; a folder owned
    by another host is left until it is a day old.

    Returns:
        The folders removed.
    """
    base = pathlib.Path(base_dir)
    removed = []
    if not base.is_dir():
        return removed
    now = time.time()
    for tmp in base.glob(f"{_TMP_PREFIX}*"):
        try:
            owner = json.loads((tmp / _OWNER).read_text())
            stale = (owner.get("host") == socket.gethostname()
                     and not _alive(int(owner["pid"])))
        except (OSError, ValueError, KeyError, TypeError):
            owner, stale = None, False
        try:
            old = now - tmp.stat().st_mtime > _STALE_SECONDS
        except OSError:
            continue
        if stale or (old and (owner is None or owner.get("host") != socket.gethostname())):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def read_metadata(export_dir) -> dict:
    """The redaction metadata of an exported version."""
    return json.loads((pathlib.Path(export_dir) / "assets" / METADATA_ASSET).read_text())


ALLOWED_OPS = frozenset({
    # Graph plumbing, control flow and checks.
    "Const", "Placeholder", "PlaceholderWithDefault", "Identity", "IdentityN", "NoOp",
    "StatefulPartitionedCall", "PartitionedCall", "If", "StatelessIf", "While",
    "StatelessWhile", "Case", "StatelessCase", "Switch", "Merge", "Enter", "Exit",
    "NextIteration", "LoopCond", "Assert", "CheckNumerics", "StopGradient",
    "PreventGradient", "EnsureShape",
    # The model's variables.
    "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "VarIsInitializedOp",
    # Element-wise maths, reductions and comparisons.
    "Abs", "Add", "AddV2", "AddN", "Sub", "Mul", "MulNoNan", "Div", "DivNoNan", "RealDiv",
    "FloorDiv", "FloorMod", "Mod", "TruncateDiv", "Neg", "Reciprocal", "Inv", "Square",
    "Sqrt", "Rsqrt", "Exp", "Expm1", "Log", "Log1p", "Pow", "Maximum", "Minimum", "Sign",
    "Floor", "Ceil", "Round", "Rint", "Sin", "Cos", "Tan", "Tanh", "Sigmoid", "Softplus",
    "Softsign", "Erf", "Erfc", "Atan", "Atan2", "Asin", "Acos", "Sinh", "Cosh", "Asinh",
    "Acosh", "Atanh", "SquaredDifference", "Sum", "Mean", "Prod", "Max", "Min", "ArgMax",
    "ArgMin", "All", "Any", "Cumsum", "Cumprod", "Cast", "Equal", "NotEqual", "Less",
    "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "LogicalNot",
    "IsFinite", "IsNan", "IsInf", "Select", "SelectV2", "ClipByValue", "Range", "LinSpace",
    "MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum",
    # Neural-network layers.
    "Conv2D", "Conv2DBackpropInput", "Conv3D", "Conv3DBackpropInputV2",
    "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput", "BiasAdd", "Relu",
    "Relu6", "Elu", "Selu", "LeakyRelu", "Softmax", "LogSoftmax", "MaxPool", "MaxPoolV2",
    "AvgPool", "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", "LRN",
    "ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic", "ResizeArea",
    # Shapes and indexing.
    "Reshape", "Shape", "ShapeN", "Size", "Rank", "ExpandDims", "Squeeze", "Transpose",
    "ConcatV2", "Concat", "Pack", "Unpack", "Split", "SplitV", "Slice", "StridedSlice",
    "Gather", "GatherV2", "GatherNd", "ScatterNd", "TensorScatterUpdate", "Tile", "Fill",
    "ZerosLike", "OnesLike", "Pad", "PadV2", "MirrorPad", "ReverseV2", "BroadcastTo",
    "BroadcastArgs", "Where", "OneHot", "DepthToSpace", "SpaceToDepth", "TopKV2",
    "InvertPermutation",
    "TensorListFromTensor", "TensorListGetItem", "TensorListReserve", "TensorListSetItem",
    "TensorListStack", "TensorListLength", "TensorListElementShape", "TensorListPushBack",
    "TensorListPopBack",
    # Random numbers.
    "StatelessRandomNormal", "StatelessRandomNormalV2", "StatelessRandomUniform",
    "StatelessRandomUniformV2", "StatelessRandomUniformInt", "StatelessRandomUniformIntV2",
    "StatelessTruncatedNormal", "StatelessTruncatedNormalV2", "StatelessRandomGetKeyCounter",
    "StatelessRandomGetKeyCounterAlg", "StatelessRandomGetAlg", "RandomStandardNormal",
    "RandomUniform", "RandomUniformInt", "TruncatedNormal",
    # Image encoding.
    "EncodePng", "EncodeJpeg",
})
"""The ops a generator's serving graph may run: maths, layers, shapes, random numbers,
control flow and image encoding. Every other op (files, datasets, lookup tables, Python,
printing) is refused by name (`check_trusted`)."""


def signature_ops(export_dir, signatures=None) -> dict[str, set[str]]:
    """The ops each signature of a SavedModel can run, read from `saved_model.pb` alone.

    Nothing is loaded or run: the graph is parsed, and from each signature's call node the
    functions it calls are followed (the variables' save and restore functions, which the
    signatures do not call, are not reached).

    Args:
        export_dir: A SavedModel folder.
        signatures: Names to follow (default: every signature).

    Returns:
        `{signature: op names}`.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((pathlib.Path(export_dir) / "saved_model.pb").read_bytes())
    graph = proto.meta_graphs[0]
    library = {f.signature.name: f for f in graph.graph_def.library.function}
    nodes = {n.name: n for n in graph.graph_def.node}

    def called(node):
        for attr in node.attr.values():
            if attr.HasField("func"):
                yield attr.func.name
            yield from (f.name for f in attr.list.func)

    result = {}
    for name, signature in graph.signature_def.items():
        if signatures is not None and name not in signatures:
            continue
        ops, seen = set(), set()
        queue = [nodes[t.name.split(":")[0]] for t in signature.outputs.values()
                 if t.name.split(":")[0] in nodes]
        while queue:
            node = queue.pop()
            ops.add(node.op)
            for fn in called(node):
                if fn in library and fn not in seen:
                    seen.add(fn)
                    queue.extend(library[fn].node_def)
            for source in node.input:  # the graph-level inputs of the call
                source = source.lstrip("^").split(":")[0]
                if source in nodes and source not in seen:
                    seen.add(source)
                    queue.append(nodes[source])
        result[name] = ops
    return result


def check_trusted(export_dir, signatures=("serving_default", "__saved_model_init_op")
                  ) -> None:
    """Refuses a SavedModel whose signatures run any op a generator does not need.

    A SavedModel is a program: loading it and calling a signature runs whatever ops its
    author put there (`tf.io.write_file`, a `tf.data` pipeline reading a file, a lookup
    table filled from one), and Keras' safe mode does not apply to it. This guard reads the
    graph before anything runs, follows every function the signatures (and the
    initialiser that runs at load) call, the functions of datasets and control flow
    included, and refuses any op outside `ALLOWED_OPS`; exports of `export_generator` of
    every kind pass it. It narrows what an untrusted file can do, it does not make one
    safe: load SavedModels from people you trust (docs/serving.md, "What is safe to load").

    Raises:
        ValueError: If a signature holds such ops (the message names them).
    """
    for name, ops in signature_ops(export_dir, signatures).items():
        refused = sorted(ops - ALLOWED_OPS)
        if refused:
            raise ValueError(f"SavedModel {export_dir}: its {name!r} signature runs "
                             f"{', '.join(refused)}, which a generator does not need; "
                             "refusing to run it (pass --trust_saved_model if you trust "
                             "its author)")
