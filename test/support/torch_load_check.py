"""Loads a model.safetensors written by `ddpm train` into the tutorial's MLPDiffusion with PyTorch
(strict load_state_dict: every key and shape must match) and prints, as JSON, the largest
difference between what PyTorch loaded and the tensors of a second file under a key prefix
(e.g. the train state's ema.<key>): test/apps/cli.test.ts checks that a run with a weight average
saves the average as its model. Reads safetensors by hand (8-byte header length, JSON header,
little-endian F32 data), so PyTorch is the only dependency (Debian: python3-torch).

    /usr/bin/python3 test/support/torch_load_check.py MODEL [OTHER PREFIX]
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from make_fixtures import MLPDiffusion  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for key, info in header.items():
        assert info["dtype"] == "F32", f"{key}: {info['dtype']}"
        begin, end = info["data_offsets"]
        flat = torch.frombuffer(bytearray(data[8 + n + begin:8 + n + end]), dtype=torch.float32)
        tensors[key] = flat.reshape(info["shape"])
    return tensors, metadata


def main(model_path, other_path=None, prefix=None):
    tensors, metadata = read_safetensors(model_path)
    config = json.loads(metadata["config"])
    model = MLPDiffusion(config["n_steps"], config["num_units"])
    model.load_state_dict(tensors)  # strict
    out = {"loaded": True, "keys": len(tensors), "weights": metadata.get("weights")}
    if other_path:
        other, _ = read_safetensors(other_path)
        state = model.state_dict()
        out["max_diff"] = max(float((state[k] - other[f"{prefix}.{k}"]).abs().max()) for k in state)
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
