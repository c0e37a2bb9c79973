import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import losses, redaction


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


def test_compile_defaults_are_the_paper_recipe_whatever_the_sample_shape():
    g, d = _models()
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(np.zeros((3, 2, 2, 1))))
    model.compile(jit_compile=False)
    assert (model.lam, model.alpha_plus, model.alpha_minus) == (0.85, 0.95, 0.05)
    assert model.g_steps == 1


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


def _ll(p, target):
    return target * np.log(p) + (1 - target) * np.log(1 - p)


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


@pytest.mark.parametrize("lam", [0.3, 0.7])
def test_d_loss_of_first_step_is_eq3(lam):
    # D(x) = sigmoid(0.5 * sum x) tells the three sources apart: real samples (0.5 each
    # pixel), Omega's (-0.5) and G's (tanh(0.5), G's weights zeroed, bias 0.5). The first
    # step's loss is eq. 3 with the fake mixture lam p_G + (1 - lam) p_Omega and the
    # smoothing targets 0.95 / 0.05: a wrong lam or swapped targets change it.
    g, d = _models()
    dense = g.layers[1]
    dense.set_weights([np.zeros((4, 4)), np.full(4, 0.5)])
    d.get_layer("logit").set_weights([np.full((4, 1), 0.5), np.zeros(1)])
    omega = np.full((3, 2, 2, 1), -0.5, np.float32)
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(omega))
    model.compile(lam=lam, alpha_plus=0.95, alpha_minus=0.05, jit_compile=False)
    logs = model.train_on_batch(np.full((8, 2, 2, 1), 0.5, np.float32), return_dict=True)
    real, omega_d, generated = _sigmoid(1.0), _sigmoid(-1.0), _sigmoid(2 * np.tanh(0.5))
    expected = -(_ll(real, 0.95) + lam * _ll(generated, 0.05) + (1 - lam) * _ll(omega_d, 0.05))
    assert logs["d_loss"] == pytest.approx(expected, rel=1e-5)
    assert logs["d_real"] == pytest.approx(real, rel=1e-5)
    assert logs["d_redaction"] == pytest.approx(omega_d, rel=1e-5)


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


@pytest.mark.parametrize("inside", [0, 3, 9])  # f afresh on those (none: f not run again)
@pytest.mark.parametrize("jit,known", [(False, False), (False, True), (True, False)])
def test_guide_gradient_on_the_samples_inside_equals_the_full_gradient(inside, jit, known):
    def f(x):
        return tf.sigmoid(3.0 * tf.reduce_sum(tf.reshape(x, (-1, 4)), axis=1))

    g, d = _models()
    rs = redaction.ClassifierRedactionSet(f, tau=0.5)
    model = redaction.RedactionGAN(g, d, rs, seed=0)
    model.compile(jit_compile=jit)  # XLA: f's gradient on the whole batch (no branch)
    rng = np.random.default_rng(0)
    images = np.abs(rng.normal(size=(16, 2, 2, 1))).astype(np.float32) + 0.1  # f > tau
    images[rng.choice(16, inside, replace=False)] *= -1.0  # f < tau
    images = tf.constant(images)

    def gradient(score):
        with tf.GradientTape() as tape:
            tape.watch(images)
            p = losses.guide(
                tf.fill((16,), 0.3), score(images), tau=0.5, alpha_minus=0.05)
            loss = tf.reduce_sum(tf.math.log(p))
        return tf.convert_to_tensor(tape.gradient(loss, images)), p

    def score(x):  # f's values given (as G's first update has them) or computed
        return model._f_differentiable(x, rs.score(x) if known else None)

    grad, p = tf.function(lambda: gradient(score), jit_compile=jit)()
    full_grad, full_p = gradient(rs.score)
    assert int(tf.reduce_sum(tf.cast(f(images) < 0.5, tf.int32))) == inside
    np.testing.assert_allclose(p, full_p, rtol=1e-6)
    np.testing.assert_allclose(grad, full_grad, rtol=1e-5, atol=1e-7)
    assert np.count_nonzero(np.abs(full_grad.numpy()).sum(axis=(1, 2, 3))) == inside


def test_classifier_step_runs_f_once_on_each_generated_batch():
    # One D and one G update: f runs on D's generated batch, and G's update reuses those
    # latents and f's values, computing f again only for its gradient, on the samples
    # inside Omega (a batch of unknown size). Counted at trace.
    calls = []

    def f(x):
        calls.append(x.shape[0])
        return tf.sigmoid(tf.reduce_sum(tf.reshape(x, (-1, 4)), axis=1))

    rs = redaction.ClassifierRedactionSet(f, tau=0.5)
    images = np.random.default_rng(0).normal(size=(16, 2, 2, 1)).astype(np.float32)
    g, d = _models()
    model = redaction.RedactionGAN(g, d, rs, seed=0)
    model.compile(jit_compile=False)
    model.add_redaction_samples(images[:4])
    batch = next(iter(redaction.scored_batches(images, rs, batch_size=16)))  # f on data
    calls.clear()
    model.train_on_batch(batch)
    assert calls == [16, None]  # D's batch; the samples inside Omega
    calls.clear()
    model.compile(jit_compile=False, g_steps=2)  # a second G update has fresh latents
    model.train_on_batch(batch)
    assert calls == [16, None, 16, None]


def test_guide_omega_false_lets_d_judge_the_redaction_samples_alone():
    # f = 0 on the redaction samples: guide(D, f) = alpha_minus there whatever D is (eq. 6),
    # so D gets no gradient from them; with guide_omega=False it gets D's own.
    def f(x):
        return tf.sigmoid(tf.reduce_sum(tf.reshape(x, (-1, 4)), axis=1))

    omega = np.full((4, 2, 2, 1), -10.0, np.float32)  # f = sigmoid(-40) = 0 in float32
    real = np.full((8, 2, 2, 1), 0.5, np.float32)
    judged = {}
    for guide_omega in (True, False):
        g, d = _models()
        d.get_layer("logit").set_weights([np.full((4, 1), 0.1), np.zeros(1)])
        expected = float(np.mean(d(omega)))
        model = redaction.RedactionGAN(g, d, redaction.ClassifierRedactionSet(f), seed=0)
        model.compile(alpha_minus=0.05, guide_omega=guide_omega, jit_compile=False)
        assert model.get_compile_config()["guide_omega"] is guide_omega
        model.add_redaction_samples(omega)
        judged[guide_omega] = (model.train_on_batch(real, return_dict=True)["d_redaction"],
                               expected)
    assert judged[True][0] == pytest.approx(0.05, abs=1e-6)
    assert judged[False][0] == pytest.approx(judged[False][1], rel=1e-5)  # D(omega) ~ 0.02
    assert abs(judged[False][1] - 0.05) > 0.01

    g, d = _models()
    data_set = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(omega))
    with pytest.raises(ValueError, match="classifier-based redaction only; the redaction set "
                                         "is a DataRedactionSet"):
        data_set.compile(guide_omega=False)
    with pytest.raises(ValueError, match="guide_omega must be True or False; received 0"):
        data_set.compile(guide_omega=0)


def test_classifier_set_caches_f_of_the_redaction_samples():
    def f(x):
        return tf.sigmoid(tf.reduce_sum(tf.reshape(x, (-1, 4)), axis=1))

    g, d = _models()
    model = redaction.RedactionGAN(g, d, redaction.ClassifierRedactionSet(f), capacity=4,
                                   seed=0)
    samples = np.random.default_rng(0).normal(size=(10, 2, 2, 1)).astype(np.float32)
    model.add_redaction_samples(samples)  # 4 kept of 10 by reservoir sampling
    stored = model.redaction_samples()
    np.testing.assert_allclose(model.redaction_scores.numpy(), f(stored), rtol=1e-6)


def test_scored_batches_give_the_step_f_on_real_data():
    def f(x):
        return tf.sigmoid(tf.reduce_sum(tf.reshape(x, (-1, 4)), axis=1))

    rs = redaction.ClassifierRedactionSet(f, tau=0.5)
    images = np.random.default_rng(0).normal(size=(16, 2, 2, 1)).astype(np.float32)
    ds = redaction.scored_batches(images, rs, batch_size=8, seed=0)
    batch = next(iter(ds))
    assert set(batch) == {"images", "redaction_scores"} and batch["images"].shape == (8, 2, 2, 1)
    np.testing.assert_allclose(batch["redaction_scores"], f(batch["images"]), rtol=1e-6)
    assert len(list(ds)) == 2

    results = []
    for data in (batch["images"], batch):  # f computed in the step, or given with the data
        keras.utils.set_random_seed(0)
        g, d = _models()
        model = redaction.RedactionGAN(g, d, rs, seed=0)
        model.compile(jit_compile=False)
        model.add_redaction_samples(images[:4])
        logs = model.train_on_batch(data, return_dict=True)
        results.append((logs["d_loss"], _weights(d)))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    # Real scores that differ from f change the step: the batch's values are used.
    g, d = _models()
    model = redaction.RedactionGAN(g, d, rs, seed=0)
    model.compile(jit_compile=False)
    model.add_redaction_samples(images[:4])
    wrong = dict(batch, redaction_scores=tf.zeros(8))
    assert model.train_on_batch(wrong, return_dict=True)["d_loss"] != pytest.approx(
        results[0][0], rel=1e-3)

    with pytest.raises(ValueError, match="ClassifierRedactionSet; received DataRedactionSet"):
        redaction.scored_batches(images, redaction.DataRedactionSet(images))
    with pytest.raises(ValueError, match="16 images make no full batch of 64"):
        redaction.scored_batches(images, rs)


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


def test_validity_rounds_first_round_queries():
    g, d = _models()
    rs = redaction.ValidityRedactionSet(lambda x: tf.zeros(tf.shape(x)[0]), 20, capacity=200)
    model = redaction.RedactionGAN(g, d, rs, seed=0)
    model.compile(jit_compile=False)
    rounds = redaction.ValidityRounds(first_round_queries=50)
    model.fit(_kept(), epochs=3, verbose=0, callbacks=[rounds])
    assert [r["queries"] for r in rounds.history] == [50, 20, 20]  # then the set's T
    assert int(model.redaction_count.numpy()) == 90  # every sample invalid
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="first_round_queries must be a positive integer"):
            redaction.ValidityRounds(first_round_queries=bad)


def test_a_validity_set_trains_with_the_rounds_it_is_given():
    g, d = _models()
    rs = redaction.ValidityRedactionSet(lambda x: tf.zeros(tf.shape(x)[0]), 20, capacity=100)
    model = redaction.RedactionGAN(g, d, rs, seed=0)
    model.compile(jit_compile=False)
    # Nothing is added behind the caller's back: without Alg. 2's rounds, fit refuses.
    with pytest.raises(ValueError, match=r"pass callbacks=\[redaction.ValidityRounds\(\)\]"):
        model.fit(_kept(), epochs=2, verbose=0)
    model.fit(_kept(), epochs=2, verbose=0, callbacks=[redaction.ValidityRounds()])
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
    assert loaded.lam == pytest.approx(0.9) and loaded.capacity == 3
    model.lam = 0.7  # as LamSchedule leaves it: the variable's value is saved, not compile's
    model.save(tmp_path / "r7.keras")
    assert keras.saving.load_model(tmp_path / "r7.keras").lam == pytest.approx(0.7)
    np.testing.assert_allclose(loaded.redaction_samples(), np.zeros((3, 28, 28, 1)))


def _fixed_models(g_bias=0.3, d_weight=1.5):
    """G with a constant output tanh(g_bias); D(x) = sigmoid(d_weight * sum(x))."""
    g, d = _models()
    dense = [layer for layer in g.layers if isinstance(layer, keras.layers.Dense)][0]
    dense.set_weights([np.zeros((4, 4)), np.full(4, g_bias)])
    d.get_layer("logit").set_weights([np.full((4, 1), d_weight), np.zeros(1)])
    return g, d


def test_lam_schedule_sets_the_compiled_steps_lam_each_epoch():
    # Learning rates 0: G and D stay fixed, so each step's D loss is eq. 3 at that epoch's
    # lam, computed here by hand. The step is traced once, in the first epoch.
    g, d = _fixed_models()
    omega = np.full((5, 2, 2, 1), -0.5, np.float32)
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(omega), seed=0)
    model.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), lam=0.85,
                  alpha_plus=0.95, alpha_minus=0.05, jit_compile=False)
    traces = []
    step = model.train_step
    model.train_step = lambda data: traces.append(1) or step(data)  # runs when traced
    schedule = redaction.LamSchedule([0.6, 0.75])
    history = model.fit(_kept(value=0.5), epochs=3, verbose=0, callbacks=[schedule]).history

    def ll(x, target):
        p = 1 / (1 + np.exp(-1.5 * 4 * x))
        return target * np.log(p) + (1 - target) * np.log(1 - p)

    def eq3(lam):
        return -(ll(0.5, 0.95) + lam * ll(np.tanh(0.3), 0.05) + (1 - lam) * ll(-0.5, 0.05))

    np.testing.assert_allclose(history["lam"], [0.6, 0.75, 0.75], rtol=1e-6)
    np.testing.assert_allclose(history["d_loss"], [eq3(0.6), eq3(0.75), eq3(0.75)], rtol=1e-5)
    assert abs(eq3(0.6) - eq3(0.75)) > 0.1  # the figures tell the two lams apart
    assert model.lam == pytest.approx(0.75)
    assert len(traces) == 1


def test_lam_schedule_takes_a_function_and_assigning_lam_works():
    g, d = _fixed_models()
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(np.zeros((3, 2, 2, 1))))
    model.compile(lam=0.85, jit_compile=False)
    schedule = redaction.LamSchedule(lambda epoch, lam: 0.5 + 0.1 * epoch)
    history = model.fit(_kept(), epochs=2, verbose=0, callbacks=[schedule]).history
    np.testing.assert_allclose(history["lam"], [0.5, 0.6], rtol=1e-6)
    model.lam = 0.9
    assert model.lam == pytest.approx(0.9)
    with pytest.raises(ValueError, match=r"lam must be in \(0, 1\); received 1.2"):
        model.lam = 1.2
    assert model.lam == pytest.approx(0.9)


@pytest.mark.parametrize("schedule,match", [
    ([], "non-empty list"), ("0.6,0.7", "non-empty list"), (0.6, "non-empty list"),
    ([0.6, 1.0], r"lam must be in \(0, 1\); received 1.0")])
def test_lam_schedule_bad_values(schedule, match):
    with pytest.raises(ValueError, match=match):
        redaction.LamSchedule(schedule)


def test_lam_schedule_errors_on_a_bad_model_or_returned_value():
    g, d = _models()
    with pytest.raises(ValueError, match="lam of a RedactionGAN; received a Functional"):
        redaction.LamSchedule([0.6]).set_model(d)
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(np.zeros((3, 2, 2, 1))))
    model.compile(jit_compile=False)
    with pytest.raises(ValueError, match=r"lam must be in \(0, 1\); received 0.0"):
        model.fit(_kept(), epochs=1, verbose=0,
                  callbacks=[redaction.LamSchedule(lambda epoch, lam: 0.0)])


# === Conditional GANs: p_Omega holds pairs ===


def _conditional_models():
    from keras_redact.models import ConditionalDCGANDiscriminator, ConditionalDCGANGenerator

    return (ConditionalDCGANGenerator(num_classes=3, latent_dim=4, base_filters=4),
            ConditionalDCGANDiscriminator(num_classes=3, base_filters=4))


def test_conditional_buffer_holds_pairs_and_the_step_draws_them():
    g, d = _conditional_models()
    images = np.random.default_rng(0).uniform(-1, 1, (6, 28, 28, 1)).astype("float32")
    labels = np.array([0, 1, 2, 2, 1, 0], np.int32)
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet((images, labels)),
                                   seed=0, capacity=4)
    held_images, held_labels = model.redaction_samples()
    # Reservoir of 4 out of 6: each kept image still has its own label.
    assert len(held_images) == 4
    for image, label in zip(held_images, held_labels, strict=True):
        match = np.flatnonzero(np.all(images == image, axis=(1, 2, 3)))
        assert labels[match[0]] == label
    drawn_images, drawn_labels = model._sample_redaction(8)[0]
    assert tuple(drawn_images.shape) == (8, 28, 28, 1) and tuple(drawn_labels.shape) == (8,)
    model.compile(jit_compile=False)
    history = model.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(3),
                        epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
    with pytest.raises(ValueError, match="redaction samples are pairs"):
        model.add_redaction_samples(images)


def _pair_of_discriminators():
    """The same D twice: one giving the probability, one its logit layer's output."""
    x = keras.Input((2, 2, 1))
    logit = keras.layers.Dense(1, name="logit")(keras.layers.Flatten()(x))
    prob = keras.Model(x, keras.layers.Activation("sigmoid")(logit))
    x2 = keras.Input((2, 2, 1))
    logit2 = keras.layers.Dense(1, name="logit")(keras.layers.Flatten()(x2))
    logits = keras.Model(x2, logit2)
    weights = [np.array([[0.8], [-1.3], [0.4], [2.1]], np.float32), np.array([0.3], np.float32)]
    prob.get_layer("logit").set_weights(weights)
    logits.get_layer("logit").set_weights(weights)
    return prob, logits


@pytest.mark.parametrize("method", ["data", "classifier"])
def test_logit_discriminator_takes_the_same_step_as_its_probability(method):
    # Eq. 3 (and eq. 6's guide) from log_sigmoid of the logits must give the update the
    # probability form gives: the same G and D weights after a step of each.
    def f(x):
        return tf.sigmoid(3.0 * tf.reduce_mean(tf.reshape(x, (-1, 4)), axis=1))

    results = []
    for output, d in zip(("probability", "logit"), _pair_of_discriminators()):
        g, _ = _models()
        g.set_weights([np.linspace(-1, 1, 16, dtype=np.float32).reshape(4, 4),
                       np.full(4, 0.1, np.float32)])
        omega = np.linspace(-0.9, 0.9, 12, dtype=np.float32).reshape(3, 2, 2, 1)
        rs = (redaction.DataRedactionSet(omega) if method == "data"
              else redaction.ClassifierRedactionSet(f, tau=0.6))
        model = redaction.RedactionGAN(g, d, rs, seed=3, discriminator_output=output)
        model.compile(lam=0.8, alpha_plus=0.95, alpha_minus=0.05, jit_compile=False)
        if method == "classifier":
            model.add_redaction_samples(omega)
        logs = model.train_on_batch(np.full((8, 2, 2, 1), 0.5, np.float32), return_dict=True)
        results.append((logs, _weights(g), _weights(d)))
    (logs_p, g_p, d_p), (logs_l, g_l, d_l) = results
    assert logs_l["d_loss"] == pytest.approx(logs_p["d_loss"], rel=1e-5)
    assert logs_l["d_real"] == pytest.approx(logs_p["d_real"], rel=1e-5)  # probabilities
    for a, b in zip(g_p + d_p, g_l + d_l):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_logit_discriminator_is_found_and_round_trips():
    g, _ = _models()
    _, d = _pair_of_discriminators()
    with pytest.raises(ValueError, match="discriminator_output must be one of"):
        redaction.RedactionGAN(g, d, discriminator_output="score")
    with pytest.raises(ValueError, match="WGAN critic is refused"):
        redaction.RedactionGAN(g, d, discriminator_output="critic")
    model = redaction.RedactionGAN(g, d, seed=1)  # read from its last layer: linear
    assert model.from_logits
    assert model.get_config()["discriminator_output"] == "logit"
    assert type(model).from_config(model.get_config()).from_logits


def test_fit_warns_of_a_discriminator_that_labels_fake_as_one():
    from keras_redact import contract

    g, _ = _models()
    _, d = _pair_of_discriminators()
    d.get_layer("logit").set_weights([np.full((4, 1), -2.5, np.float32),
                                      np.zeros(1, np.float32)])  # bright = "fake"
    real = np.full((64, 2, 2, 1), 0.9, np.float32)
    omega = redaction.DataRedactionSet(np.zeros((3, 2, 2, 1), np.float32))
    model = redaction.RedactionGAN(g, d, omega, seed=0)
    model.compile(jit_compile=False)
    with pytest.warns(UserWarning, match="labels fake as 1, as keras-io's examples do"):
        model.check_real_side(real)
    fixed = redaction.RedactionGAN(g, contract.negated(d, from_logits=True), omega, seed=0)
    assert fixed.from_logits  # the negated D says what it gives
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed.check_real_side(real)
