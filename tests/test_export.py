import base64
import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import export, serving
from keras_redact.models import ConditionalDCGANGenerator, DCGANGenerator


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(0)
    g = DCGANGenerator(base_filters=4)
    base = tmp_path_factory.mktemp("models") / "mnist"
    path = export.export_generator(g, base, metadata={"method": "data", "labels": [0]})
    return g, base, path


def test_layout_and_metadata(exported):
    _, base, path = exported
    assert path == base / "1"
    assert (path / "saved_model.pb").exists() and (path / "variables").is_dir()
    meta = export.read_metadata(path)
    assert meta["method"] == "data" and meta["latent_dim"] == 128
    assert meta["image_shape"] == [28, 28, 1] and "keras_redact_version" in meta
    assert not [p for p in base.iterdir() if p.name.startswith(".tmp")]


def test_fresh_process_without_keras_matches_keras(exported, tmp_path):
    g, _, path = exported
    latents = np.random.default_rng(0).standard_normal((5, 128)).astype(np.float32)
    np.save(tmp_path / "z.npy", latents)
    # keras, tf_keras and keras_redact are made unimportable in the serving process.
    script = f"""
import importlib.abc, importlib.machinery, sys
class Blocked(importlib.abc.Loader):
    def create_module(self, spec):
        raise ImportError("blocked " + spec.name)
    def exec_module(self, module):
        pass
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("keras", "tf_keras", "keras_redact"):
            return importlib.machinery.ModuleSpec(name, Blocked())
sys.meta_path.insert(0, Block())
import numpy as np, tensorflow as tf
m = tf.saved_model.load({str(path)!r})
out = m.signatures["serving_default"](latents=tf.constant(np.load({str(tmp_path / 'z.npy')!r})))
np.save({str(tmp_path / 'out.npy')!r}, out["images"].numpy())
assert not [k for k in sys.modules if k.split(".")[0] in ("keras", "keras_redact")]
print(sorted(m.signatures.keys()))
"""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH="")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "['sample', 'sample_png', 'serving_default']" in result.stdout
    want = np.clip((np.asarray(g(latents, training=False)) + 1) / 2, 0, 1)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), want, atol=1e-5)


def test_saved_model_cli_lists_signatures(exported):
    _, _, path = exported
    cli = pathlib.Path(sys.executable).parent / "saved_model_cli"
    if not cli.exists():
        pytest.skip("saved_model_cli is not installed beside this Python")
    result = subprocess.run([str(cli), "show", "--dir", str(path), "--all"],
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-2000:]
    for name in ("signature_def['serving_default']", "signature_def['sample']",
                 "signature_def['sample_png']", "inputs['latents']", "inputs['seed']",
                 "inputs['num_samples']", "outputs['images']", "outputs['png_bytes']"):
        assert name in result.stdout, name


def test_sample_is_deterministic_per_seed_and_capped(exported):
    _, _, path = exported
    sample = tf.saved_model.load(str(path)).signatures["sample"]

    def run(seed, n=3):
        return sample(seed=tf.constant(seed, tf.int64), num_samples=tf.constant(n))["images"]

    a, b, c = run(1).numpy(), run(1).numpy(), run(2).numpy()
    assert a.shape == (3, 28, 28, 1) and a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    for bad in (0, export.MAX_SAMPLES + 1):
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_samples must be"):
            run(1, bad)


def test_versions_never_overwrite(exported, tmp_path):
    g, _, _ = exported
    base = tmp_path / "m"
    first = export.export_generator(g, base)
    stamp = (first / "saved_model.pb").read_bytes()
    second = export.export_generator(g, base)
    assert (first.name, second.name) == ("1", "2")
    assert (first / "saved_model.pb").read_bytes() == stamp
    with pytest.raises(FileExistsError, match="Version 2 exists"):
        export.export_generator(g, base, version=2)
    assert export.export_generator(g, base, version=10).name == "10"
    assert export.existing_versions(base) == [1, 2, 10]


def test_failed_export_leaves_no_version(exported, tmp_path, monkeypatch):
    g, _, _ = exported
    base = tmp_path / "m"

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tf.saved_model, "save", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        export.export_generator(g, base)
    assert list(base.iterdir()) == []


def test_bad_input(exported, tmp_path):
    g, _, _ = exported
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        export.export_generator(g, tmp_path / "file")
    unknown = keras.Model(inp := keras.Input((None,)), keras.layers.Identity()(inp))
    with pytest.raises(ValueError, match="input shape is unknown"):
        export.export_generator(unknown, tmp_path / "u")
    with pytest.raises(ValueError, match="positive integer"):
        export.export_generator(g, tmp_path / "v", version=0)


def _tf_serving_predict(loaded, body):
    """Turns a REST body into tensors and the outputs into JSON, as TF Serving does."""
    signature = loaded.signatures[body.get("signature_name", "serving_default")]
    specs = signature.structured_input_signature[1]

    def tensor(name, value):
        if isinstance(value, dict) and "b64" in value:
            value = base64.b64decode(value["b64"])
        return tf.constant(value, dtype=specs[name].dtype)

    if "instances" in body:
        rows = body["instances"]
        if len(specs) == 1:
            (name,) = specs
            inputs = {name: tensor(name, rows)}
        else:
            inputs = {k: tensor(k, [r[k] for r in rows]) for k in specs}
        key = "predictions"
    else:
        inputs = {k: tensor(k, v) for k, v in body["inputs"].items()}
        key = "outputs"
    outputs = signature(**inputs)

    def to_json(name, t):
        if name.endswith("_bytes"):
            return [{"b64": base64.b64encode(v).decode()} for v in t.numpy().tolist()]
        return t.numpy().tolist()

    encoded = {k: to_json(k, v) for k, v in outputs.items()}
    payload = next(iter(encoded.values())) if len(encoded) == 1 else encoded
    return json.loads(json.dumps({key: payload}))


def test_client_bodies_round_trip_through_signatures(exported):
    g, _, path = exported
    loaded = tf.saved_model.load(str(path))
    latents = np.random.default_rng(3).standard_normal((2, 128)).astype(np.float32)
    images = serving.decode_images(_tf_serving_predict(
        loaded, serving.predict_body(latents=latents)))
    want = loaded.signatures["serving_default"](latents=tf.constant(latents))["images"].numpy()
    np.testing.assert_allclose(images, want, atol=1e-6)

    sampled = serving.decode_images(_tf_serving_predict(
        loaded, serving.predict_body("sample", seed=5, num_samples=3)))
    pngs = serving.decode_pngs(_tf_serving_predict(
        loaded, serving.predict_body("sample_png", seed=5, num_samples=3)))
    assert sampled.shape == (3, 28, 28, 1) and len(pngs) == 3
    decoded = np.stack([serving.png_to_array(p) for p in pngs])
    np.testing.assert_allclose(decoded / 255.0, sampled, atol=0.5 / 255 + 1e-6)


def test_client_bad_input():
    with pytest.raises(ValueError, match="signature must be one of"):
        serving.predict_body("generate")
    with pytest.raises(ValueError, match="needs latents"):
        serving.predict_body()
    with pytest.raises(ValueError, match="needs seed and num_samples"):
        serving.predict_body("sample", seed=1)
    with pytest.raises(ValueError, match="error: boom"):
        serving.decode_images({"error": "boom"})


# === Conditional generators ===


@pytest.fixture(scope="module")
def exported_conditional(tmp_path_factory):
    keras.utils.set_random_seed(0)
    g = ConditionalDCGANGenerator(num_classes=10, base_filters=4)
    base = tmp_path_factory.mktemp("models") / "conditional"
    return g, export.export_generator(g, base, metadata={"method": "validity"})


def test_conditional_signatures_take_the_condition(exported_conditional):
    g, path = exported_conditional
    meta = export.read_metadata(path)
    assert meta["num_classes"] == 10
    assert meta["signature_inputs"]["sample"] == ["seed", "num_samples", "label"]
    loaded = tf.saved_model.load(str(path))
    latents = np.random.default_rng(0).standard_normal((4, 128)).astype(np.float32)
    labels = np.array([0, 3, 3, 9], np.int32)
    served = loaded.signatures["serving_default"](latents=tf.constant(latents),
                                                   labels=tf.constant(labels))["images"]
    want = (keras.ops.convert_to_numpy(g([latents, labels])) + 1.0) / 2.0
    np.testing.assert_allclose(served.numpy(), want, atol=1e-5)

    def sample(label, seed=1, n=3):
        return loaded.signatures["sample"](
            seed=tf.constant(seed, tf.int64), num_samples=tf.constant(n),
            label=tf.constant(label))["images"].numpy()

    a, b = sample(2), sample(2)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 28, 28, 1) and not np.allclose(a, sample(7))
    pngs = loaded.signatures["sample_png"](seed=tf.constant(1, tf.int64),
                                           num_samples=tf.constant(3),
                                           label=tf.constant(2))["png_bytes"].numpy()
    decoded = np.stack([serving.png_to_array(p) for p in pngs])
    np.testing.assert_allclose(decoded / 255.0, a, atol=0.5 / 255 + 1e-6)


def test_conditional_signatures_check_before_work(exported_conditional):
    _, path = exported_conditional
    loaded = tf.saved_model.load(str(path))
    z = tf.zeros((2, 128))
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be conditions"):
        loaded.signatures["serving_default"](latents=z, labels=tf.constant([0, 10]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="one condition per latent row"):
        loaded.signatures["serving_default"](latents=z, labels=tf.constant([1]))
    for label, n, message in ((-1, 2, "labels must be conditions"),
                              (0, 2_000_000, "num_samples must be")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            loaded.signatures["sample"](seed=tf.constant(1, tf.int64),
                                        num_samples=tf.constant(n), label=tf.constant(label))


def test_conditional_client_bodies_round_trip(exported_conditional):
    _, path = exported_conditional
    loaded = tf.saved_model.load(str(path))
    latents = np.random.default_rng(3).standard_normal((2, 128)).astype(np.float32)
    body = serving.predict_body(latents=latents, labels=[4, 5])
    assert body["instances"][1]["labels"] == 5
    images = serving.decode_images(_tf_serving_predict(loaded, body))
    want = loaded.signatures["serving_default"](
        latents=tf.constant(latents), labels=tf.constant([4, 5]))["images"].numpy()
    np.testing.assert_allclose(images, want, atol=1e-6)
    body = serving.predict_body("sample_png", seed=5, num_samples=2, label=4)
    assert body["inputs"] == {"seed": 5, "num_samples": 2, "label": 4}
    assert len(serving.decode_pngs(_tf_serving_predict(loaded, body))) == 2
    with pytest.raises(ValueError, match="one condition per latent row"):
        serving.predict_body(latents=latents, labels=[1])


def test_the_serving_client_imports_without_tensorflow():
    # A TF Serving client needs NumPy only: the package loads TensorFlow on first use.
    script = ("import sys, keras_redact.serving, keras_redact\n"
              "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
              "keras_redact.DCGAN\n"
              "assert 'tensorflow' in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "port.cc" not in result.stderr  # the first TensorFlow import was the quiet one
