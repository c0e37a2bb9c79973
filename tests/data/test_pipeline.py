import numpy as np
import pytest

from keras_redact import data


def _source():
    images = np.stack([np.full((4, 4, 1), v, np.uint8) for v in (0, 255, 51, 102, 153, 204)])
    labels = np.array([0, 1, 0, 2, 1, 0])
    return data.from_arrays(images, labels)


def test_scaling_to_minus_one_one():
    x = np.asarray(data.scale_images(np.array([0, 255, 127.5 + 0], np.uint8)))
    np.testing.assert_allclose(x, [-1.0, 1.0, 127 / 127.5 - 1], atol=1e-6)


def test_predicate_split_kept_and_redacted():
    source = _source()
    pred = data.label_predicate([0])
    kept = data.batches(source, 10, predicate=pred, part="kept", shuffle=False,
                        with_labels=True, drop_remainder=False)
    red = data.batches(source, 10, predicate=pred, part="redacted", shuffle=False,
                       with_labels=True, drop_remainder=False)
    (_, ky), (rx, ry) = next(iter(kept)), next(iter(red))
    assert sorted(ky.numpy().tolist()) == [1, 1, 2]
    assert ry.numpy().tolist() == [0, 0, 0]
    np.testing.assert_allclose(rx.numpy()[:, 0, 0, 0], [-1.0, 51 / 127.5 - 1, 204 / 127.5 - 1],
                               atol=1e-6)


def test_batches_drop_remainder_and_shuffle_seed():
    source = _source()
    a = [b.numpy() for b in data.batches(source, 4, seed=3)]
    b = [b.numpy() for b in data.batches(source, 4, seed=3)]
    assert len(a) == 1 and a[0].shape == (4, 4, 4, 1)
    np.testing.assert_array_equal(a[0], b[0])


def test_bad_part_and_missing_predicate():
    with pytest.raises(ValueError, match="part must be"):
        data.batches(_source(), 2, part="both")
    with pytest.raises(ValueError, match="needs a predicate"):
        data.batches(_source(), 2, part="kept")


def test_to_numpy_kept():
    x, y = data.to_numpy(_source(), data.label_predicate([1, 2]), part="kept")
    assert x.shape == (3, 4, 4, 1) and set(y.tolist()) == {0}


def test_float_samples_of_any_shape_pass_through_unscaled():
    points = np.random.default_rng(0).normal(size=(12, 2)) * 5.0  # float64 2-D points
    source = data.from_arrays(points, np.arange(12) % 3)
    assert source.sample_shape == (2,) and source.num_classes == 3
    kept = data.batches(source, 4, predicate=data.label_predicate([0]), part="kept",
                        shuffle=False)
    np.testing.assert_allclose(np.concatenate([b.numpy() for b in kept]),
                               points[np.arange(12) % 3 != 0].astype(np.float32))
    images, labels = data.to_numpy(data.from_arrays(np.zeros((3, 4, 4, 1), np.float32)))
    assert images.shape == (3, 4, 4, 1) and (images == 0).all() and (labels == -1).all()


def test_other_dtypes_are_refused_not_rescaled():
    with pytest.raises(ValueError, match="samples must be uint8 images in \\[0, 255\\] .* or "
                                         "floats .*; received dtype int64"):
        data.from_arrays(np.zeros((4, 2), np.int64))
    with pytest.raises(ValueError, match=r"shape \(N, ...\), one row per sample; received "
                                         r"shape \(4,\)"):
        data.from_arrays(np.zeros(4, np.float32))
