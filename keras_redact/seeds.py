"""The random streams of a run, each derived from the run's seed by name.

Every job takes one seed; what draws from it draws from a named stream, so which numbers
feed what can be read in one place:

| stream | what it draws | seed |
|---|---|---|
| `measure` | the latents of the measurements before and after, `bin/evaluate` | seed |
| `monitor` | the per-epoch invalidity samples (`InvalidityMonitor`) | seed + 1 |
| `fresh` | a measuring object's later passes (a filter's epochs, test samples) | seed + 1 |
| `target_filter` | the post-hoc filter a target run's quality is judged against | seed + 3 |
| `quality_guard` | the quality guard's filter and class shares (`QualityGuard`) | seed + 5 |
| `contract` | the samples that read G's range and D's kind (`keras_redact.contract`) | seed + 7 |
| `audit_omega` | the audit's off-condition pairs: real samples' wrong conditions | seed + 11 |
| `validity_rounds` | Alg. 2's queries in epoch e | seed x 100,003 + e |
| `target_check` | a target run's per-epoch check in epoch e | seed x 7,919 + 1,000 + e |
| `certification` | a certificate's fresh samples after epoch e | seed x 7,919 + 2,000,000 + e |

The training latents and Keras' own randomness come from `keras.utils.set_random_seed(seed)`
and the models' `SeedGenerator(seed)`.
"""

from __future__ import annotations

STREAMS = {
    "measure": (1, 0),
    "monitor": (1, 1),
    "fresh": (1, 1),
    "target_filter": (1, 3),
    "quality_guard": (1, 5),
    "contract": (1, 7),
    "audit_omega": (1, 11),
    "validity_rounds": (100_003, 0),
    "target_check": (7_919, 1_000),
    "certification": (7_919, 2_000_000),
}
"""`{stream: (multiplier, offset)}`: stream seed = seed x multiplier + offset + step."""


def derive(seed: int, stream: str, step: int = 0) -> int:
    """The seed of `stream` at `step` (an epoch) for a run seeded with `seed`.

    Raises:
        KeyError: For an unknown stream (the message lists them).
    """
    if stream not in STREAMS:
        raise KeyError(f"no random stream {stream!r}; streams: {sorted(STREAMS)}")
    multiplier, offset = STREAMS[stream]
    return int(seed) * multiplier + offset + int(step)
