"""Goldens for F.unfold (im2col) and F.fold (col2im) with every option (kernel_size, dilation,
padding, stride; ints and pairs, positional and keyword), batched and unbatched, and
F.pixel_shuffle / F.pixel_unshuffle with extra batch dims; forward and the input gradient."""


def build(C):
    # ---- unfold ---------------------------------------------------------------------------
    C.case("unfold 3x3 pad 1 (conv as matmul)", "unfold", C.randn(2, 3, 6, 5), 3, padding=1)
    C.case("unfold pairs keyword", "unfold", C.randn(1, 2, 7, 8), (2, 3), dilation=(2, 1), padding=(1, 0), stride=(2, 3))
    C.case("unfold positional", "unfold", C.randn(2, 2, 6, 6), 2, 1, 1, 2)
    C.case("unfold overlapping stride 1", "unfold", C.randn(1, 1, 4, 5), 2)
    C.case("unfold unbatched", "unfold", C.randn(3, 5, 4), (2, 2), stride=2)
    C.case("unfold kernel larger than stride with padding", "unfold", C.randn(1, 2, 5, 5), 4, padding=2, stride=3)

    # ---- fold -----------------------------------------------------------------------------
    C.case("fold 2x2 stride 2", "fold", C.randn(2, 12, 6), (4, 6), 2, stride=2)
    C.case("fold overlapping sums", "fold", C.randn(1, 18, 15), (5, 6), (3, 3), padding=1, stride=(1, 2))
    C.case("fold positional", "fold", C.randn(1, 8, 9), 6, 2, 2, 1, 2)
    C.case("fold dilation", "fold", C.randn(2, 6, 15), (5, 7), (1, 3), dilation=(1, 2), stride=1, padding=0)
    C.case("fold unbatched", "fold", C.randn(8, 4), (4, 4), 2, stride=2)

    # ---- pixel shuffle --------------------------------------------------------------------
    C.case("pixel_shuffle 2", "pixel_shuffle", C.randn(2, 8, 3, 4), 2)
    C.case("pixel_shuffle 3 extra batch dims", "pixel_shuffle", C.randn(2, 1, 9, 2, 3), 3)
    C.case("pixel_shuffle unbatched", "pixel_shuffle", C.randn(12, 2, 2), 2)
    C.case("pixel_unshuffle 2", "pixel_unshuffle", C.randn(2, 3, 4, 6), 2)
    C.case("pixel_unshuffle 3 keyword", "pixel_unshuffle", C.randn(1, 2, 6, 3), downscale_factor=3)
    C.case("pixel_shuffle keyword", "pixel_shuffle", C.randn(1, 4, 2, 2), upscale_factor=2)
