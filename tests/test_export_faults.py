"""Exports and serving under bad requests, races and kills."""

import json
import os
import resource
import subprocess
import sys
import threading
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import export
from keras_redact.models import DCGANGenerator


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(0)
    g = DCGANGenerator(base_filters=4)
    base = tmp_path_factory.mktemp("models") / "mnist"
    return g, export.export_generator(g, base)


@pytest.mark.parametrize("signature", ["sample", "sample_png"])
def test_an_over_limit_request_fails_at_once_without_allocating(exported, signature):
    _, path = exported
    fn = tf.saved_model.load(str(path)).signatures[signature]
    fn(seed=tf.constant(0, tf.int64), num_samples=tf.constant(2))  # traced and warm
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    for n in (2_000_000, 10**7, 2**31 - 1):
        start = time.perf_counter()
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"num_samples must be in \[1, 1024\]; received"):
            fn(seed=tf.constant(0, tf.int64), num_samples=tf.constant(n))
        assert time.perf_counter() - start < 0.5, n
    # 10**7 latents alone are 5 GB; the process grew by less than 100 MB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000


def test_non_finite_latents_are_refused(exported):
    _, path = exported
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    latents = np.zeros((2, 128), np.float32)
    assert serve(latents=tf.constant(latents))["images"].shape == (2, 28, 28, 1)
    for bad in (np.nan, np.inf, -np.inf):
        latents[1, 5] = bad
        with pytest.raises(tf.errors.InvalidArgumentError, match="latents must be finite"):
            serve(latents=tf.constant(latents))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"latents must have shape \(batch, 128\); received shape"):
        serve(latents=tf.constant(np.zeros((2, 7), np.float32)))


def test_concurrent_exports_take_versions_1_and_2(exported, tmp_path, monkeypatch):
    g, _ = exported
    base = tmp_path / "m"
    # Both exports choose version 1 before either renames it into place.
    chosen = threading.Barrier(2)
    original = export.existing_versions

    def slow_versions(base_dir):
        versions = original(base_dir)
        if threading.current_thread().name.startswith("export"):
            try:
                chosen.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
        return versions

    monkeypatch.setattr(export, "existing_versions", slow_versions)
    results, errors = [], []

    def run():
        try:
            results.append(export.export_generator(g, base))
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=run, name=f"export-{k}") for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(p.name for p in results) == ["1", "2"]
    assert original(base) == [1, 2]
    assert not list(base.glob(".tmp-export-*"))


def test_two_export_processes_into_one_folder(exported, tmp_path):
    g, _ = exported
    g.save(tmp_path / "g.keras")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    command = [sys.executable, os.path.join(root, "bin", "export"),
               f"--generator={tmp_path / 'g.keras'}", f"--export_dir={tmp_path / 'm'}"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], [o[1][-2000:] for o in outputs]
    assert sorted(o[0].strip().rsplit("/", 1)[-1] for o in outputs) == ["1", "2"]


def test_a_version_folder_is_not_a_base(exported, tmp_path):
    _, path = exported
    with pytest.raises(ValueError, match="is a model version, not a model base path; give its "
                                         "parent"):
        export.export_generator(exported[0], path)
    with pytest.raises(ValueError, match="is a model version"):
        export.check_base(path.parent / "7")  # a number beside versions


def test_stale_temporary_folders_are_removed_but_not_live_ones(exported, tmp_path):
    g, _ = exported
    base = tmp_path / "m"
    base.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    host = __import__("socket").gethostname()
    stale = base / ".tmp-export-killed"
    stale.mkdir()
    (stale / "owner.json").write_text(json.dumps({"pid": int(dead), "host": host}))
    live = base / ".tmp-export-running"
    live.mkdir()
    (live / "owner.json").write_text(json.dumps({"pid": os.getpid(), "host": host}))
    unowned = base / ".tmp-export-old"
    unowned.mkdir()
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(unowned, (day_ago, day_ago))
    fresh = base / ".tmp-export-fresh"
    fresh.mkdir()
    assert export.export_generator(g, base).name == "1"
    left = sorted(p.name for p in base.iterdir())
    assert left == [".tmp-export-fresh", ".tmp-export-running", "1"]


def test_signature_ops_follow_the_signatures_not_the_saver(exported):
    _, path = exported
    ops = export.signature_ops(path)
    assert set(ops) == {"serving_default", "sample", "sample_png", "__saved_model_init_op"}
    assert "MatMul" in ops["serving_default"] and "EncodePng" in ops["sample_png"]
    assert all(ops[name] <= export.ALLOWED_OPS for name in ops)
    export.check_trusted(path, signatures=None)  # our exports pass


def test_a_saved_model_that_writes_a_file_is_refused_before_it_runs(tmp_path):
    from keras_redact.jobs import evaluate

    target = tmp_path / "written.txt"

    class Writer(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 128], tf.float32, name="latents")])
        def serve(self, latents):
            tf.io.write_file(str(target), "pwned")
            return {"images": tf.zeros((tf.shape(latents)[0], 28, 28, 1))}

    module = Writer()
    tf.saved_model.save(module, str(tmp_path / "evil"),
                        signatures={"serving_default": module.serve})
    with pytest.raises(ValueError, match="its 'serving_default' signature runs WriteFile, "
                                         "which a generator does not need"):
        evaluate.load_generator(tmp_path / "evil")
    assert not target.exists()
    evaluate.load_generator(tmp_path / "evil", trust_saved_model=True)  # the user's call
    with pytest.raises(ValueError, match="not a SavedModel"):
        evaluate.load_generator(tmp_path)


def test_serving_default_refuses_a_batch_past_the_limit_at_once(exported):
    _, path = exported
    fn = tf.saved_model.load(str(path)).signatures["serving_default"]
    assert fn(latents=tf.zeros((export.MAX_SAMPLES, 128)))["images"].shape[0] == 1024
    assert export.read_metadata(path)["max_samples"] == export.MAX_SAMPLES
    latents = tf.zeros((10**6, 128))  # 512 MB that the request itself carries
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    start = time.perf_counter()
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"latents must have at most 1024 rows; received"):
        fn(latents=latents)
    assert time.perf_counter() - start < 1.0
    # G on 10**6 rows grew a process to 14 GB; refused, it grows by less than 100 MB.
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 100 * 1024, f"{grown / 1024:.0f} MB"


def _reader_saved_model(tmp_path, name, body, table=None):
    class Reader(tf.Module):
        def __init__(self):
            super().__init__()
            self.table = table

        @tf.function(input_signature=[tf.TensorSpec([None, 128], tf.float32, name="latents")])
        def serve(self, latents):
            return {"images": tf.zeros((tf.shape(latents)[0], 28, 28, 1)) + body(self)}

    module = Reader()
    tf.saved_model.save(module, str(tmp_path / name),
                        signatures={"serving_default": module.serve})
    return tmp_path / name


def _count(dataset):
    return tf.cast(dataset.reduce(tf.constant(0, tf.int64), lambda n, _: n + 1), tf.float32)


def test_graphs_that_read_files_are_refused_by_the_allow_list(tmp_path):
    from keras_redact.jobs import evaluate

    missing = tmp_path / "missing.txt"  # opened, it would raise NotFoundError
    (tmp_path / "vocab.txt").write_text("a\nb\n")
    table = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        str(tmp_path / "vocab.txt"), tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
        tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER), -1)
    cases = {
        "lines": (lambda m: _count(tf.data.TextLineDataset(str(missing))), None,
                  "TextLineDataset"),
        "listed": (lambda m: _count(tf.data.Dataset.list_files(str(tmp_path / "*.txt"),
                                                               shuffle=False)), None,
                   "MatchingFiles"),
        "table": (lambda m: tf.cast(m.table.lookup(tf.constant("a")), tf.float32), table,
                  "InitializeTableFromTextFileV2"),
    }
    for name, (body, held, op) in cases.items():
        path = _reader_saved_model(tmp_path, name, body, held)
        with pytest.raises(ValueError, match=f"runs .*{op}.*which a generator does not "
                                             "need"):
            evaluate.load_generator(path)


def test_exports_of_every_kind_pass_the_allow_list(exported, tmp_path):
    from keras_redact.models import ConditionalDCGANGenerator

    export.check_trusted(exported[1], signatures=None)
    conditional = ConditionalDCGANGenerator(num_classes=3, base_filters=4)
    path = export.export_generator(conditional, tmp_path / "c")
    export.check_trusted(path, signatures=None)
    pairs = tf.saved_model.load(str(path)).signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 1024 rows"):
        pairs(latents=tf.zeros((1025, 128)), labels=tf.zeros((1025,), tf.int32))
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = DCGANGenerator(base_filters=4)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    export.check_trusted(export.export_generator(mixed, tmp_path / "m"), signatures=None)
    x = keras.Input((128,))  # a sigmoid generator (keras-io's), mapped to [-1, 1]
    sigmoid = keras.Model(x, keras.layers.Reshape((28, 28, 1))(
        keras.layers.Dense(784, activation="sigmoid")(x)))
    path = export.export_generator(sigmoid, tmp_path / "s")
    export.check_trusted(path, signatures=None)
    images = tf.saved_model.load(str(path)).signatures["serving_default"](
        latents=tf.zeros((2, 128)))["images"]
    np.testing.assert_allclose(images.numpy(), 0.5, atol=1e-6)  # sigmoid(0), in [0, 1]
    assert export.read_metadata(path)["generator_range"]["value"] == [0.0, 1.0]
