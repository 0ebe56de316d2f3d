"""Makes the PyTorch golden files in test/golden/data/ (one JSON per op family).

Run with Debian's PyTorch: /usr/bin/python3 test/golden/make_goldens.py [family ...] [--out DIR]
Each family lives in test/golden/cases/<family>.py with `def build(C)`; seeds are fixed per
family, so rerunning reproduces the files byte for byte on the same torch version.
"""

import importlib
import json
import os
import sys
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import Cases  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main(families, out_dir):
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if not families:
        families = sorted(f[:-3] for f in os.listdir(os.path.join(HERE, "cases")) if f.endswith(".py") and not f.startswith("_"))
    for family in families:
        module = importlib.import_module("cases." + family)
        seed = zlib.crc32(family.encode())
        torch.manual_seed(seed)
        C = Cases(family, seed)
        module.build(C)
        path = os.path.join(out_dir, family + ".json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(C.dump(), f, separators=(",", ":"))
            f.write("\n")
        os.replace(tmp, path)
        print(f"{family}: {len(C.cases)} cases -> {os.path.relpath(path)}")


if __name__ == "__main__":
    args = sys.argv[1:]
    out = os.path.join(HERE, "data")
    if "--out" in args:
        i = args.index("--out")
        out = args[i + 1]
        del args[i : i + 2]
    main(args, out)
