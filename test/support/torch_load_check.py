"""Loads a model.safetensors written by `ddpm train` into the tutorial's MLPDiffusion with PyTorch
(strict load_state_dict: every key and shape must match) and prints, as JSON, the largest
difference between what PyTorch loaded and the tensors of a second file under a key prefix
(e.g. the train state's ema.<key>): test/apps/cli.test.ts checks that a run with a weight average
saves the average as its model. Reads safetensors with the tests' stand-in for the package
(safetensors-standin/, the file format as specified), so PyTorch is the only dependency
(Debian: python3-torch).

    /usr/bin/python3 test/support/torch_load_check.py MODEL [OTHER PREFIX]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
sys.path.insert(0, os.path.join(HERE, "safetensors-standin"))
from make_fixtures import MLPDiffusion  # noqa: E402
from safetensors import read_file  # noqa: E402


def main(model_path, other_path=None, prefix=None):
    metadata, tensors = read_file(model_path)
    config = json.loads(metadata["config"])
    model = MLPDiffusion(config["n_steps"], config["num_units"])
    model.load_state_dict(tensors)  # strict
    out = {"loaded": True, "keys": len(tensors), "weights": metadata.get("weights")}
    if other_path:
        _, other = read_file(other_path)
        state = model.state_dict()
        out["max_diff"] = max(float((state[k] - other[f"{prefix}.{k}"]).abs().max()) for k in state)
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
