"""Goldens for F.pad: constant (with a value, negative pads that crop, any rank), reflect,
replicate and circular on 3-D and 4-D inputs with asymmetric pads; forward and input gradient
(reflect, replicate and circular read border inputs several times, so their gradients add up)."""


def build(C):
    # ---- constant -------------------------------------------------------------------------
    C.case("constant 4-D asymmetric", "pad", C.randn(2, 3, 4, 5), [1, 2, 0, 3])
    C.case("constant 3-D last dim", "pad", C.randn(2, 3, 5), [2, 1])
    C.case("constant with value (positional)", "pad", C.randn(2, 3, 4), [1, 1, 2, 0], "constant", 2.5)
    C.case("constant with value (keyword)", "pad", C.randn(1, 2, 3, 3), [0, 2, 1, 1], value=-1.5)
    C.case("constant negative pads crop", "pad", C.randn(2, 2, 5, 6), [-1, 2, 1, -2])
    C.case("constant crop only", "pad", C.randn(2, 6, 7), [-2, -1, -1, -3])
    C.case("constant three dims", "pad", C.randn(2, 3, 4, 2), [1, 0, 0, 2, 1, 1])
    C.case("constant all four dims", "pad", C.randn(2, 3, 2, 2), [1, 1, 0, 1, 2, 0, 1, 0])
    C.case("constant 1-D", "pad", C.randn(5), [3, 1])
    C.case("constant 2-D", "pad", C.randn(3, 4), [1, 2, 2, 1], mode="constant", value=0.5)

    # ---- reflect --------------------------------------------------------------------------
    C.case("reflect 4-D asymmetric", "pad", C.randn(2, 3, 5, 6), [2, 1, 3, 0], mode="reflect")
    C.case("reflect 3-D last dim", "pad", C.randn(2, 3, 6), [3, 2], mode="reflect")
    C.case("reflect 3-D two dims (unbatched)", "pad", C.randn(2, 4, 5), [1, 3, 2, 2], mode="reflect")
    C.case("reflect pad size - 1", "pad", C.randn(1, 2, 4, 3), [2, 2, 3, 3], mode="reflect")
    C.case("reflect 2-D last dim (unbatched)", "pad", C.randn(3, 5), [2, 4], mode="reflect")
    C.case("reflect with crop", "pad", C.randn(1, 2, 5, 6), [-1, 3, 2, -2], mode="reflect")
    C.case("reflect positional mode", "pad", C.randn(1, 1, 4, 4), [1, 1, 1, 1], "reflect")

    # ---- replicate ------------------------------------------------------------------------
    C.case("replicate 4-D asymmetric", "pad", C.randn(2, 3, 4, 5), [3, 1, 0, 2], mode="replicate")
    C.case("replicate 3-D last dim", "pad", C.randn(2, 2, 3), [4, 5], mode="replicate")
    C.case("replicate pad wider than input", "pad", C.randn(1, 2, 2, 3), [4, 1, 3, 5], mode="replicate")
    C.case("replicate 3-D two dims (unbatched)", "pad", C.randn(3, 3, 4), [1, 2, 2, 1], mode="replicate")
    C.case("replicate with crop", "pad", C.randn(1, 1, 5, 5), [2, -1, -2, 3], mode="replicate")

    # ---- circular -------------------------------------------------------------------------
    C.case("circular 4-D asymmetric", "pad", C.randn(2, 3, 4, 5), [2, 1, 3, 0], mode="circular")
    C.case("circular 3-D last dim", "pad", C.randn(2, 3, 5), [3, 2], mode="circular")
    C.case("circular pad = size", "pad", C.randn(1, 2, 3, 4), [4, 4, 3, 3], mode="circular")
    C.case("circular with crop", "pad", C.randn(1, 1, 5, 6), [2, -1, -1, 3], mode="circular")

    # ---- 5-D (three padded dims) ----------------------------------------------------------
    C.case("reflect 5-D three dims", "pad", C.randn(1, 2, 3, 4, 3), [1, 2, 2, 0, 1, 1], mode="reflect")
    C.case("replicate 4-D three dims (unbatched)", "pad", C.randn(2, 2, 3, 3), [1, 0, 0, 2, 2, 1], mode="replicate")
    C.case("circular 5-D three dims", "pad", C.randn(1, 1, 3, 3, 4), [1, 2, 0, 3, 2, 1], mode="circular")
