"""The pre-training step of `step_vs_pytorch.py` in PyTorch: a worker process.

    python benchmarks/torch_step.py THREADS [PRECISION] [PART]

Prints PyTorch's version, then for each line `STEPS` read from stdin prints the images/s
of the step (batch / the median time between consecutive steps over STEPS steps, after
three warm-up steps). The network is the shipped MNIST DCGAN's (`DCGANGenerator` and
`DCGANDiscriminator` at 28x28x1) in `torch.nn`, the losses and optimisers those of
`keras_redact.models.DCGAN` with K_D = K_G = 1 (see `step_vs_pytorch.py`). PRECISION is
`float32` (default) or `bfloat16`: the forward passes under `torch.autocast` in bfloat16,
the weights and optimiser in float32 (PyTorch's counterpart of Keras' `mixed_bfloat16`).
PART is `both` (default: the D update, then the G update), `d` (the D update alone) or
`g` (the G update alone): where the time goes.
"""

import statistics
import sys
import time

import torch
from torch import nn

BATCH = 64
LATENT = 128


def build_step(precision="float32", part="both"):
    """One eager PyTorch step: a D update (label-smoothed) then a G update."""
    torch.manual_seed(0)
    # Keras BatchNormalization: momentum 0.99 (PyTorch's 0.01), epsilon 1e-3.
    bn = {"momentum": 0.01, "eps": 1e-3}
    generator = nn.Sequential(
        nn.Linear(LATENT, 7 * 7 * 64, bias=False), nn.BatchNorm1d(7 * 7 * 64, **bn), nn.ReLU(),
        nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(32, **bn), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 1))  # the logit; the sigmoid is in the loss
    # Keras Adam: epsilon 1e-7.
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999),
                             eps=1e-7)
    logsig = nn.functional.logsigmoid
    real = torch.rand(BATCH, 1, 28, 28) * 2 - 1

    def smoothed(logits, target):
        return -(target * logsig(logits) + (1 - target) * logsig(-logits)).mean()

    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bfloat16")

    def d_step():
        with torch.no_grad(), autocast:
            fake = generator(torch.randn(BATCH, LATENT))
        with autocast:
            d_loss = (smoothed(discriminator(real).float(), 0.9)
                      + smoothed(discriminator(fake).float(), 0.1))
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()

    def g_step():
        with autocast:
            logits = discriminator(generator(torch.randn(BATCH, LATENT))).float()
        g_loss = -logsig(logits).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()

    def both():
        d_step()
        g_step()

    return {"both": both, "d": d_step, "g": g_step}[part]


def main(threads: int, precision: str, part: str):
    if precision not in ("float32", "bfloat16"):
        raise SystemExit(f"PRECISION must be float32 or bfloat16; received {precision!r}")
    if part not in ("both", "d", "g"):
        raise SystemExit(f"PART must be both, d or g; received {part!r}")
    torch.set_num_threads(threads)
    step = build_step(precision, part)
    print(torch.__version__, flush=True)
    for line in sys.stdin:
        for _ in range(3):
            step()
        times = [time.perf_counter()]
        for _ in range(int(line)):
            step()
            times.append(time.perf_counter())
        gaps = [b - a for a, b in zip(times, times[1:])]
        print(BATCH / statistics.median(gaps), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), *(sys.argv[2:] + ["float32", "both"][len(sys.argv) - 2:]))
