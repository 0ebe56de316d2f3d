"""Goldens for torchvision.ops (our `ops` namespace): box_convert, box_area, box_iou and
generalized_box_iou (with gradients), nms and batched_nms on clustered boxes so that suppression
happens, roi_align (output sizes, spatial_scale, sampling_ratio, aligned, boxes partly off the map,
list-of-tensors boxes) and roi_pool with input gradients, and sigmoid_focal_loss."""

import torch


def boxes(C, n, size=10.0, grad=True, low=0.0):
    """n valid (x1, y1, x2, y2) boxes inside [low, low + size + size / 2]."""
    xy = torch.rand(n, 2, generator=C.gen) * size + low
    wh = torch.rand(n, 2, generator=C.gen) * (size / 2) + 0.1
    return C.const(torch.cat([xy, xy + wh], 1).tolist(), grad=grad)


def clustered(C, n, centres=3):
    """n boxes around a few centres, jittered, so many overlap."""
    c = torch.rand(centres, 2, generator=C.gen) * 20
    pick = torch.randint(0, centres, (n,), generator=C.gen)
    xy = c[pick] + torch.randn(n, 2, generator=C.gen) * 1.5
    wh = 4 + torch.rand(n, 2, generator=C.gen) * 3
    return C.const(torch.cat([xy, xy + wh], 1).tolist())


def rois(C, k, n_images, size, margin=0.0):
    """(k, 5) rows (batch index, x1, y1, x2, y2) over a size x size image, up to `margin` outside."""
    idx = torch.randint(0, n_images, (k, 1), generator=C.gen).float()
    xy = torch.rand(k, 2, generator=C.gen) * (size * 0.7 + margin) - margin
    wh = torch.rand(k, 2, generator=C.gen) * (size * 0.5) + 0.5
    return C.const(torch.cat([idx, xy, xy + wh], 1).tolist())


def build(C):
    # ---- box_convert: every pair of formats, with gradients -------------------------------------
    for a in ("xyxy", "xywh", "cxcywh"):
        for b in ("xyxy", "xywh", "cxcywh"):
            if a != b:
                C.case(f"box_convert {a} -> {b}", "torchvision.ops.box_convert", C.rand(6, 4, high=10.0), a, b)
    C.case("box_convert same format copies", "torchvision.ops.box_convert", C.rand(3, 4), "xyxy", "xyxy")
    C.case("box_convert batched (..., 4)", "torchvision.ops.box_convert", C.rand(2, 3, 4), "cxcywh", "xyxy")

    # ---- areas and IoUs -------------------------------------------------------------------------
    C.case("box_area", "torchvision.ops.box_area", boxes(C, 5))
    C.case("box_iou 5x4", "torchvision.ops.box_iou", boxes(C, 5), boxes(C, 4))
    C.case("box_iou overlapping clusters", "torchvision.ops.box_iou", clustered(C, 6), clustered(C, 3))
    C.case(
        "box_iou identical, disjoint and nested boxes",
        "torchvision.ops.box_iou",
        C.const([[0.0, 0.0, 2.0, 2.0], [10.0, 10.0, 11.0, 12.0], [0.5, 0.5, 1.5, 1.5]], grad=True),
        C.const([[0.0, 0.0, 2.0, 2.0], [3.0, 3.0, 4.0, 4.0]], grad=True),
    )
    C.case("generalized_box_iou 4x5", "torchvision.ops.generalized_box_iou", boxes(C, 4), boxes(C, 5))
    C.case(
        "generalized_box_iou far apart boxes (negative)",
        "torchvision.ops.generalized_box_iou",
        boxes(C, 3, low=0.0),
        boxes(C, 3, low=30.0),
    )

    # ---- nms --------------------------------------------------------------------------------------
    for thr in (0.3, 0.5, 0.7):
        C.case(f"nms clustered iou_threshold={thr}", "torchvision.ops.nms", clustered(C, 12), C.rand(12, grad=False), thr)
    C.case("nms keeps everything at threshold 1", "torchvision.ops.nms", clustered(C, 6), C.rand(6, grad=False), 1.0)
    C.case(
        "nms identical boxes keep the best score",
        "torchvision.ops.nms",
        C.const([[1.0, 1.0, 5.0, 5.0]] * 3 + [[20.0, 20.0, 22.0, 22.0]]),
        C.const([0.2, 0.9, 0.5, 0.1]),
        0.5,
    )
    C.case("nms one box", "torchvision.ops.nms", C.const([[0.0, 0.0, 1.0, 1.0]]), C.const([0.3]), 0.5)
    C.case(
        "batched_nms three classes",
        "torchvision.ops.batched_nms",
        clustered(C, 15),
        C.rand(15, grad=False),
        C.randint(0, 3, 15),
        0.4,
    )
    C.case(
        "batched_nms same boxes, different classes survive",
        "torchvision.ops.batched_nms",
        C.const([[1.0, 1.0, 5.0, 5.0], [1.0, 1.0, 5.0, 5.0], [1.2, 1.0, 5.0, 5.1]]),
        C.const([0.9, 0.8, 0.7]),
        C.const([0, 1, 0], dtype=torch.int64),
        0.5,
    )

    # ---- roi_align ----------------------------------------------------------------------------------
    x = C.randn(2, 3, 8, 8)
    C.case("roi_align 2x2 adaptive sampling", "torchvision.ops.roi_align", x, rois(C, 4, 2, 8), 2)
    C.case(
        "roi_align 3x2 sampling_ratio=2",
        "torchvision.ops.roi_align",
        C.randn(2, 2, 7, 9),
        rois(C, 5, 2, 7),
        [3, 2],
        sampling_ratio=2,
    )
    C.case(
        "roi_align spatial_scale=0.5 aligned",
        "torchvision.ops.roi_align",
        C.randn(1, 3, 6, 6),
        rois(C, 4, 1, 12),
        3,
        spatial_scale=0.5,
        aligned=True,
    )
    C.case(
        "roi_align aligned adaptive, tiny boxes",
        "torchvision.ops.roi_align",
        C.randn(1, 2, 5, 5),
        C.const([[0, 1.0, 1.0, 1.3, 1.2], [0, 2.0, 0.5, 4.5, 4.0], [0, 0.2, 3.1, 0.25, 3.15]]),
        2,
        aligned=True,
    )
    C.case(
        "roi_align boxes partly outside the map",
        "torchvision.ops.roi_align",
        C.randn(1, 2, 6, 6),
        rois(C, 5, 1, 6, margin=4.0),
        2,
        sampling_ratio=3,
    )
    C.case(
        "roi_align boxes far outside the map (zeros)",
        "torchvision.ops.roi_align",
        C.randn(1, 1, 4, 4),
        C.const([[0, 10.0, 10.0, 14.0, 13.0], [0, -9.0, -8.0, -3.0, -2.0]]),
        2,
    )
    C.case(
        "roi_align boxes as a list per image, scale 0.25",
        "torchvision.ops.roi_align",
        C.randn(2, 3, 6, 7),
        [boxes(C, 2, size=18.0, grad=False), boxes(C, 3, size=18.0, grad=False)],
        [2, 3],
        spatial_scale=0.25,
        sampling_ratio=2,
    )

    # ---- roi_pool -----------------------------------------------------------------------------------
    C.case("roi_pool 2x2", "torchvision.ops.roi_pool", C.randn(2, 3, 8, 8), rois(C, 4, 2, 8), 2)
    C.case("roi_pool 3x2", "torchvision.ops.roi_pool", C.randn(1, 2, 9, 7), rois(C, 5, 1, 7), [3, 2])
    C.case(
        "roi_pool spatial_scale=0.5, bins larger than the box",
        "torchvision.ops.roi_pool",
        C.randn(1, 2, 6, 6),
        rois(C, 4, 1, 12),
        4,
        spatial_scale=0.5,
    )
    C.case(
        "roi_pool boxes partly outside the map (empty bins)",
        "torchvision.ops.roi_pool",
        C.randn(1, 2, 5, 5),
        C.const([[0, 3.0, 3.0, 8.0, 9.0], [0, -6.0, -6.0, 1.0, 0.4], [0, 7.0, 1.0, 9.0, 2.0]]),
        3,
    )
    C.case(
        "roi_pool boxes as a list per image",
        "torchvision.ops.roi_pool",
        C.randn(2, 2, 6, 6),
        [boxes(C, 1, size=4.0, grad=False), boxes(C, 2, size=4.0, grad=False)],
        2,
    )

    # ---- sigmoid_focal_loss -------------------------------------------------------------------------
    logits = lambda *s: C.randn(*s, scale=2.0)  # noqa: E731
    labels = lambda *s: C.const((torch.rand(*s, generator=C.gen) < 0.3).float().tolist())  # noqa: E731
    C.case("sigmoid_focal_loss defaults (none)", "torchvision.ops.sigmoid_focal_loss", logits(4, 5), labels(4, 5))
    C.case(
        "sigmoid_focal_loss mean alpha=0.5 gamma=1",
        "torchvision.ops.sigmoid_focal_loss",
        logits(3, 6),
        labels(3, 6),
        alpha=0.5,
        gamma=1.0,
        reduction="mean",
    )
    C.case(
        "sigmoid_focal_loss sum, no alpha, gamma=0 (plain BCE)",
        "torchvision.ops.sigmoid_focal_loss",
        logits(8),
        labels(8),
        alpha=-1.0,
        gamma=0.0,
        reduction="sum",
    )
    C.case(
        "sigmoid_focal_loss soft targets with gradients, gamma=3",
        "torchvision.ops.sigmoid_focal_loss",
        logits(2, 3, 4),
        C.rand(2, 3, 4),
        gamma=3.0,
        reduction="mean",
    )
