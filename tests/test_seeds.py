"""The named random streams of a run."""

import pytest

from keras_redact import seeds


def test_random_streams_are_named_and_keep_their_seeds():
    # The streams' seeds as the figures of earlier runs were measured with them.
    assert seeds.derive(3, "measure") == 3 and seeds.derive(3, "monitor") == 4
    assert seeds.derive(3, "validity_rounds", 2) == 3 * 100_003 + 2
    assert seeds.derive(1, "certification", 9) == 7_919 + 2_000_000 + 9
    values = {seeds.derive(3, name) for name in seeds.STREAMS if name != "fresh"}
    assert len(values) == len(seeds.STREAMS) - 1  # distinct for the same seed
    with pytest.raises(KeyError, match="no random stream 'latent'"):
        seeds.derive(0, "latent")
