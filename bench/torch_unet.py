#!/usr/bin/env python3
"""The U-Net's PyTorch twin (ddpm/image/unet.ts, the same state_dict keys), and the U-Net
training step of `ddpm bench --unet` timed on it: eager PyTorch, batch --batch of the images in
--images (a float32 .npy [n, 784] in [-1, 1]), the DDPM loss with Ho et al.'s linear schedule
over T = 1000, Adam at --lr with clip_grad_norm_(1.0), --warmup untimed steps, then --steps
timed ones (a synchronise at the end). test/fixtures/make_fixtures.py imports the twin from here.

    python3 bench/torch_unet.py --device cuda --images /tmp/mnist.npy --batch 128 --steps 20

Prints one JSON object: {"steps_per_s", "loss" (the mean of the timed steps), "steps" (all), "device"}.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(n_steps, dim):
    """DDPM's get_timestep_embedding for t = 0 … n_steps − 1, computed in float64 (as the engine does)."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float64) * -(math.log(10000) / (half - 1)))
    angles = torch.arange(n_steps, dtype=torch.float64)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1).float()



class ResBlock(nn.Module):
    def __init__(self, cin, cout, time_width, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_proj = nn.Linear(time_width, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = None if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, tact):
        h = self.conv1(F.silu(self.norm1(x))) + self.time_proj(tact)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.skip is None else self.skip(x)) + h


class AttentionBlock(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.q, self.k, self.v, self.proj = (nn.Conv2d(channels, channels, 1) for _ in range(4))

    def forward(self, x):
        b, c, h, w = x.shape
        n = self.norm(x)
        q, k, v = (conv(n).reshape(b, c, h * w).transpose(1, 2) for conv in (self.q, self.k, self.v))
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1) @ v
        return x + self.proj(a.transpose(1, 2).reshape(b, c, h, w))


class UNetDiffusion(nn.Module):
    def __init__(self, height, width, channels, groups, time_dim, n_steps):
        super().__init__()
        self.height, self.width = height, width
        levels, c0 = len(channels), channels[0]
        tw = 4 * c0
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, tw), nn.SiLU(), nn.Linear(tw, tw))
        self.conv_in = nn.Conv2d(1, c0, 3, padding=1)
        self.down = nn.ModuleList([ResBlock(c0 if l == 0 else channels[l - 1], c, tw, groups) for l, c in enumerate(channels)])
        self.downsample = nn.ModuleList([nn.Conv2d(c, c, 3, stride=2, padding=1) for c in channels[:-1]])
        self.mid_attn = AttentionBlock(channels[-1], groups)
        self.mid_block = ResBlock(channels[-1], channels[-1], tw, groups)
        self.up = nn.ModuleList([ResBlock((channels[-1] if i == 0 else channels[levels - i]) + channels[levels - 1 - i],
                                          channels[levels - 1 - i], tw, groups) for i in range(levels)])
        self.out_norm = nn.GroupNorm(groups, c0)
        self.out_conv = nn.Conv2d(c0, 1, 3, padding=1)
        self.register_buffer("sinusoids", timestep_embedding(n_steps, time_dim), persistent=False)

    def forward(self, x, t):
        tact = F.silu(self.time_mlp(self.sinusoids[t]))
        h = self.conv_in(x.reshape(-1, 1, self.height, self.width))
        skips = []
        for l, block in enumerate(self.down):
            h = block(h, tact)
            skips.append(h)
            if l < len(self.downsample):
                h = self.downsample[l](h)
        h = self.mid_block(self.mid_attn(h), tact)
        for i, block in enumerate(self.up):
            l = len(self.up) - 1 - i
            h = block(torch.cat([h, skips[l]], dim=1), tact)
            if l > 0:
                h = F.interpolate(h, scale_factor=2, mode="nearest")
        return self.out_conv(F.silu(self.out_norm(h))).reshape(x.shape[0], -1)



def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cpu")
    p.add_argument("--images", required=True)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--channels", default="32,64,64")
    p.add_argument("--groups", type=int, default=8)
    args = p.parse_args()
    torch.manual_seed(0)
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    images = torch.from_numpy(np.load(args.images)).to(device)
    channels = [int(c) for c in args.channels.split(",")]
    model = UNetDiffusion(28, 28, channels, args.groups, 128, 1000).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    alphas_bar = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000), 0).to(device)
    n = images.shape[0]

    def step(i):
        x0 = images[(torch.arange(args.batch, device=device) + i * args.batch) % n]
        t = torch.randint(0, 1000, (args.batch,), device=device)
        noise = torch.randn_like(x0)
        ab = alphas_bar[t][:, None]
        loss = F.mse_loss(model(ab.sqrt() * x0 + (1 - ab).sqrt() * noise, t), noise)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    for i in range(args.warmup):
        step(i)
    sync()
    t0 = time.perf_counter()
    losses = [step(args.warmup + i) for i in range(args.steps)]
    sync()
    seconds = time.perf_counter() - t0
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(json.dumps({"steps_per_s": args.steps / seconds, "loss": float(torch.stack(losses).mean()),
                      "steps": args.warmup + args.steps, "device": name}))


if __name__ == "__main__":
    main()
