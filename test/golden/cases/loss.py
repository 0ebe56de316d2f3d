"""Goldens for the losses: every option of nll_loss and cross_entropy (class weights, an ignore
index that is actually hit, label smoothing with and without weights and ignores, all reductions,
K-dim inputs, unbatched inputs, class-probability targets), binary cross-entropy on probabilities
and on logits (weights, pos_weight), mse, l1 and the triplet margin loss; issue 17: huber,
smooth l1, kl_div (batchmean, log_target), poisson_nll, cosine_embedding, margin_ranking and the
contrastive loss (Hadsell et al. 2006), the last against a direct PyTorch implementation."""

import torch
import torch.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def build(C):
    long = torch.long

    # ---- nll_loss on log-probabilities ----------------------------------------------------------
    logp = lambda *s: torch.log_softmax(C.randn(*s, grad=False), 1).detach().requires_grad_(True)
    for r in REDUCTIONS:
        C.case(f"nll_loss {r}", "nll_loss", logp(5, 4), C.randint(0, 4, 5), reduction=r)
    C.case("nll_loss weight mean", "nll_loss", logp(6, 3), C.randint(0, 3, 6), weight=C.rand(3, grad=False, low=0.2))
    C.case(
        "nll_loss ignore_index hit, weight, mean",
        "nll_loss",
        logp(5, 4),
        C.const([1, -100, 3, 0, -100], dtype=long),
        weight=C.rand(4, grad=False, low=0.2),
    )
    C.case("nll_loss custom ignore_index", "nll_loss", logp(4, 3), C.const([2, 1, 1, 0], dtype=long), ignore_index=1)
    C.case("nll_loss K-dim (N, C, H, W) sum", "nll_loss", logp(2, 3, 2, 3), C.randint(0, 3, 2, 2, 3), reduction="sum")
    C.case("nll_loss unbatched (C)", "nll_loss", torch.log_softmax(C.randn(4, grad=False), 0).requires_grad_(True), C.const(2, dtype=long))
    C.case(
        "nll_loss K-dim weight + ignore none",
        "nll_loss",
        logp(2, 3, 4),
        C.const([[0, -100, 2, 1], [2, 2, -100, 0]], dtype=long),
        weight=C.rand(3, grad=False, low=0.2),
        reduction="none",
    )
    # Float tensors holding whole numbers are accepted as class indices (PyTorch needs .long()).
    as_long = lambda f: lambda x, t, **k: f(x, t.long(), **k)
    C.case("nll_loss float targets", "nll_loss", logp(4, 5), C.const([4.0, 0.0, 2.0, 2.0]), fn=as_long(F.nll_loss))

    # ---- cross_entropy with class indices -------------------------------------------------------
    for r in REDUCTIONS:
        C.case(f"cross_entropy {r}", "cross_entropy", C.randn(6, 5), C.randint(0, 5, 6), reduction=r)
    C.case("cross_entropy weight mean", "cross_entropy", C.randn(6, 4), C.randint(0, 4, 6), weight=C.rand(4, grad=False, low=0.1))
    for r in REDUCTIONS:
        C.case(
            f"cross_entropy weight + ignore_index hit {r}",
            "cross_entropy",
            C.randn(6, 4),
            C.const([3, -100, 0, 1, -100, 3], dtype=long),
            weight=C.rand(4, grad=False, low=0.1),
            reduction=r,
        )
    C.case("cross_entropy ignore_index=0", "cross_entropy", C.randn(5, 3), C.const([0, 2, 0, 1, 2], dtype=long), ignore_index=0)
    C.case("cross_entropy unbatched (C)", "cross_entropy", C.randn(5), C.const(3, dtype=long))
    C.case("cross_entropy float-valued class targets", "cross_entropy", C.randn(4, 3), C.const([2.0, 0.0, 1.0, 1.0]), fn=as_long(F.cross_entropy))
    C.case("cross_entropy large logits", "cross_entropy", C.randn(4, 6, scale=80.0), C.randint(0, 6, 4))

    # K-dim: (N, C, H, W) scores with (N, H, W) targets (segmentation).
    for r in REDUCTIONS:
        C.case(f"cross_entropy (N, C, H, W) {r}", "cross_entropy", C.randn(2, 4, 3, 3), C.randint(0, 4, 2, 3, 3), reduction=r)
    seg = C.randint(0, 3, 2, 5)
    seg[0, 1] = -100
    seg[1, 4] = -100
    C.case(
        "cross_entropy (N, C, L) weight + ignore",
        "cross_entropy",
        C.randn(2, 3, 5),
        seg,
        weight=C.rand(3, grad=False, low=0.1),
    )

    # Label smoothing: alone, with weights, with ignored targets, both, every reduction, K-dim.
    for r in REDUCTIONS:
        C.case(f"cross_entropy label_smoothing {r}", "cross_entropy", C.randn(5, 4), C.randint(0, 4, 5), label_smoothing=0.1, reduction=r)
        C.case(
            f"cross_entropy label_smoothing + weight {r}",
            "cross_entropy",
            C.randn(5, 4),
            C.randint(0, 4, 5),
            weight=C.rand(4, grad=False, low=0.1),
            label_smoothing=0.2,
            reduction=r,
        )
        C.case(
            f"cross_entropy label_smoothing + ignore {r}",
            "cross_entropy",
            C.randn(5, 4),
            C.const([1, -100, 2, 3, -100], dtype=long),
            label_smoothing=0.3,
            reduction=r,
        )
        C.case(
            f"cross_entropy label_smoothing + weight + ignore {r}",
            "cross_entropy",
            C.randn(6, 3),
            C.const([2, 0, 1, 1, 2, 0], dtype=long),
            weight=C.rand(3, grad=False, low=0.1),
            ignore_index=1,
            label_smoothing=0.25,
            reduction=r,
        )
    C.case(
        "cross_entropy (N, C, H, W) label_smoothing + ignore",
        "cross_entropy",
        C.randn(2, 3, 2, 2),
        C.const([[[0, 2], [-100, 1]], [[1, 1], [2, -100]]], dtype=long),
        label_smoothing=0.15,
    )
    C.case("cross_entropy unbatched label_smoothing", "cross_entropy", C.randn(4), C.const(1, dtype=long), label_smoothing=0.4)

    # Class-probability targets (soft labels), with gradients for the target too.
    probs = lambda *s: torch.softmax(C.randn(*s, grad=False), 1).detach().requires_grad_(True)
    for r in REDUCTIONS:
        C.case(f"cross_entropy probabilities {r}", "cross_entropy", C.randn(4, 5), probs(4, 5), reduction=r)
    C.case("cross_entropy probabilities weight", "cross_entropy", C.randn(4, 3), probs(4, 3), weight=C.rand(3, grad=False, low=0.1))
    C.case(
        "cross_entropy probabilities weight + label_smoothing sum",
        "cross_entropy",
        C.randn(3, 4),
        probs(3, 4),
        weight=C.rand(4, grad=False, low=0.1),
        label_smoothing=0.2,
        reduction="sum",
    )
    C.case("cross_entropy probabilities (N, C, H, W)", "cross_entropy", C.randn(2, 3, 2, 2), probs(2, 3, 2, 2), label_smoothing=0.1)

    # ---- binary cross-entropy on probabilities --------------------------------------------------
    for r in REDUCTIONS:
        C.case(f"binary_cross_entropy {r}", "binary_cross_entropy", C.rand(4, 3, low=0.05, high=0.95), C.rand(4, 3), reduction=r)
    C.case(
        "binary_cross_entropy weight broadcast",
        "binary_cross_entropy",
        C.rand(3, 4, low=0.05, high=0.95),
        C.randint(0, 2, 3, 4).float(),
        weight=C.rand(4, grad=False),
    )
    C.case(
        "binary_cross_entropy log clamped at -100",
        "binary_cross_entropy",
        C.const([0.0, 1.0, 0.0, 1.0, 0.5]),
        C.const([1.0, 0.0, 0.0, 1.0, 1.0]),
        reduction="none",
    )

    # ---- binary cross-entropy with logits -------------------------------------------------------
    for r in REDUCTIONS:
        C.case(f"binary_cross_entropy_with_logits {r}", "binary_cross_entropy_with_logits", C.randn(4, 3), C.rand(4, 3), reduction=r)
    C.case(
        "binary_cross_entropy_with_logits weight",
        "binary_cross_entropy_with_logits",
        C.randn(3, 5),
        C.randint(0, 2, 3, 5).float(),
        weight=C.rand(3, 1, grad=False),
    )
    C.case(
        "binary_cross_entropy_with_logits pos_weight",
        "binary_cross_entropy_with_logits",
        C.randn(4, 3),
        C.rand(4, 3),
        pos_weight=C.rand(3, grad=False, low=0.5, high=3.0),
    )
    C.case(
        "binary_cross_entropy_with_logits weight + pos_weight sum",
        "binary_cross_entropy_with_logits",
        C.randn(2, 3, 4),
        C.randint(0, 2, 2, 3, 4).float(),
        weight=C.rand(4, grad=False),
        pos_weight=C.rand(4, grad=False, low=0.5, high=3.0),
        reduction="sum",
    )
    C.case(
        "binary_cross_entropy_with_logits large logits",
        "binary_cross_entropy_with_logits",
        C.const([-120.0, -30.0, 0.0, 30.0, 120.0], grad=True),
        C.const([1.0, 0.0, 0.5, 1.0, 0.0]),
        reduction="none",
    )

    C.case(
        "binary_cross_entropy_with_logits (N, C, H, W) pos_weight per channel none",
        "binary_cross_entropy_with_logits",
        C.randn(2, 3, 2, 2),
        C.rand(2, 3, 2, 2),
        pos_weight=C.rand(3, 1, 1, grad=False, low=0.5, high=3.0),
        reduction="none",
    )
    C.case(
        "binary_cross_entropy weight none",
        "binary_cross_entropy",
        C.rand(2, 3, low=0.05, high=0.95),
        C.rand(2, 3),
        weight=C.rand(2, 1, grad=False),
        reduction="none",
    )

    # ---- regression -----------------------------------------------------------------------------
    for r in REDUCTIONS:
        C.case(f"mse_loss {r}", "mse_loss", C.randn(3, 4), C.randn(3, 4), reduction=r)
        C.case(f"l1_loss {r}", "l1_loss", C.randn(2, 3, 2), C.randn(2, 3, 2), reduction=r)

    # ---- triplet margin -------------------------------------------------------------------------
    for r in REDUCTIONS:
        C.case(f"triplet_margin_loss {r}", "triplet_margin_loss", C.randn(5, 4), C.randn(5, 4), C.randn(5, 4), reduction=r)
    C.case("triplet_margin_loss margin p=1", "triplet_margin_loss", C.randn(4, 6), C.randn(4, 6), C.randn(4, 6), margin=2.0, p=1)
    C.case("triplet_margin_loss swap", "triplet_margin_loss", C.randn(6, 3), C.randn(6, 3), C.randn(6, 3), swap=True, margin=0.5)
    C.case("triplet_margin_loss p=3 eps", "triplet_margin_loss", C.randn(3, 5), C.randn(3, 5), C.randn(3, 5), p=3, eps=1e-3)
    C.case("triplet_margin_loss unbatched", "triplet_margin_loss", C.randn(4), C.randn(4), C.randn(4), margin=3.0)

    # ---- issue 17: robust regression ----------------------------------------------------------
    for r in REDUCTIONS:
        C.case(f"huber_loss {r}", "huber_loss", C.randn(4, 5, scale=2.0), C.randn(4, 5), reduction=r)
        C.case(f"smooth_l1_loss {r}", "smooth_l1_loss", C.randn(4, 5, scale=2.0), C.randn(4, 5), reduction=r)
    C.case("huber_loss delta 0.5", "huber_loss", C.randn(3, 6), C.randn(3, 6), delta=0.5)
    C.case("huber_loss delta 2.5 sum", "huber_loss", C.randn(2, 3, 4, scale=3.0), C.randn(2, 3, 4), delta=2.5, reduction="sum")
    C.case("smooth_l1_loss beta 0.3", "smooth_l1_loss", C.randn(3, 6), C.randn(3, 6), beta=0.3)
    C.case("smooth_l1_loss beta 0 (l1)", "smooth_l1_loss", C.randn(3, 4), C.randn(3, 4), beta=0.0, reduction="sum")

    # ---- kl_div ------------------------------------------------------------------------------------
    logq = lambda *s: torch.log_softmax(C.randn(*s, grad=False), -1).detach().requires_grad_(True)
    probs_last = lambda *s: torch.softmax(C.randn(*s, grad=False), -1).detach().requires_grad_(True)
    for r in ["mean", "batchmean", "sum", "none"]:
        C.case(f"kl_div {r}", "kl_div", logq(4, 5), probs_last(4, 5), reduction=r)
    C.case("kl_div log_target batchmean", "kl_div", logq(3, 6), logq(3, 6), reduction="batchmean", log_target=True)
    C.case("kl_div log_target none (N, C, L)", "kl_div", logq(2, 3, 4), logq(2, 3, 4), reduction="none", log_target=True)
    C.case(
        "kl_div zero targets",
        "kl_div",
        logq(2, 4),
        C.const([[0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0]]),
        reduction="batchmean",
    )

    # ---- poisson_nll_loss ------------------------------------------------------------------------
    counts = lambda *s: C.randint(0, 6, *s).float()
    for r in REDUCTIONS:
        C.case(f"poisson_nll_loss {r}", "poisson_nll_loss", C.randn(3, 4), counts(3, 4), reduction=r)
    C.case("poisson_nll_loss rates (log_input=False)", "poisson_nll_loss", C.rand(3, 4, low=0.1, high=4.0), counts(3, 4), log_input=False)
    C.case("poisson_nll_loss full", "poisson_nll_loss", C.randn(4, 3), counts(4, 3), full=True, reduction="sum")
    C.case(
        "poisson_nll_loss full, rates, eps, target grad",
        "poisson_nll_loss",
        C.rand(2, 5, low=0.1, high=4.0),
        C.rand(2, 5, low=0.5, high=5.0),
        log_input=False,
        full=True,
        eps=1e-3,
    )

    # ---- pair losses -----------------------------------------------------------------------------
    signs = lambda n: C.const([1.0 if i % 3 else -1.0 for i in range(n)])
    for r in REDUCTIONS:
        C.case(f"cosine_embedding_loss {r}", "cosine_embedding_loss", C.randn(6, 4), C.randn(6, 4), signs(6), reduction=r)
    C.case("cosine_embedding_loss margin 0.2", "cosine_embedding_loss", C.randn(6, 5), C.randn(6, 5), signs(6), margin=0.2)
    C.case("cosine_embedding_loss margin -0.5", "cosine_embedding_loss", C.randn(5, 3), C.randn(5, 3), signs(5), margin=-0.5, reduction="sum")
    C.case("cosine_embedding_loss unbatched", "cosine_embedding_loss", C.randn(4), C.randn(4), C.const(-1.0), margin=0.1)
    for r in REDUCTIONS:
        C.case(f"margin_ranking_loss {r}", "margin_ranking_loss", C.randn(6), C.randn(6), signs(6), reduction=r)
    C.case("margin_ranking_loss margin 0.5 (N, K)", "margin_ranking_loss", C.randn(3, 4), C.randn(3, 4), C.const([[1.0, -1.0, 1.0, 1.0]] * 3), margin=0.5)

    # The contrastive loss of Hadsell, Chopra & LeCun 2006 (eq. 4), target 1 = similar pair.
    def contrastive(x1, x2, target, margin=1.0, p=2.0, eps=1e-6, squared=True, reduction="mean"):
        d = F.pairwise_distance(x1, x2, p=p, eps=eps)
        gap = torch.clamp(margin - d, min=0)
        similar, dissimilar = (0.5 * d**2, 0.5 * gap**2) if squared else (d, gap)
        loss = target * similar + (1 - target) * dissimilar
        return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()

    pairs = lambda n: C.const([float(i % 2) for i in range(n)])
    for r in REDUCTIONS:
        C.case(f"contrastive_loss {r}", "contrastive_loss", C.randn(6, 4, scale=0.5), C.randn(6, 4, scale=0.5), pairs(6), reduction=r, fn=contrastive)
    C.case("contrastive_loss margin 2 p=1", "contrastive_loss", C.randn(5, 3), C.randn(5, 3), pairs(5), margin=2.0, p=1.0, fn=contrastive)
    C.case("contrastive_loss not squared (the slide's form)", "contrastive_loss", C.randn(6, 3, scale=0.4), C.randn(6, 3, scale=0.4), pairs(6), squared=False, margin=1.5, fn=contrastive)
    C.case("contrastive_loss unbatched, dissimilar", "contrastive_loss", C.randn(4, scale=0.3), C.randn(4, scale=0.3), C.const(0.0), fn=contrastive)
