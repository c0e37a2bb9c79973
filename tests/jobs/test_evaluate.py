"""bin/evaluate's library on tiny models: metrics, SavedModel input, bad input."""

import json

import keras
import numpy as np
import pytest
from scipy import linalg

from keras_redact import data, export
from keras_redact.evaluation import sampling
from keras_redact.jobs import evaluate
from keras_redact.models import DCGANGenerator, LabelClassifier


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("eval")
    g = DCGANGenerator(base_filters=4)
    g.save(folder / "g.keras")
    clf = LabelClassifier((28, 28, 1), 10, filters=4, feature_dim=8, augment=False)
    clf.save(folder / "clf.keras")
    export.export_generator(g, folder / "sm")
    return folder


def _config(models, **kwargs):
    kwargs.setdefault("generator", str(models / "g.keras"))
    kwargs.setdefault("eval_samples", 600)
    return evaluate.EvaluateConfig(classifier=str(models / "clf.keras"), batch_size=250,
                                   **kwargs)


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
def test_all_metrics_written_and_equal_to_their_formulas(models, tmp_path):
    figures = evaluate.evaluate(_config(models, output_dir=str(tmp_path / "out")))
    for key in ("invalidity", "invalidity_ci", "inception_score", "fid", "kid",
                "eval_samples", "seconds"):
        assert key in figures, key
    # The same 600 samples (seed 0, batches of 250), measured here with NumPy and SciPy.
    g = keras.saving.load_model(models / "g.keras")
    clf = keras.saving.load_model(models / "clf.keras")
    logits, feats = sampling.map_generated(g, lambda x: clf.logits_and_features(x), 600,
                                           seed=0, batch_size=250)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    kl = np.sum(p * (np.log(p) - np.log(p.mean(0))), axis=1)
    assert figures["inception_score"] == pytest.approx(np.exp(kl.mean()), rel=1e-4)
    assert figures["invalidity"] == pytest.approx(np.mean(logits.argmax(1) == 0))
    train = data.to_numpy(data.load("mnist_5k", "train"))
    kept = train[0][train[1] != 0]
    real = np.concatenate([clf.logits_and_features(kept[i:i + 500])[1]
                           for i in range(0, len(kept), 500)])
    assert figures["reference_samples"] == len(kept) == 3600
    mu1, mu2 = feats.mean(0), real.mean(0)
    s1, s2 = np.cov(feats, rowvar=False), np.cov(real, rowvar=False)
    fid = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert figures["fid"] == pytest.approx(fid, rel=1e-3)
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert saved["eval_samples"] == 600 and saved["fid"] == figures["fid"]
    assert "| Inception Score |" in (tmp_path / "out" / "metrics.md").read_text()


def test_kept_data_features_are_cached_by_data_labels_and_evaluator(models, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("KERAS_REDACT_CACHE", str(tmp_path / "cache"))
    first = evaluate.evaluate(_config(models, metrics=("fid",)))
    assert first["reference_cached"] is False
    assert len(list((tmp_path / "cache" / "features").glob("*.npy"))) == 1

    def no_data(*args, **kwargs):
        raise AssertionError("the kept data were read again")

    monkeypatch.setattr(evaluate, "_kept_images", no_data)
    second = evaluate.evaluate(_config(models, metrics=("fid",)))
    assert second["reference_cached"] is True and second["fid"] == first["fid"]
    # Other labels are another reference: computed afresh.
    monkeypatch.undo()
    monkeypatch.setenv("KERAS_REDACT_CACHE", str(tmp_path / "cache"))
    other = evaluate.evaluate(_config(models, metrics=("fid",), labels=(1,)))
    assert other["reference_cached"] is False
    assert len(list((tmp_path / "cache" / "features").glob("*.npy"))) == 2


def test_saved_model_gives_the_same_figures(models):
    a = evaluate.evaluate(_config(models, metrics=("invalidity", "is")))
    b = evaluate.evaluate(_config(models, generator=str(models / "sm" / "1"),
                                  metrics=("invalidity", "is")))
    assert b["inception_score"] == pytest.approx(a["inception_score"], rel=1e-3)
    assert abs(b["invalidity"] - a["invalidity"]) <= 2 / 600


def test_bad_input(models, tmp_path):
    with pytest.raises(ValueError, match="eval_samples must be a positive integer"):
        _config(models, eval_samples=0)
    with pytest.raises(ValueError, match="metrics must be"):
        _config(models, metrics=("precision",))
    with pytest.raises(ValueError, match="is not a generator"):
        evaluate.evaluate(_config(models, generator=str(models / "clf.keras")))
    (tmp_path / "sm").mkdir()
    import tensorflow as tf

    class Other(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
        def f(self, x):
            return {"y": x}

    module = Other()
    tf.saved_model.save(module, str(tmp_path / "sm" / "1"), signatures={"predict": module.f})
    with pytest.raises(ValueError, match=r"no 'serving_default' signature; it has \['predict'\]"):
        evaluate.evaluate(_config(models, generator=str(tmp_path / "sm" / "1")))
    big = DCGANGenerator((32, 32, 3), base_filters=4)
    big.save(tmp_path / "big.keras")
    with pytest.raises(ValueError, match=r"\(32, 32, 3\) but the classifier takes \(28, 28, 1\)"):
        evaluate.evaluate(_config(models, generator=str(tmp_path / "big.keras")))


def test_a_sigmoid_generator_gets_the_figures_of_its_tanh_twin(models, tmp_path):
    # keras-io's generators end in a sigmoid: the classifier still sees [-1, 1] images.
    tanh = keras.saving.load_model(models / "g.keras")
    x = keras.Input((128,))
    sigmoid = keras.Model(x, keras.layers.Rescaling(0.5, offset=0.5)(tanh(x)))
    sigmoid.save(tmp_path / "g_sig.keras")
    a = evaluate.evaluate(_config(models, metrics=("invalidity", "is")))
    b = evaluate.evaluate(_config(models, generator=str(tmp_path / "g_sig.keras"),
                                  metrics=("invalidity", "is")))
    assert b["inception_score"] == pytest.approx(a["inception_score"], rel=1e-5)
    assert b["invalidity"] == a["invalidity"]


@pytest.mark.parametrize("tau", [5, -1, 0.0, 1.0])
def test_tau_out_of_range_is_refused_with_the_setting(tau):
    from keras_redact.jobs import redact
    from keras_redact.redaction import check_tau

    for make in (lambda: check_tau(tau),
                 lambda: redact.RedactConfig.of(method="classifier", tau=tau)):
        with pytest.raises(ValueError, match=r"tau must be in \(0, 1\); received"):
            make()
