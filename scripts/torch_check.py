#!/usr/bin/env python3
"""Loads a checkpoint written by `ddpm train` into the S-curve tutorial's own MLPDiffusion class
(strict load_state_dict, no renaming or transposing), samples 10 000 points in PyTorch with the
checkpoint's schedule and sampler, and prints their sliced Wasserstein-1 distance to fresh
S-curve points (scikit-learn's make_s_curve recipe, in NumPy) beside the data-vs-data floor.

    /usr/bin/python3 scripts/torch_check.py runs/s-curve-improved/model.safetensors

Needs PyTorch (Debian: apt install python3-torch) and safetensors (pip install safetensors).
"""
import json
import math
import os
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file

# The tutorial's MLPDiffusion, kept once, beside the fixtures that check our model against it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
from make_fixtures import MLPDiffusion  # noqa: E402


def betas_for(name, T):
    d = torch.float64
    if name == "sigmoid":
        return torch.sigmoid(torch.linspace(-6, 6, T, dtype=d)) * (0.5e-2 - 1e-5) + 1e-5
    if name == "linear":
        return torch.linspace(1e-4, 0.02, T, dtype=d)
    s = 0.008
    abar = torch.cos(((torch.arange(T + 1, dtype=d) / T) + s) / (1 + s) * math.pi / 2) ** 2
    return torch.clamp(1 - abar[1:] / abar[:-1], max=0.999)


@torch.no_grad()
def sample(model, betas, sampler, n=10_000):
    """The tutorial's p_sample_loop, or Ho et al.'s p_sample with the fixedlarge variance (β_t)."""
    abar = torch.cumprod(1 - betas, 0)
    abar_prev = torch.cat([torch.ones(1, dtype=abar.dtype), abar[:-1]])
    x = torch.randn(n, 2)
    for t in reversed(range(len(betas))):
        eps = model(x, torch.full((n,), t, dtype=torch.int64))
        b, ab, abp = float(betas[t]), float(abar[t]), float(abar_prev[t])
        if sampler == "tutorial":
            x = (x - (b / math.sqrt(1 - ab)) * eps) / math.sqrt(1 - b) + math.sqrt(b) * torch.randn_like(x)
        else:
            x0 = math.sqrt(1 / ab) * x - math.sqrt(1 / ab - 1) * eps
            x = (b * math.sqrt(abp) / (1 - ab)) * x0 + ((1 - abp) * math.sqrt(1 - b) / (1 - ab)) * x
            if t > 0:
                x = x + math.sqrt(b) * torch.randn_like(x)
    return x.numpy()


def s_curve(n, rng):
    t = 3 * np.pi * (rng.uniform(size=n) - 0.5)
    x, z = np.sin(t), np.sign(t) * (np.cos(t) - 1)
    return np.stack([x, z], 1) / 10 + 0.1 * rng.normal(size=(n, 2)) / 10


def sliced_w1(a, b, directions=256):
    angles = np.random.default_rng(0).uniform(0, np.pi, directions)
    d = np.stack([np.cos(angles), np.sin(angles)], 1)
    return float(np.mean(np.abs(np.sort(a @ d.T, 0) - np.sort(b @ d.T, 0))))


def main(path):
    with safe_open(path, "pt") as f:
        config = json.loads(f.metadata()["config"])
    model = MLPDiffusion(config["n_steps"], config["num_units"])
    model.load_state_dict(load_file(path))  # strict: every key and shape must match
    print(f"loaded {path} into the tutorial's MLPDiffusion({config['n_steps']}, {config['num_units']}): {config}")
    if config["dataset"] != "s-curve":
        print("the distance check below knows only the S-curve; loading worked")
        return
    torch.manual_seed(0)
    sampler = "tutorial" if config["sampler"] == "tutorial" else "ddpm"
    points = sample(model, betas_for(config["schedule"], config["n_steps"]), sampler) / config["data_scale"]
    rng = np.random.default_rng(1)
    fresh, other = s_curve(10_000, rng), s_curve(10_000, rng)
    print(f"PyTorch {sampler} sampler: sliced W1 {sliced_w1(points, fresh):.4f} "
          f"(data-vs-data floor {sliced_w1(other, fresh):.4f}, N(0,I)-vs-data {sliced_w1(rng.normal(size=(10_000, 2)), fresh):.4f})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
