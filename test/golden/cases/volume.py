"""Goldens for the 3-D (video and volume) ops of issue 17: conv3d over every option (stride,
padding, dilation per dim, groups, 'same' and 'valid', no bias, unbatched), max_pool3d (indices,
ceil mode, dilation), avg_pool3d (divisor arithmetic) and adaptive average/max pooling in 3-D."""


def build(C):
    # ---- conv3d ---------------------------------------------------------------------------
    C.case("conv3d 3x3x3 basic", "conv3d", C.randn(2, 2, 4, 5, 5), C.randn(3, 2, 3, 3, 3), C.randn(3))
    C.case("conv3d kernel 2x3x1 padding 1", "conv3d", C.randn(1, 2, 4, 5, 4), C.randn(3, 2, 2, 3, 1), C.randn(3), padding=1)
    C.case(
        "conv3d stride (1, 2, 2) padding (1, 2, 0)",
        "conv3d",
        C.randn(2, 3, 5, 7, 6),
        C.randn(2, 3, 3, 3, 2),
        C.randn(2),
        stride=(1, 2, 2),
        padding=(1, 2, 0),
    )
    C.case("conv3d dilation (2, 1, 2)", "conv3d", C.randn(1, 2, 6, 5, 6), C.randn(2, 2, 2, 3, 2), C.randn(2), dilation=(2, 1, 2))
    C.case("conv3d groups 2", "conv3d", C.randn(1, 4, 3, 4, 4), C.randn(6, 2, 2, 2, 2), C.randn(6), groups=2, padding=1)
    C.case("conv3d depthwise", "conv3d", C.randn(2, 3, 3, 4, 3), C.randn(3, 1, 3, 3, 3), C.randn(3), groups=3, padding=1)
    C.case("conv3d same even kernel", "conv3d", C.randn(1, 2, 4, 5, 5), C.randn(2, 2, 2, 3, 4), C.randn(2), padding="same")
    C.case("conv3d valid", "conv3d", C.randn(1, 2, 3, 4, 4), C.randn(2, 2, 3, 2, 2), C.randn(2), padding="valid")
    C.case("conv3d no bias, stride 2", "conv3d", C.randn(1, 2, 5, 5, 5), C.randn(3, 2, 3, 3, 3), stride=2)
    C.case("conv3d bias None", "conv3d", C.randn(2, 1, 3, 3, 4), C.randn(2, 1, 1, 2, 2), None)
    C.case("conv3d unbatched", "conv3d", C.randn(2, 3, 4, 4), C.randn(2, 2, 2, 2, 2), C.randn(2), padding=(0, 1, 1))

    # ---- max_pool3d -----------------------------------------------------------------------
    C.case("max_pool3d 2", "max_pool3d", C.randn(2, 2, 4, 5, 6), 2)
    C.case("max_pool3d k3 s2 pad1", "max_pool3d", C.randn(1, 2, 5, 6, 5), 3, stride=2, padding=1)
    C.case("max_pool3d (1, 2, 3) stride (1, 2, 2)", "max_pool3d", C.randn(1, 3, 3, 6, 7), (1, 2, 3), stride=(1, 2, 2))
    C.case("max_pool3d dilation 2 ceil", "max_pool3d", C.randn(1, 1, 6, 7, 6), 2, stride=2, dilation=2, ceil_mode=True)
    C.case("max_pool3d indices", "max_pool3d", C.randn(2, 1, 4, 4, 4), 2, return_indices=True)
    C.case("max_pool3d unbatched", "max_pool3d", C.randn(2, 4, 5, 4), (2, 3, 2), stride=1)

    # ---- avg_pool3d -----------------------------------------------------------------------
    C.case("avg_pool3d 2", "avg_pool3d", C.randn(2, 2, 4, 5, 6), 2)
    C.case("avg_pool3d k3 s2 pad1", "avg_pool3d", C.randn(1, 2, 5, 6, 5), 3, stride=2, padding=1)
    C.case("avg_pool3d pad exclude", "avg_pool3d", C.randn(1, 2, 5, 6, 5), 3, stride=2, padding=1, count_include_pad=False)
    C.case("avg_pool3d ceil", "avg_pool3d", C.randn(1, 1, 5, 6, 7), 2, ceil_mode=True, padding=1, count_include_pad=False)
    C.case("avg_pool3d divisor_override", "avg_pool3d", C.randn(1, 2, 4, 4, 4), (2, 1, 2), divisor_override=3)
    C.case("avg_pool3d unbatched stride (1, 2, 1)", "avg_pool3d", C.randn(2, 3, 6, 4), 2, stride=(1, 2, 1))

    # ---- adaptive -------------------------------------------------------------------------
    C.case("adaptive_avg_pool3d 1 (global)", "adaptive_avg_pool3d", C.randn(2, 3, 3, 4, 5), 1)
    C.case("adaptive_avg_pool3d (2, 3, 2) overlapping", "adaptive_avg_pool3d", C.randn(1, 2, 5, 7, 3), (2, 3, 2))
    C.case("adaptive_avg_pool3d None keeps", "adaptive_avg_pool3d", C.randn(2, 4, 3, 5), (None, 2, 3))
    C.case("adaptive_max_pool3d (2, 2, 3)", "adaptive_max_pool3d", C.randn(1, 2, 5, 4, 7), (2, 2, 3))
    C.case("adaptive_max_pool3d indices", "adaptive_max_pool3d", C.randn(2, 1, 4, 5, 3), 2, return_indices=True)
