"""Goldens for F.interpolate (and the deprecated F.upsample*): every mode on odd sizes, up and
down, by size and by scale factor (one per dim or one for all), alignCorners, recomputeScaleFactor
and antialias; forward and input gradient.

NOTE: PyTorch 1.13's nearest backward copies straight through when the output size is the input
size or twice it, even when a scale factor says otherwise (its forward uses the scale), so a
nearest case whose scale factor gives such a size has a gradient inconsistent with its own output;
none is recorded here (test/unit/interpolate.test.ts checks our gradient against the forward)."""

import warnings


def build(C):
    warnings.filterwarnings("ignore", message="nn.functional.upsample")
    # ---- nearest --------------------------------------------------------------------------
    C.case("nearest 1-D size up", "interpolate", C.randn(2, 3, 5), size=8)
    C.case("nearest 1-D size down", "interpolate", C.randn(2, 3, 9), size=4)
    C.case("nearest 1-D scale 1.7", "interpolate", C.randn(2, 2, 5), scale_factor=1.7)
    C.case("nearest 2-D size", "interpolate", C.randn(2, 3, 4, 3), size=[7, 5])
    C.case("nearest 2-D scale 2", "interpolate", C.randn(1, 2, 3, 5), scale_factor=2)
    C.case("nearest 2-D scale per dim", "interpolate", C.randn(1, 2, 3, 4), scale_factor=[3.0, 1.5])
    C.case("nearest 2-D scale 0.6 down", "interpolate", C.randn(1, 3, 7, 9), scale_factor=0.6)
    C.case("nearest 2-D scale 1/3 recomputed", "interpolate", C.randn(1, 1, 7, 8), scale_factor=1 / 3, recompute_scale_factor=True)
    C.case("nearest 2-D scale 2.3 recomputed", "interpolate", C.randn(1, 2, 3, 5), scale_factor=2.3, recompute_scale_factor=True)
    C.case("nearest 3-D size", "interpolate", C.randn(1, 2, 3, 4, 2), size=[5, 3, 4])
    C.case("nearest 3-D scale", "interpolate", C.randn(1, 1, 2, 3, 3), scale_factor=[1.5, 2.0, 0.7])
    C.case("nearest positional size", "interpolate", C.randn(1, 2, 5, 5), [3, 7])
    C.case("nearest positional scale", "interpolate", C.randn(1, 2, 3, 3), None, 2.5)

    # ---- nearest-exact --------------------------------------------------------------------
    C.case("nearest-exact 1-D size", "interpolate", C.randn(2, 2, 5), size=7, mode="nearest-exact")
    C.case("nearest-exact 2-D scale 1.5", "interpolate", C.randn(1, 2, 5, 3), scale_factor=1.5, mode="nearest-exact")
    C.case("nearest-exact 2-D down", "interpolate", C.randn(1, 2, 9, 7), size=[4, 3], mode="nearest-exact")
    C.case("nearest-exact 3-D scale", "interpolate", C.randn(1, 1, 3, 2, 4), scale_factor=[2.5, 1.5, 0.75], mode="nearest-exact")

    # ---- linear ---------------------------------------------------------------------------
    C.case("linear size up", "interpolate", C.randn(2, 3, 5), size=11, mode="linear")
    C.case("linear size down", "interpolate", C.randn(2, 2, 10), size=4, mode="linear")
    C.case("linear align corners", "interpolate", C.randn(2, 2, 5), size=9, mode="linear", align_corners=True)
    C.case("linear scale 1.7", "interpolate", C.randn(1, 3, 6), scale_factor=1.7, mode="linear")
    C.case("linear scale 1.7 recomputed", "interpolate", C.randn(1, 3, 6), scale_factor=1.7, mode="linear", recompute_scale_factor=True)
    C.case("linear scale down align corners", "interpolate", C.randn(1, 2, 9), scale_factor=0.45, mode="linear", align_corners=True)
    C.case("linear same size", "interpolate", C.randn(1, 2, 5), size=5, mode="linear")
    C.case("linear size 1 align corners", "interpolate", C.randn(1, 2, 5), size=1, mode="linear", align_corners=True)

    # ---- bilinear -------------------------------------------------------------------------
    C.case("bilinear scale 2", "interpolate", C.randn(2, 3, 4, 5), scale_factor=2, mode="bilinear")
    C.case("bilinear scale 2 align corners", "interpolate", C.randn(2, 3, 4, 5), scale_factor=2, mode="bilinear", align_corners=True)
    C.case("bilinear size odd", "interpolate", C.randn(1, 2, 5, 3), size=[9, 7], mode="bilinear")
    C.case("bilinear size down", "interpolate", C.randn(1, 2, 9, 11), size=[4, 5], mode="bilinear")
    C.case("bilinear size down align corners", "interpolate", C.randn(1, 2, 9, 11), size=[4, 5], mode="bilinear", align_corners=True)
    C.case("bilinear scale per dim", "interpolate", C.randn(1, 2, 3, 4), scale_factor=[1.5, 2.5], mode="bilinear")
    C.case("bilinear scale 0.6", "interpolate", C.randn(1, 2, 7, 8), scale_factor=0.6, mode="bilinear")
    C.case("bilinear scale 1.3 recomputed", "interpolate", C.randn(1, 2, 7, 5), scale_factor=1.3, mode="bilinear", recompute_scale_factor=True)
    C.case("bilinear scale 1.3 not recomputed", "interpolate", C.randn(1, 2, 7, 5), scale_factor=1.3, mode="bilinear", recompute_scale_factor=False)
    C.case("bilinear output 1x1 align corners", "interpolate", C.randn(1, 2, 4, 3), size=1, mode="bilinear", align_corners=True)
    C.case("bilinear positional", "interpolate", C.randn(1, 1, 3, 4), None, 1.5, "bilinear", True)
    C.case("bilinear antialias down", "interpolate", C.randn(1, 2, 11, 9), size=[4, 3], mode="bilinear", antialias=True)
    C.case("bilinear antialias scale 0.4", "interpolate", C.randn(1, 2, 10, 13), scale_factor=0.4, mode="bilinear", antialias=True)
    C.case("bilinear antialias up", "interpolate", C.randn(1, 1, 3, 4), size=[7, 6], mode="bilinear", antialias=True)
    C.case("bilinear antialias align corners", "interpolate", C.randn(1, 1, 9, 8), size=[4, 5], mode="bilinear", antialias=True, align_corners=True)

    # ---- bicubic --------------------------------------------------------------------------
    C.case("bicubic scale 2", "interpolate", C.randn(1, 2, 4, 5), scale_factor=2, mode="bicubic")
    C.case("bicubic size odd align corners", "interpolate", C.randn(2, 2, 5, 4), size=[7, 9], mode="bicubic", align_corners=True)
    C.case("bicubic size down", "interpolate", C.randn(1, 2, 9, 10), size=[5, 3], mode="bicubic")
    C.case("bicubic scale 1.6", "interpolate", C.randn(1, 1, 5, 6), scale_factor=[1.6, 0.7], mode="bicubic")
    C.case("bicubic antialias down", "interpolate", C.randn(1, 2, 12, 11), size=[5, 4], mode="bicubic", antialias=True)
    C.case("bicubic antialias scale 0.3", "interpolate", C.randn(1, 1, 13, 10), scale_factor=0.3, mode="bicubic", antialias=True)

    # ---- trilinear ------------------------------------------------------------------------
    C.case("trilinear scale 2", "interpolate", C.randn(1, 2, 3, 2, 4), scale_factor=2, mode="trilinear")
    C.case("trilinear size align corners", "interpolate", C.randn(1, 2, 3, 4, 3), size=[5, 3, 7], mode="trilinear", align_corners=True)
    C.case("trilinear scale per dim", "interpolate", C.randn(2, 1, 4, 3, 5), scale_factor=[0.5, 1.5, 1.3], mode="trilinear")

    # ---- area -----------------------------------------------------------------------------
    C.case("area 1-D size", "interpolate", C.randn(2, 2, 10), size=4, mode="area")
    C.case("area 2-D size", "interpolate", C.randn(1, 3, 9, 7), size=[4, 3], mode="area")
    C.case("area 2-D scale 0.5", "interpolate", C.randn(1, 2, 8, 7), scale_factor=0.5, mode="area")
    C.case("area 2-D up", "interpolate", C.randn(1, 2, 3, 4), size=[5, 7], mode="area")
    C.case("area 3-D size", "interpolate", C.randn(1, 2, 5, 4, 6), size=[2, 3, 4], mode="area")

    # ---- deprecated aliases ---------------------------------------------------------------
    C.case("upsample", "upsample", C.randn(1, 2, 3, 4), scale_factor=2, mode="bilinear")
    C.case("upsample_nearest", "upsample_nearest", C.randn(1, 2, 3, 4), size=[5, 6])
    C.case("upsample_bilinear", "upsample_bilinear", C.randn(1, 2, 3, 4), scale_factor=2)
