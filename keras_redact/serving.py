"""A small TF Serving REST client helper: request bodies and response decoding.

Builds the JSON bodies for `POST /v1/models/<name>:predict` against the signatures that
`keras_redact.export.export_generator` writes, and turns responses back into numpy images.
It needs only numpy and the standard library (plus TensorFlow or Pillow for PNG decoding).

Example:
    >>> body = predict_body("sample_png", seed=7, num_samples=4)
    >>> response = requests.post(f"{url}/v1/models/mnist:predict", json=body).json()
    >>> pngs = decode_pngs(response)            # list of PNG bytes
"""

from __future__ import annotations

import base64

import numpy as np

SIGNATURES = ("serving_default", "sample", "sample_png")


def predict_body(signature: str = "serving_default", *, latents=None, seed: int | None = None,
                 num_samples: int | None = None, labels=None, label: int | None = None) -> dict:
    """The JSON body (a dict) of a predict request.

    `serving_default` takes latents in TF Serving's row format (`instances`, one latent
    vector per instance). `sample` and `sample_png` take two scalars, which the row format
    cannot carry (it batches every input), so they use the columnar format (`inputs`).

    A conditional generator's export takes the condition too: `labels` (one per latent
    row: each instance becomes `{"latents": [...], "labels": y}`) for `serving_default`,
    `label` (one for all samples) for `sample` and `sample_png`.

    Raises:
        ValueError: For an unknown signature or missing / malformed inputs.
    """
    if signature not in SIGNATURES:
        raise ValueError(f"signature must be one of {SIGNATURES}; received {signature!r}")
    if signature == "serving_default":
        if latents is None:
            raise ValueError("serving_default needs latents (num_samples, latent_dim)")
        latents = np.asarray(latents, np.float32)
        if latents.ndim != 2:
            raise ValueError(f"latents must be 2-D (num_samples, latent_dim); received shape "
                             f"{latents.shape}")
        if labels is None:
            return {"signature_name": signature, "instances": latents.tolist()}
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != len(latents):
            raise ValueError(f"labels must give one condition per latent row; received "
                             f"{len(labels)} labels for {len(latents)} rows")
        return {"signature_name": signature,
                "instances": [{"latents": z, "labels": int(y)}
                              for z, y in zip(latents.tolist(), labels, strict=True)]}
    if seed is None or num_samples is None:
        raise ValueError(f"{signature} needs seed and num_samples")
    if int(num_samples) < 1:
        raise ValueError(f"num_samples must be >= 1; received {num_samples!r}")
    inputs = {"seed": int(seed), "num_samples": int(num_samples)}
    if label is not None:
        inputs["label"] = int(label)
    return {"signature_name": signature, "inputs": inputs}


def _payload(response: dict):
    if "error" in response:
        raise ValueError(f"TF Serving answered an error: {response['error']}")
    for key in ("predictions", "outputs"):
        if key in response:
            return response[key]
    raise ValueError(f"Not a predict response: keys {sorted(response)}")


def _single(payload, name):
    # One-output signatures come back without the name; tolerate named ones too.
    if isinstance(payload, dict) and name in payload:
        return payload[name]
    if isinstance(payload, list) and payload and isinstance(payload[0], dict) \
            and name in payload[0]:
        return [row[name] for row in payload]
    return payload


def decode_images(response: dict) -> np.ndarray:
    """Images float32 (N, H, W, C) in [0, 1] from a `serving_default` / `sample` response."""
    return np.asarray(_single(_payload(response), "images"), np.float32)


def decode_pngs(response: dict) -> list[bytes]:
    """PNG bytes, one per image, from a `sample_png` response (`{"b64": ...}` values)."""
    values = _single(_payload(response), "png_bytes")
    return [base64.b64decode(v["b64"] if isinstance(v, dict) else v) for v in values]


def png_to_array(png: bytes) -> np.ndarray:
    """Decodes PNG bytes into a uint8 (H, W, C) array."""
    import tensorflow as tf

    return tf.io.decode_png(png).numpy()
