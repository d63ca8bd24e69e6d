#!/usr/bin/env python3
"""The S-curve tutorial's own training step and sampler in PyTorch, timed: the peer that
`ddpm bench` runs beside our engine. The model, loss, optimizer and clipping are the tutorial's
(MLPDiffusion, diffusion_loss_fn with antithetic timesteps, Adam 1e-3, clip_grad_norm_ 1.0,
batch 128, the sigmoid schedule over 100 steps); an epoch is the tutorial's DataLoader pass over
a fresh shuffle: 79 batches, 78 of 128 points and one of 16.

    python3 bench/torch_ddpm.py --device cpu --steps 79 --warmup 79 --repeats 3 --sample-n 10000
    python3 bench/torch_ddpm.py --device cuda --graphs ...

Eager (default): every op is launched from Python. --graphs (CUDA only): PyTorch's whole-network
capture recipe with the whole epoch as ONE CUDA graph — warm-up epochs run eagerly on a side
stream, then one epoch (79 × gather, timesteps and noise, forward, loss, backward, clipping,
capturable Adam, the loss summed into a static tensor) is captured and replayed once per epoch,
just after randperm (a few kernels, outside the graph) writes the new shuffle into the static
`order` tensor; sampling's 100 reverse steps, noise included, are a second graph. Both modes run the same `epoch` and `p_sample_loop` functions, so
the eager CPU run checks the maths the graphs replay.

--steps and --warmup count steps and must be whole epochs (multiples of 79). Prints one JSON
object: steps/s (median over repeats), seconds to sample (median), the mean loss over the last
timed epoch, the steps done in all, torch's version and the device.
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

N_POINTS, BATCH, T = 10_000, 128, 100
STEPS_PER_EPOCH = math.ceil(N_POINTS / BATCH)  # 79: 78 batches of 128, one of 16


def s_curve(n, gen):
    t = 3 * math.pi * (torch.rand(n, generator=gen) - 0.5)
    x, z = torch.sin(t), torch.sign(t) * (torch.cos(t) - 1)
    return (torch.stack([x, z], 1) + 0.1 * torch.randn(n, 2, generator=gen)) / 10


def capture(fn, stream):
    """Records fn's CUDA work as one graph on `stream`; returns (replay, fn's outputs, now static)."""
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g, stream=stream):
        out = fn()
    return g.replay, out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=STEPS_PER_EPOCH, help="steps per timed repeat (whole epochs)")
    p.add_argument("--warmup", type=int, default=STEPS_PER_EPOCH, help="warm-up steps (whole epochs)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--sample-n", type=int, default=10_000)
    p.add_argument("--sample-repeats", type=int, default=1)
    p.add_argument("--graphs", action="store_true", help="each epoch and each sampling run one CUDA graph")
    a = p.parse_args()
    for name in ("steps", "warmup"):
        if getattr(a, name) % STEPS_PER_EPOCH != 0 or getattr(a, name) < (STEPS_PER_EPOCH if name == "steps" else 0):
            p.error(f"--{name} must be a whole number of epochs ({STEPS_PER_EPOCH} steps each), got {getattr(a, name)}")
    dev = torch.device(a.device)
    if a.graphs:
        if not torch.cuda.is_available():
            sys.exit("bench/torch_ddpm.py: --graphs needs CUDA, and torch sees no CUDA device")
        if dev.type != "cuda":
            sys.exit("bench/torch_ddpm.py: --graphs captures CUDA graphs: use it with --device cuda")
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    betas = (torch.sigmoid(torch.linspace(-6, 6, T)) * (0.5e-2 - 1e-5) + 1e-5).to(dev)
    alphas = 1 - betas
    alphas_prod = torch.cumprod(alphas, 0)
    alphas_bar_sqrt = torch.sqrt(alphas_prod)
    one_minus_alphas_bar_sqrt = torch.sqrt(1 - alphas_prod)
    data = s_curve(N_POINTS, gen).to(dev)
    model = MLPDiffusion(T).to(dev)
    # capturable: Adam's step count lives on the device and the update never reads it back.
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, **({"capturable": True} if a.graphs else {}))

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

    # Static tensors: the epoch reads the shuffle from `order` and sums its batch losses into
    # `total`, so a graph captured from it reads and writes the same memory at every replay.
    order = torch.arange(N_POINTS, device=dev)
    total = torch.zeros((), device=dev)

    def shuffle():
        order.copy_(torch.randperm(N_POINTS, device=dev))

    def epoch():
        """One pass over `order` (written by shuffle()) in batches; no host sync anywhere in it."""
        total.zero_()
        for first in range(0, N_POINTS, BATCH):
            x0 = data.index_select(0, order[first:first + BATCH])
            loss = diffusion_loss_fn(x0)
            opt.zero_grad(set_to_none=False)  # grads stay allocated: a graph writes the same ones
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.)
            opt.step()
            total.add_(loss.detach())

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

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    steps_done = 0
    if a.graphs:
        # Warm-up on a side stream (PyTorch's recipe: it also creates Adam's state and the grads,
        # which the graph then updates in place), then capture on that same stream.
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(max(1, a.warmup // STEPS_PER_EPOCH)):
                shuffle()
                epoch()
                steps_done += STEPS_PER_EPOCH
            p_sample_loop(a.sample_n)
        torch.cuda.current_stream().wait_stream(side)
        replay_epoch, _ = capture(epoch, side)
        replay_sample, sampled = capture(lambda: p_sample_loop(a.sample_n), side)  # noqa: F841 (the static output, kept with its graph)

        def run_epoch():
            shuffle()  # just before the replay, on the stream that replays it
            replay_epoch()

        run_epoch()  # warm-up replay (the graph's first launch uploads it)
        steps_done += STEPS_PER_EPOCH
        replay_sample()
        sample = replay_sample
    else:
        def run_epoch():
            shuffle()
            epoch()

        for _ in range(a.warmup // STEPS_PER_EPOCH):
            run_epoch()
            steps_done += STEPS_PER_EPOCH
        p_sample_loop(min(a.sample_n, 1000))  # warm-up

        def sample():
            p_sample_loop(a.sample_n)
    sync()

    rates = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.steps // STEPS_PER_EPOCH):
            run_epoch()
        sync()
        rates.append(a.steps / (time.perf_counter() - t0))
        steps_done += a.steps
    final_loss = float(total) / STEPS_PER_EPOCH  # mean batch loss over the last timed epoch

    times = []
    for _ in range(a.sample_repeats):
        t0 = time.perf_counter()
        sample()
        sync()
        times.append(time.perf_counter() - t0)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU, {torch.get_num_threads()} thread(s)"
    print(json.dumps({
        "train_steps_per_s": sorted(rates)[len(rates) // 2], "sample_s": sorted(times)[len(times) // 2] if times else None,
        "loss": final_loss, "steps": steps_done, "graphs": a.graphs, "torch": torch.__version__, "device": name,
    }))


if __name__ == "__main__":
    main()
