import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import redaction


def _models(latent=4):
    z = keras.Input((latent,))
    g = keras.Model(z, keras.layers.Reshape((2, 2, 1))(
        keras.layers.Dense(4, activation="tanh")(z)))
    x = keras.Input((2, 2, 1))
    d = keras.Model(x, keras.layers.Dense(1, activation="sigmoid", name="logit")(
        keras.layers.Flatten()(x)))
    return g, d


def _kept(n=32, value=0.5):
    return tf.data.Dataset.from_tensor_slices(np.full((n, 2, 2, 1), value, np.float32)).batch(
        8, drop_remainder=True)


def _weights(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def test_defaults_follow_the_paper():
    assert redaction.defaults_for((28, 28, 1)) == {
        "alpha_plus": 0.95, "alpha_minus": 0.05, "lam": 0.85, "g_steps": 1, "epochs": 8}
    assert redaction.defaults_for((96, 96, 3))["g_steps"] == 5
    g, d = _models()
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(np.zeros((3, 2, 2, 1))))
    model.compile(jit_compile=False)
    assert (model.lam, model.alpha_plus, model.alpha_minus) == (0.85, 0.95, 0.05)  # <= 28 px


@pytest.mark.parametrize("kwargs,match", [
    ({"lam": 1.0}, "lam"), ({"alpha_plus": 0.5}, "alpha_plus"),
    ({"alpha_minus": 0.6}, "alpha_minus"), ({"generator_loss": "hinge"}, "generator_loss")])
def test_bad_hyper_parameters(kwargs, match):
    g, d = _models()
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(np.zeros((3, 2, 2, 1))))
    with pytest.raises(ValueError, match=match):
        model.compile(**kwargs)


def test_data_based_step_trains_both_and_reports():
    g, d = _models()
    omega = np.full((5, 2, 2, 1), -0.5, np.float32)
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(omega), seed=0)
    model.compile(lam=0.85, alpha_plus=0.95, alpha_minus=0.05, jit_compile=False)
    g0, d0 = _weights(g), _weights(d)
    logs = model.fit(_kept(), epochs=1, verbose=0).history
    assert logs["redaction_samples"][-1] == 5
    for key in ("d_loss", "g_loss", "d_real", "d_generated", "d_redaction"):
        assert np.isfinite(logs[key][-1])
    assert not all(np.allclose(a, b) for a, b in zip(g0, _weights(g)))
    assert not all(np.allclose(a, b) for a, b in zip(d0, _weights(d)))


def test_d_loss_of_first_step_is_eq3():
    # D(x) = 0.5 everywhere: -L = -(log .5) * (1 + lam + 1 - lam) = 2 log 2 for any lam.
    g, d = _models()
    d.get_layer("logit").set_weights([np.zeros((4, 1)), np.zeros(1)])
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(np.zeros((3, 2, 2, 1))))
    model.compile(lam=0.7, jit_compile=False)
    logs = model.train_on_batch(np.zeros((8, 2, 2, 1), np.float32), return_dict=True)
    assert logs["d_loss"] == pytest.approx(2 * np.log(2), rel=1e-5)


def test_gradients_reach_generator_through_f_only_with_guide():
    # D has zero weights, so D(x) = 0.5 and dD/dx = 0; with D frozen, G can only move
    # through f of the guide (Alg. 3). The data-based set gives G no gradient at all.
    def f(x):
        return tf.sigmoid(4.0 * tf.reduce_mean(tf.reshape(x, (-1, 4)), axis=1)) * 0.999

    results = {}
    for name, rs in (("classifier", redaction.ClassifierRedactionSet(f, tau=0.9)),
                     ("data", redaction.DataRedactionSet(np.zeros((3, 2, 2, 1))))):
        g, d = _models()
        d.get_layer("logit").set_weights([np.zeros((4, 1)), np.zeros(1)])
        model = redaction.RedactionGAN(g, d, rs, seed=0)
        model.compile(d_steps=0, jit_compile=False)
        g0, d0 = _weights(g), _weights(d)
        model.fit(_kept(), epochs=1, verbose=0)
        results[name] = not all(np.allclose(a, b) for a, b in zip(g0, _weights(g)))
        assert all(np.allclose(a, b) for a, b in zip(d0, _weights(d)))  # D frozen
    assert results == {"classifier": True, "data": False}


def test_validity_rounds_grow_the_buffer():
    g, d = _models()
    # Every generated sample with a negative mean pixel is invalid.
    rs = redaction.ValidityRedactionSet(
        lambda x: tf.cast(tf.reduce_mean(tf.reshape(x, (-1, 4)), 1) >= 0, tf.float32),
        queries_per_round=50, capacity=60)
    model = redaction.RedactionGAN(g, d, rs, seed=0)
    assert model.capacity == 60
    model.compile(jit_compile=False)
    rounds = redaction.ValidityRounds()
    model.fit(_kept(), epochs=3, verbose=0, callbacks=[rounds])
    found = [r["invalid"] for r in rounds.history]
    assert len(found) == 3 and all(0 < k <= 50 for k in found)
    # The buffer is capped at capacity; reservoir sampling keeps counting what it has seen.
    assert int(model.redaction_count.numpy()) == min(60, sum(found))
    assert int(model.redaction_seen.numpy()) == sum(found)
    stored = model.redaction_samples()
    assert (stored.reshape(len(stored), -1).mean(1) < 0).all()


def test_validity_set_added_callback_by_fit():
    g, d = _models()
    rs = redaction.ValidityRedactionSet(lambda x: tf.zeros(tf.shape(x)[0]), 20, capacity=100)
    model = redaction.RedactionGAN(g, d, rs, seed=0)
    model.compile(jit_compile=False)
    model.fit(_kept(), epochs=2, verbose=0)
    assert int(model.redaction_count.numpy()) == 40  # all invalid: 2 rounds of T = 20


def test_empty_data_set_and_shape_errors():
    g, d = _models()
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(np.zeros((3, 2, 2, 1))))
    with pytest.raises(ValueError, match=r"shape \(3, 3, 1\)"):
        model.add_redaction_samples(np.zeros((2, 3, 3, 1)))
    model.compile(jit_compile=False)
    bad = tf.data.Dataset.from_tensor_slices(np.zeros((8, 3, 3, 1), np.float32)).batch(8)
    with pytest.raises(ValueError, match=r"\(3, 3, 1\).*\(2, 2, 1\)"):
        model.fit(bad, epochs=1, verbose=0)


def test_round_trip_keras(tmp_path):
    from keras_redact.models import DCGANDiscriminator, DCGANGenerator

    g, d = DCGANGenerator(base_filters=4), DCGANDiscriminator(base_filters=4)
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(np.zeros((3, 28, 28, 1))),
                                   seed=3)
    model.compile(lam=0.9, jit_compile=False)
    model.save(tmp_path / "r.keras")
    loaded = keras.saving.load_model(tmp_path / "r.keras")
    assert isinstance(loaded, redaction.RedactionGAN)
    assert loaded.lam == 0.9 and loaded.capacity == 3
    np.testing.assert_allclose(loaded.redaction_samples(), np.zeros((3, 28, 28, 1)))
