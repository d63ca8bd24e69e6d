"""safetensors.torch's load_file and save_file, for the stand-in package (see __init__.py)."""
import json
import struct

from . import DTYPES, read_file

NAMES = {dtype: name for name, dtype in DTYPES.items()}


def load_file(path, device="cpu"):
    """{name: tensor} of a safetensors file."""
    return read_file(path)[1]


def save_file(tensors, path, metadata=None):
    """Writes {name: tensor} (and string metadata) as a safetensors file."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the header padded to 8 bytes with spaces, as the specification allows
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
