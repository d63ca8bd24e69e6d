#!/usr/bin/env python3
"""The S-curve tutorial's own training step and sampler in PyTorch, timed: the peer that
`ddpm bench` runs beside our engine. The model, loss, optimizer and clipping are the tutorial's
(MLPDiffusion, diffusion_loss_fn with antithetic timesteps, Adam 1e-3, clip_grad_norm_ 1.0,
batch 128, the sigmoid schedule over 100 steps).

    python3 bench/torch_ddpm.py --device cpu --steps 300 --warmup 50 --repeats 3 --sample-n 10000

Prints one JSON object: steps/s (median over repeats), seconds to sample (median), the mean
loss over the last timed repeat, torch's version and the device.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
from make_fixtures import MLPDiffusion  # noqa: E402  (the tutorial's class)


def s_curve(n, gen):
    t = 3 * math.pi * (torch.rand(n, generator=gen) - 0.5)
    x, z = torch.sin(t), torch.sign(t) * (torch.cos(t) - 1)
    return (torch.stack([x, z], 1) + 0.1 * torch.randn(n, 2, generator=gen)) / 10


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--sample-n", type=int, default=10_000)
    p.add_argument("--sample-repeats", type=int, default=1)
    a = p.parse_args()
    dev = torch.device(a.device)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    T, batch = 100, 128
    betas = (torch.sigmoid(torch.linspace(-6, 6, T)) * (0.5e-2 - 1e-5) + 1e-5).to(dev)
    alphas = 1 - betas
    alphas_prod = torch.cumprod(alphas, 0)
    alphas_bar_sqrt = torch.sqrt(alphas_prod)
    one_minus_alphas_bar_sqrt = torch.sqrt(1 - alphas_prod)
    data = s_curve(10_000, gen).to(dev)
    model = MLPDiffusion(T).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def diffusion_loss_fn(x_0):
        b = x_0.shape[0]
        t = torch.randint(0, T, size=(b // 2,), device=dev)
        t = torch.cat([t, T - 1 - t], dim=0).unsqueeze(-1)
        a = alphas_bar_sqrt[t]
        aml = one_minus_alphas_bar_sqrt[t]
        e = torch.randn_like(x_0)
        x = x_0 * a + e * aml
        output = model(x, t.squeeze(-1))
        return (e - output).square().mean()

    order = torch.randperm(10_000, device=dev)
    cursor = [0]

    def step():
        if cursor[0] + batch > 10_000:
            order.copy_(torch.randperm(10_000, device=dev))
            cursor[0] = 0
        x0 = data[order[cursor[0]:cursor[0] + batch]]
        cursor[0] += batch
        loss = diffusion_loss_fn(x0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.)
        opt.step()
        return loss

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(a.warmup):
        step()
    sync()
    rates = []
    for _ in range(a.repeats):
        total = torch.zeros((), device=dev)
        t0 = time.perf_counter()
        for _ in range(a.steps):
            total += step().detach()
        sync()
        rates.append(a.steps / (time.perf_counter() - t0))
    final_loss = float(total) / a.steps  # mean loss over the last timed repeat

    @torch.no_grad()
    def p_sample_loop(n):
        x = torch.randn(n, 2, device=dev)
        for t in reversed(range(T)):
            tt = torch.full((n,), t, dtype=torch.int64, device=dev)
            eps = model(x, tt)
            coeff = betas[t] / one_minus_alphas_bar_sqrt[t]
            mean = (1 / (1 - betas[t]).sqrt()) * (x - coeff * eps)
            x = mean + betas[t].sqrt() * torch.randn_like(x)
        return x

    p_sample_loop(min(a.sample_n, 1000))  # warm-up
    sync()
    times = []
    for _ in range(a.sample_repeats):
        t0 = time.perf_counter()
        p_sample_loop(a.sample_n)
        sync()
        times.append(time.perf_counter() - t0)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU, {torch.get_num_threads()} thread(s)"
    print(json.dumps({
        "train_steps_per_s": sorted(rates)[len(rates) // 2], "sample_s": sorted(times)[len(times) // 2],
        "loss": final_loss, "torch": torch.__version__, "device": name,
    }))


if __name__ == "__main__":
    main()
