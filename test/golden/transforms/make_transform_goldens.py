"""Goldens for the fixed-parameter image operations behind the random augmentations, from
torchvision.transforms.functional on float tensors (the functions our `transforms.functional` mirrors).

Run: /usr/bin/python3 test/golden/transforms/make_transform_goldens.py [--out DIR]  ->  transforms.json
Each case records the function's camelCase name, its positional arguments after the image, its
keyword arguments (camelCase, interpolation as a string), the seeded input image and the output.
The TS test (test/unit/augment.test.ts) replays them on Receptive.
"""

import json
import os
import re
import sys

import torch
import torchvision
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode

FORMAT_VERSION = 1
SEED = 1717
HERE = os.path.dirname(os.path.abspath(__file__))
gen = torch.Generator().manual_seed(SEED)
cases = []


def camel(name):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def enc(t):
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.reshape(-1).tolist()]}


def image(*shape):
    return torch.rand(*shape, generator=gen)


def case(name, fn, img, *args, **kwargs):
    """Calls TF.<fn>(img, *args, **kwargs); an `interpolation` string becomes the InterpolationMode,
    erase's per-channel list v a (C, 1, 1) tensor."""
    py_kwargs = dict(kwargs)
    if "interpolation" in py_kwargs:
        py_kwargs["interpolation"] = InterpolationMode(py_kwargs["interpolation"])
    py_args = list(args)
    if fn == "erase" and isinstance(py_args[-1], list):
        py_args[-1] = torch.tensor(py_args[-1])[:, None, None]
    out = getattr(TF, fn)(img.clone(), *py_args, **py_kwargs)
    cases.append(
        {
            "name": name,
            "fn": camel(fn),
            "args": list(args),
            "kwargs": {camel(k): v for k, v in kwargs.items()},
            "input": enc(img),
            "output": enc(out),
        }
    )


def build():
    rgb = image(3, 9, 11)
    grey = image(1, 8, 8)
    square = image(3, 10, 10)

    # ---- rotate: counter-clockwise degrees, nearest / bilinear, expand, centre, fill ------------
    case("rotate 30 nearest", "rotate", rgb, 30.0)
    case("rotate 33.3 bilinear", "rotate", rgb, 33.3, interpolation="bilinear")
    case("rotate -75 bilinear expand", "rotate", rgb, -75.0, interpolation="bilinear", expand=True)
    case("rotate 20 nearest expand", "rotate", grey, 20.0, expand=True)
    case("rotate 90 nearest on a square", "rotate", square, 90.0)
    case("rotate 45 nearest with fill per channel", "rotate", rgb, 45.0, fill=[0.5, 0.2, 0.9])
    case("rotate 45 bilinear fill 0 (the border weighted by the mask)", "rotate", rgb, 45.0, interpolation="bilinear", fill=[0.0, 0.0, 0.0])
    case("rotate 25 bilinear about a corner point", "rotate", grey, 25.0, interpolation="bilinear", center=[2, 3])

    # ---- affine: clockwise degrees, translate, scale, shear -----------------------------------
    case("affine everything bilinear", "affine", rgb, 20.0, [2, -1], 1.2, [10.0, 5.0], interpolation="bilinear")
    case("affine shear x only nearest", "affine", rgb, 0.0, [0, 0], 1.0, [15.0, 0.0])
    case("affine translate and zoom out, fill", "affine", grey, -10.0, [1, 2], 0.7, [0.0, 0.0], interpolation="bilinear", fill=[0.25])
    case("affine about a centre", "affine", square, 35.0, [0, 0], 1.1, [0.0, -8.0], interpolation="bilinear", center=[3, 6])

    # ---- gaussian_blur -------------------------------------------------------------------------
    case("gaussian_blur 3 sigma 1", "gaussian_blur", rgb, [3, 3], [1.0, 1.0])
    case("gaussian_blur 5x3 sigmas 1.5, 0.7", "gaussian_blur", rgb, [5, 3], [1.5, 0.7])
    case("gaussian_blur 7 on 8x8 (reflect)", "gaussian_blur", grey, [7, 7], [2.0, 2.0])

    # ---- colour ----------------------------------------------------------------------------------
    case("adjust_brightness 1.4 (clamped)", "adjust_brightness", rgb, 1.4)
    case("adjust_brightness 0.5 grey", "adjust_brightness", grey, 0.5)
    case("adjust_contrast 0.6", "adjust_contrast", rgb, 0.6)
    case("adjust_contrast 1.5 grey", "adjust_contrast", grey, 1.5)
    case("adjust_saturation 0.3", "adjust_saturation", rgb, 0.3)
    case("adjust_saturation 1.7", "adjust_saturation", rgb, 1.7)
    case("adjust_hue 0.2", "adjust_hue", rgb, 0.2)
    case("adjust_hue -0.45", "adjust_hue", square, -0.45)
    flat = rgb.clone()
    flat[1, :3] = flat[0, :3]  # pixels where red equals green
    flat[2, :2] = flat[0, :2]  # and grey pixels
    case("adjust_hue 0.1 with grey and tied pixels", "adjust_hue", flat, 0.1)

    # ---- erase and resized_crop ------------------------------------------------------------------
    case("erase a box with one value per channel", "erase", rgb, 2, 3, 4, 5, [0.1, 0.5, 0.9])
    case("resized_crop bilinear", "resized_crop", rgb, 1, 2, 6, 7, [12, 10], interpolation="bilinear")
    case("resized_crop nearest", "resized_crop", rgb, 0, 3, 9, 5, [4, 4], interpolation="nearest")
    case("resized_crop bilinear antialias (shrinking)", "resized_crop", square, 1, 1, 8, 9, [3, 4], interpolation="bilinear", antialias=True)


def main(out_dir):
    torch.set_num_threads(1)
    build()
    path = os.path.join(out_dir, "transforms.json")
    doc = {
        "format": "receptive-transform-goldens",
        "version": FORMAT_VERSION,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "seed": SEED,
        "generatedBy": "test/golden/transforms/make_transform_goldens.py",
        "cases": cases,
    }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)
    print(f"{len(cases)} cases -> {os.path.relpath(path)}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[args.index("--out") + 1] if "--out" in args else HERE)
