"""The method registry: each method's set made in one place from a preset's description."""

import numpy as np
import pytest
import tensorflow as tf

from keras_redact import redaction
from keras_redact.redaction import methods


def _description(with_samples=True, with_score=True):
    inside = np.full((3, 2), 2.0, np.float32)
    return methods.Description(
        "points right of 1", lambda x: x[:, 0] > 1.0,
        score=(lambda x: tf.sigmoid(1.0 - x[:, 0])) if with_score else None,
        samples=(lambda: inside) if with_samples else None)


def test_each_method_builds_its_set_with_one_membership():
    points = np.array([[0.0, 0.0], [2.0, 0.0]], np.float32)
    built = {name: methods.get(name).build(_description(), tau=0.5, queries_per_round=7)
             for name in methods.NAMES}
    assert isinstance(built["data"], redaction.DataRedactionSet)
    assert isinstance(built["validity"], redaction.ValidityRedactionSet)
    assert isinstance(built["classifier"], redaction.ClassifierRedactionSet)
    assert built["validity"].queries_per_round == 7
    for name, rs in built.items():
        assert methods.of(rs).name == name
        np.testing.assert_array_equal(rs.contains(points).numpy(), [False, True])


def test_what_a_method_needs_and_what_training_asks():
    with pytest.raises(ValueError, match="data-based set of points right of 1 needs"):
        methods.get("data").build(_description(with_samples=False))
    with pytest.raises(ValueError, match="classifier-based set of points right of 1 needs"):
        methods.get("classifier").build(_description(with_score=False))
    with pytest.raises(ValueError, match=r"method must be one of \('data', 'validity', "
                                         r"'classifier'\); received 'deletion'"):
        methods.get("deletion")
    flags = {m.name: (m.fixed_buffer, m.grows_buffer, m.guided)
             for m in methods.METHODS.values()}
    assert flags == {"data": (True, False, False), "validity": (False, True, False),
                     "classifier": (False, False, True)}
    assert redaction.recipes.METHODS == methods.NAMES
