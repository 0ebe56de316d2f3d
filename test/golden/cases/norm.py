"""Goldens for batch_norm (training and evaluation on (N, C), (N, C, L) and (N, C, H, W) input,
with and without affine parameters and running statistics; the running statistics are compared
after the call (they are updated in place in training)), and layer_norm, group_norm and
instance_norm (issue 17): every argument, positional and by keyword, instance norm's running
statistics in both modes."""


def build(C):
    def stats(c):
        return C.randn(c, grad=False, scale=0.5), C.rand(c, grad=False, low=0.5, high=2.0)

    shapes = {"2-D": (6, 3), "3-D": (4, 3, 5), "4-D": (3, 4, 3, 3)}
    for label, shape in shapes.items():
        c = shape[1]
        rm, rv = stats(c)
        C.case(
            f"batch_norm training {label} affine + running stats",
            "batch_norm",
            C.randn(*shape, scale=2.0),
            rm,
            rv,
            weight=C.randn(c),
            bias=C.randn(c),
            training=True,
            after=(1, 2),
        )
        rm, rv = stats(c)
        C.case(f"batch_norm training {label} no affine", "batch_norm", C.randn(*shape), rm, rv, training=True, after=(1, 2))
        C.case(f"batch_norm training {label} no running stats", "batch_norm", C.randn(*shape), None, None, weight=C.randn(c), bias=C.randn(c), training=True)
        rm, rv = stats(c)
        C.case(f"batch_norm eval {label} affine", "batch_norm", C.randn(*shape), rm, rv, weight=C.randn(c), bias=C.randn(c), after=(1, 2))
        rm, rv = stats(c)
        C.case(f"batch_norm eval {label} no affine", "batch_norm", C.randn(*shape), rm, rv, training=False)

    rm, rv = stats(2)
    C.case(
        "batch_norm training momentum and eps",
        "batch_norm",
        C.randn(5, 2, 4, scale=0.05),
        rm,
        rv,
        weight=C.randn(2),
        bias=C.randn(2),
        training=True,
        momentum=0.3,
        eps=1e-3,
        after=(1, 2),
    )
    rm, rv = stats(3)
    C.case("batch_norm training weight only", "batch_norm", C.randn(2, 3, 2, 2), rm, rv, weight=C.randn(3), training=True, after=(1, 2))
    rm, rv = stats(3)
    C.case("batch_norm eval eps", "batch_norm", C.randn(2, 3, 4), rm, rv, bias=C.randn(3), eps=0.1)
    rm, rv = stats(2)
    C.case("batch_norm training batch of one, spatial", "batch_norm", C.randn(1, 2, 3, 3), rm, rv, training=True, after=(1, 2))

    # ---- layer_norm -----------------------------------------------------------------------------
    C.case("layer_norm last dim", "layer_norm", C.randn(4, 5, scale=2.0), [5])
    C.case("layer_norm positional affine", "layer_norm", C.randn(3, 6), [6], C.randn(6), C.randn(6))
    C.case("layer_norm (C, H, W) affine", "layer_norm", C.randn(2, 3, 4, 4), [3, 4, 4], weight=C.randn(3, 4, 4), bias=C.randn(3, 4, 4))
    C.case("layer_norm two trailing dims, weight only, eps", "layer_norm", C.randn(2, 3, 2, 5), [2, 5], C.randn(2, 5), eps=0.1)
    C.case("layer_norm bias only", "layer_norm", C.randn(5, 4, scale=0.01), [4], bias=C.randn(4))
    C.case("layer_norm 1-D input", "layer_norm", C.randn(7), [7], C.randn(7), C.randn(7), 1e-3)

    # ---- group_norm -----------------------------------------------------------------------------
    C.case("group_norm 2 groups affine", "group_norm", C.randn(3, 4, 3, 3, scale=2.0), 2, C.randn(4), C.randn(4))
    C.case("group_norm 1 group (N, C)", "group_norm", C.randn(4, 6), 1)
    C.case("group_norm groups = channels (N, C, L)", "group_norm", C.randn(2, 3, 5), 3, weight=C.randn(3), eps=1e-2)
    C.case("group_norm 3-D spatial affine", "group_norm", C.randn(2, 6, 2, 3, 2), 3, C.randn(6), bias=C.randn(6))
    C.case("group_norm batch of one", "group_norm", C.randn(1, 4, 2, 2), 4, C.randn(4), C.randn(4), 1e-3)

    # ---- instance_norm --------------------------------------------------------------------------
    C.case("instance_norm (N, C, H, W)", "instance_norm", C.randn(2, 3, 4, 4, scale=2.0))
    C.case("instance_norm (N, C, L) affine", "instance_norm", C.randn(3, 2, 6), weight=C.randn(2), bias=C.randn(2), eps=1e-3)
    rm, rv = stats(3)
    C.case(
        "instance_norm running stats updated",
        "instance_norm",
        C.randn(4, 3, 3, 3),
        rm,
        rv,
        C.randn(3),
        C.randn(3),
        momentum=0.2,
        after=(1, 2),
    )
    rm, rv = stats(3)
    C.case("instance_norm running mean only", "instance_norm", C.randn(2, 3, 5), rm, None, after=(1,))
    rm, rv = stats(2)
    C.case(
        "instance_norm use_input_stats=False (running stats normalise)",
        "instance_norm",
        C.randn(3, 2, 2, 2),
        rm,
        rv,
        weight=C.randn(2),
        bias=C.randn(2),
        use_input_stats=False,
        after=(1, 2),
    )
    C.case("instance_norm 3-D spatial", "instance_norm", C.randn(2, 2, 2, 3, 2))
