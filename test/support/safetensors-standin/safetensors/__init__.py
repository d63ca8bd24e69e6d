"""A stand-in for the `safetensors` package's Python API, for the tests that run the docs' Python
examples (test/apps/doc-python.test.ts) and for torch_load_check.py: Debian ships PyTorch
(python3-torch) but no python3-safetensors, and the tests install nothing from PyPI. It implements
the file format as its specification states it — an 8-byte little-endian header length, a JSON header of
{name: {dtype, shape, data_offsets}} and `__metadata__` (strings), the tensors' bytes, little
endian — and the calls the docs use: safe_open(path, "pt").metadata() / .keys() / .get_tensor(),
and safetensors.torch.load_file / save_file. The real package reads and writes the same files.
"""
import json
import struct

import torch as pt  # (not `torch`: importing the submodule safetensors.torch rebinds that name here)

DTYPES = {"F64": pt.float64, "F32": pt.float32, "F16": pt.float16, "I64": pt.int64, "I32": pt.int32,
          "I16": pt.int16, "I8": pt.int8, "U8": pt.uint8, "BOOL": pt.bool}


def read_file(path):
    """(metadata, {name: tensor}) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        tensors[name] = pt.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]) if raw else \
            pt.empty(info["shape"], dtype=DTYPES[info["dtype"]])
    return metadata, tensors


class safe_open:  # noqa: N801 (the package's name for it)
    """A safetensors file opened for reading, as safetensors.safe_open (with or without `with`)."""

    def __init__(self, path, framework, device="cpu"):
        assert framework == "pt", f"this stand-in reads for PyTorch only, not {framework!r}"
        self._metadata, self._tensors = read_file(path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def metadata(self):
        return self._metadata

    def keys(self):
        return list(self._tensors)

    def get_tensor(self, name):
        return self._tensors[name]
