#!/usr/bin/env python3
"""The S-curve tutorial's workload in JAX, timed: a peer that `ddpm bench` runs beside our engine.
The same maths as bench/torch_ddpm.py — MLPDiffusion (3 × Linear(·,128) plus a per-timestep
Embedding(100,128), ReLU; Linear(128,2)) with PyTorch's default initialisation distributions, the
tutorial's loss with antithetic timesteps, clip_by_global_norm(1.0) then Adam 1e-3, batch 128, the
sigmoid schedule over 100 steps — with each epoch one `jax.jit` call: a fresh
`jax.random.permutation`, `lax.scan` over its 78 batches of 128 and one last step on the 16 left
(the tutorial's DataLoader pass). Sampling is the tutorial's p_sample_loop (noise at every step)
as one jitted `lax.fori_loop`.

    python3 bench/jax_ddpm.py --steps 79 --warmup 79 --repeats 3 --sample-n 10000 [--precision highest]

--precision default leaves matmuls at JAX's default precision (on an NVIDIA GPU with TF32 that is
TF32); highest makes them exact f32 (on the CPU both are f32). Runs on JAX's default device (its
GPU where it sees one). Timings block on the results and leave out compilation (the warm-up
epoch and sampling run compile). --steps and --warmup count steps and must be whole epochs (79
steps each). Prints one JSON object like bench/torch_ddpm.py's: steps/s (median over repeats),
seconds to sample (median), the mean loss over the last timed epoch, the steps done, JAX's
version, the device and the matmul precision.
"""
import argparse
import json
import math
import os
import sys
import time
from functools import partial

import numpy as np

N_POINTS, BATCH, T, HIDDEN = 10_000, 128, 100, 128
STEPS_PER_EPOCH = math.ceil(N_POINTS / BATCH)  # 79: 78 batches of 128, one of 16


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=STEPS_PER_EPOCH, help="steps per timed repeat (whole epochs)")
    p.add_argument("--warmup", type=int, default=STEPS_PER_EPOCH, help="warm-up steps (whole epochs, at least one)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--sample-n", type=int, default=10_000)
    p.add_argument("--sample-repeats", type=int, default=1)
    p.add_argument("--precision", choices=["default", "highest"], default="default", help="matmul precision")
    a = p.parse_args()
    for name in ("steps", "warmup"):
        if getattr(a, name) % STEPS_PER_EPOCH != 0 or getattr(a, name) < STEPS_PER_EPOCH:
            p.error(f"--{name} must be a whole number of epochs ({STEPS_PER_EPOCH} steps each), got {getattr(a, name)}")

    import jax
    if a.precision == "highest":
        jax.config.update("jax_default_matmul_precision", "highest")  # before anything is traced
    import jax.numpy as jnp
    import optax
    from jax import lax

    device = jax.devices()[0]

    # ---- schedule (docs/workload.md §2: computed in float64, kept as float32) ----
    betas64 = 1 / (1 + np.exp(-np.linspace(-6, 6, T))) * (0.5e-2 - 1e-5) + 1e-5
    abar64 = np.cumprod(1 - betas64)
    betas = jnp.asarray(betas64, jnp.float32)
    alphas_bar_sqrt = jnp.asarray(np.sqrt(abar64), jnp.float32)
    one_minus_alphas_bar_sqrt = jnp.asarray(np.sqrt(1 - abar64), jnp.float32)

    # ---- data: the S-curve (x and z of make_s_curve, noise 0.1, divided by 10) ----
    rng = np.random.default_rng(0)
    t = 3 * np.pi * (rng.random(N_POINTS) - 0.5)
    points = np.stack([np.sin(t), np.sign(t) * (np.cos(t) - 1)], 1) + 0.1 * rng.standard_normal((N_POINTS, 2))
    data = jax.device_put(jnp.asarray(points / 10, jnp.float32), device)

    # ---- model: MLPDiffusion, weights [out, in] as PyTorch keeps them ----
    def init_params(key):
        """PyTorch's defaults: Linear weight and bias ~ U(±1/√fan_in); Embedding ~ N(0, 1)."""
        sizes = [(2, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, 2)]
        keys = jax.random.split(key, 2 * len(sizes) + 3)
        linears = []
        for i, (fan_in, fan_out) in enumerate(sizes):
            bound = 1 / math.sqrt(fan_in)
            linears.append({
                "weight": jax.random.uniform(keys[2 * i], (fan_out, fan_in), jnp.float32, -bound, bound),
                "bias": jax.random.uniform(keys[2 * i + 1], (fan_out,), jnp.float32, -bound, bound),
            })
        embeds = [jax.random.normal(k, (T, HIDDEN), jnp.float32) for k in keys[2 * len(sizes):]]
        return {"linears": linears, "embeds": embeds}

    def model(params, x, t):
        """x: [b, 2]; t: [b] or a scalar timestep. Returns the predicted noise [b, 2]."""
        for lin, emb in zip(params["linears"][:3], params["embeds"]):
            x = jax.nn.relu(x @ lin["weight"].T + lin["bias"] + emb[t])
        last = params["linears"][3]
        return x @ last["weight"].T + last["bias"]

    def diffusion_loss_fn(params, x_0, key):
        b = x_0.shape[0]
        kt, ke = jax.random.split(key)
        t = jax.random.randint(kt, (b // 2,), 0, T)
        t = jnp.concatenate([t, T - 1 - t])  # antithetic timesteps
        e = jax.random.normal(ke, x_0.shape, jnp.float32)
        x = x_0 * alphas_bar_sqrt[t][:, None] + e * one_minus_alphas_bar_sqrt[t][:, None]
        return jnp.mean(jnp.square(e - model(params, x, t)))

    tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(1e-3))

    def train_step(params, opt_state, x_0, key):
        loss, grads = jax.value_and_grad(diffusion_loss_fn)(params, x_0, key)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    full = N_POINTS // BATCH  # 78 batches of 128 …
    rest = N_POINTS - full * BATCH  # … and one of 16

    # Donating the state lets XLA update it in place (the CPU backend does not take donations).
    @partial(jax.jit, donate_argnums=() if device.platform == "cpu" else (0, 1))
    def epoch(params, opt_state, key, data):
        """One shuffled pass over the data; returns the new state, the next key and the mean batch loss."""
        key, kperm, ksteps = jax.random.split(key, 3)
        order = jax.random.permutation(kperm, N_POINTS)
        keys = jax.random.split(ksteps, STEPS_PER_EPOCH)

        def body(state, xs):
            idx, k = xs
            params, opt_state, loss = train_step(*state, data[idx], k)
            return (params, opt_state), loss

        (params, opt_state), losses = lax.scan(body, (params, opt_state), (order[:full * BATCH].reshape(full, BATCH), keys[:full]))
        total = jnp.sum(losses)
        if rest:
            params, opt_state, loss = train_step(params, opt_state, data[order[full * BATCH:]], keys[full])
            total = total + loss
        return params, opt_state, key, total / STEPS_PER_EPOCH

    @partial(jax.jit, static_argnums=2)
    def p_sample_loop(params, key, n):
        k0, kloop = jax.random.split(key)

        def body(i, x):
            t = T - 1 - i
            eps = model(params, x, t)
            coeff = betas[t] / one_minus_alphas_bar_sqrt[t]
            mean = (1 / jnp.sqrt(1 - betas[t])) * (x - coeff * eps)
            return mean + jnp.sqrt(betas[t]) * jax.random.normal(jax.random.fold_in(kloop, i), x.shape, jnp.float32)

        return lax.fori_loop(0, T, body, jax.random.normal(k0, (n, 2), jnp.float32))

    key = jax.random.PRNGKey(0)
    key, kinit = jax.random.split(key)
    params = jax.device_put(init_params(kinit), device)
    opt_state = tx.init(params)

    steps_done = 0
    for _ in range(a.warmup // STEPS_PER_EPOCH):  # the first call compiles
        params, opt_state, key, loss = epoch(params, opt_state, key, data)
        steps_done += STEPS_PER_EPOCH
    jax.block_until_ready((params, loss))
    rates = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.steps // STEPS_PER_EPOCH):
            params, opt_state, key, loss = epoch(params, opt_state, key, data)
        jax.block_until_ready((params, loss))
        rates.append(a.steps / (time.perf_counter() - t0))
        steps_done += a.steps
    final_loss = float(loss)  # mean batch loss over the last timed epoch

    skey = jax.random.PRNGKey(1)
    p_sample_loop(params, skey, a.sample_n).block_until_ready()  # compiles at the measured size
    times = []
    for k in jax.random.split(skey, a.sample_repeats):
        t0 = time.perf_counter()
        p_sample_loop(params, k, a.sample_n).block_until_ready()
        times.append(time.perf_counter() - t0)
    print(json.dumps({
        "train_steps_per_s": sorted(rates)[len(rates) // 2], "sample_s": sorted(times)[len(times) // 2] if times else None,
        "loss": final_loss, "steps": steps_done, "jax": jax.__version__,
        "device": f"CPU, {os.cpu_count()} core(s)" if device.platform == "cpu" else f"{device.platform}: {device.device_kind}",
        "precision": a.precision,
    }))


if __name__ == "__main__":
    sys.exit(main())
