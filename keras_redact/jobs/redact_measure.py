"""The redact job's measurements of G: before redaction (cached) and after.

Both are `keras_redact.evaluation.measure` over the job's Omega. The "before" figures of a
pre-trained generator do not change between runs with the same files and settings, so
they are kept in `jobs.cache_dir()` under a key of everything they depend on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pathlib

from keras_redact import __version__, io
from keras_redact.evaluation import measure as measure_lib
from keras_redact.jobs import PRETRAINED, cache_dir
from keras_redact.jobs.redact_config import RedactConfig
from keras_redact.jobs.redact_inputs import Models
from keras_redact.jobs.redact_omega import Omega
from keras_redact.redaction import recipes


def measure(generator, classifier, omega: Omega, num_samples: int, seed: int,
            verbose: int = 0) -> dict:
    """The generator's figures (`evaluation.measure`): invalidity with its 95% interval,
    each part's, the IS, the class shares and the judge's count."""
    return measure_lib.measure(generator, classifier, omega.membership, num_samples,
                               seed=seed, parts=omega.part_memberships, judged=omega.judged,
                               progress=bool(verbose))


def measure_before(config: RedactConfig, models: Models, omega: Omega,
                   settings: recipes.Settings) -> dict:
    """The pre-trained generator's figures, from the cache when the same files, settings,
    seed and count were measured before (`before_cache_key`), else measured and cached."""
    path = cache_dir() / "before" / f"{before_cache_key(config, models, settings)}.json"
    if path.is_file():
        try:
            return {**json.loads(path.read_text()), "cached": True}
        except ValueError:  # a damaged cache file: measure afresh
            pass
    before = measure(models.generator, models.classifier, omega, config.output.eval_samples,
                     config.training.seed, config.output.verbose)
    before.pop("judge_grid", None)
    try:
        io.write_json(path, before)
    except OSError:  # a read-only cache: measure every time
        pass
    return before


def before_cache_key(config: RedactConfig, models: Models, settings) -> str:
    """A key of everything the "before" figures depend on: the bytes of G, the classifier
    and the judge files, what is redacted (and the recipe's tau, which some sets use),
    the declared model contract, the data, the seed, the sample count, the measurement's
    batch and the package version."""
    files = [config.inputs.generator or PRETRAINED / "generator.keras",
             config.inputs.classifier or PRETRAINED / "classifier.keras", models.judge_path]
    digest = hashlib.sha256()
    for file in files:
        if file is not None:
            digest.update(pathlib.Path(file).read_bytes())
    digest.update(json.dumps(
        [dataclasses.asdict(config.what), config.inputs.declared_contract(),
         config.inputs.dataset, config.inputs.data_dir, settings.tau,
         settings.queries_per_round, config.training.seed, config.output.eval_samples,
         measure_lib.BATCH_SIZE, __version__], default=str, sort_keys=True).encode())
    return digest.hexdigest()[:32]
