#!/usr/bin/env python3
"""PyTorch's matmul at the shapes of `ddpm bench`'s matmul table, timed like ours
(bench/matmul.ts): GFLOP/s = 2·m·n·k / time, the median of --repeats samples after a warm-up,
each sample a few products back to back (one above 10⁹ multiply-adds) and then a synchronise.
A transposed operand is a transposed view (stored as our engine stores it), which BLAS takes
as a flag. On CUDA, f32 is exact unless --tf32 (torch.backends.cuda.matmul.allow_tf32).
A case above --always-timed-flop whose estimated time (its FLOPs at the best rate so far) exceeds
--max-seconds is left out, as ours are.

    python3 bench/torch_matmul.py --device cuda --cases '[{"label": "square 512³", "m": 512, "n": 512, "k": 512}]'

Prints one JSON object: {"gflops": {label: GFLOP/s}, "device": name, "tf32": bool}.
"""
import argparse
import json
import statistics
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cpu")
    p.add_argument("--cases", required=True, help="JSON list of {label, m, n, k, transA?, transB?}")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--max-seconds", type=float, default=1.0)
    p.add_argument("--always-timed-flop", type=float, default=1e7)
    p.add_argument("--tf32", action="store_true", help="CUDA: let matmuls use TF32 (f32 inputs, 10-bit mantissa products)")
    args = p.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    gen = torch.Generator().manual_seed(0)
    gflops, best = {}, 0.0
    for c in json.loads(args.cases):
        m, n, k = c["m"], c["n"], c["k"]
        flop = 2 * m * n * k
        if flop > args.always_timed_flop and best > 0 and flop / (best * 1e9) > args.max_seconds:
            continue
        a = torch.randn(*((k, m) if c.get("transA") else (m, k)), generator=gen).to(device)
        b = torch.randn(*((n, k) if c.get("transB") else (k, n)), generator=gen).to(device)
        a = a.t() if c.get("transA") else a
        b = b.t() if c.get("transB") else b
        inner = 1 if m * n * k > 1e9 else 5

        def run():
            sync()
            t0 = time.perf_counter()
            for _ in range(inner):
                out = a @ b
            sync()
            del out
            return (time.perf_counter() - t0) / inner

        run()  # warm-up: the BLAS's own choice of kernel, allocations
        seconds = statistics.median(run() for _ in range(args.repeats))
        gflops[c["label"]] = flop / seconds / 1e9
        best = max(best, gflops[c["label"]])
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(json.dumps({"gflops": gflops, "device": name, "tf32": bool(args.tf32)}))


if __name__ == "__main__":
    main()
