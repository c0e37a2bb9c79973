import keras
import numpy as np
import pytest

from keras_redact.evaluation import redaction_score as rs


def _constant_d(value):
    x = keras.Input((2,))
    d = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(x))
    logit = np.log(value / (1 - value))
    d.layers[-1].set_weights([np.zeros((2, 1)), np.array([logit])])
    return d


def test_scores_are_d0_minus_d_after():
    images = np.zeros((5, 2), np.float32)
    d0, scores, rel = rs.redaction_scores(_constant_d(0.8), _constant_d(0.2), images)
    np.testing.assert_allclose(d0, 0.8, atol=1e-6)
    np.testing.assert_allclose(scores, 0.6, atol=1e-6)
    np.testing.assert_allclose(rel, 0.75, atol=1e-6)


def test_fit_line_and_r2():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    fit = rs.fit_line(x, 2 * x + 1)
    assert (fit.slope, fit.intercept, fit.r2) == pytest.approx((2.0, 1.0, 1.0))
    noisy = rs.fit_line(x, np.array([1.0, 2.0, 1.0, 2.0]))
    assert noisy.r2 == pytest.approx(0.2)  # 1 - 0.8 / 1.0, by hand
    with pytest.raises(ValueError, match="two or more"):
        rs.fit_line([1.0], [1.0])


def test_average_by_label_and_extremes(tmp_path):
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert rs.average_by_label(scores, [0, 1, 0, 1]) == {1: pytest.approx(0.8),
                                                          0: pytest.approx(0.3)}
    easy, hard = rs.easiest_and_hardest(np.arange(4), scores, k=2)
    assert easy.tolist() == [1, 3] and hard.tolist() == [0, 2]
    fit = rs.plot_scores(np.array([0.2, 0.4, 0.6]), np.array([0.1, 0.2, 0.3]),
                         tmp_path / "rs.png")
    assert fit.r2 == pytest.approx(1.0) and (tmp_path / "rs.png").stat().st_size > 1000
