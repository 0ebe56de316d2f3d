// The one place the wasm wrappers write a call's geometry (../geometry.ts) into wasm memory, as the
// blocks the AssemblyScript kernels read: conv in assembly/conv-geometry.ts, pooling in
// assembly/pool-geometry.ts (i32 fields at the byte offsets named there). Kernels then take one
// address instead of 16 sizes.

import type { ConvGeometry, PoolGeometry, PoolPlanes } from "../geometry";
import type { Arena } from "./arena";

/**
 * Puts a conv geometry block into the arena and returns its address: every size but N (C, H, W,
 * OC, KH, KW, OH, OW, strideH, strideW, padTop, padLeft, dilationH, dilationW, groups), then one
 * kernel-specific field (assembly/conv-geometry.ts ADD_ / CHUNK_).
 */
export function putConvGeometry(arena: Arena, g: ConvGeometry, extra = 0): number {
  return arena.putI32([
    g.C,
    g.H,
    g.W,
    g.OC,
    g.KH,
    g.KW,
    g.OH,
    g.OW,
    g.strideH,
    g.strideW,
    g.padTop,
    g.padLeft,
    g.dilationH,
    g.dilationW,
    g.groups,
    extra,
  ]);
}

/**
 * Floats of one image's zero-padded planes of one group (C/G, PH, PW), as
 * assembly/conv-geometry.ts convPaddedHeight/Width size them: the scratch padPlanes writes.
 */
export function paddedPlanesFloats(g: ConvGeometry): number {
  const PH = (g.OH - 1) * g.strideH + (g.KH - 1) * g.dilationH + 1;
  const PW = (g.OW - 1) * g.strideW + (g.KW - 1) * g.dilationW + 1;
  return (g.C / g.groups) * PH * PW;
}

/**
 * Puts a pooling geometry block into the arena and returns its address: H, W, OH, OW, then the
 * window (KH, KW, strideH, strideW, padTop, padLeft, dilationH, dilationW; zeros for adaptive
 * pooling's planes), then average pooling's countIncludePad (1 or 0) and divisorOverride (0: none).
 */
export function putPoolGeometry(
  arena: Arena,
  g: PoolPlanes | PoolGeometry,
  countIncludePad = false,
  divisorOverride = 0,
): number {
  const w = "KH" in g ? g : null;
  return arena.putI32([
    g.H,
    g.W,
    g.OH,
    g.OW,
    w?.KH ?? 0,
    w?.KW ?? 0,
    w?.strideH ?? 0,
    w?.strideW ?? 0,
    w?.padTop ?? 0,
    w?.padLeft ?? 0,
    w?.dilationH ?? 0,
    w?.dilationW ?? 0,
    countIncludePad ? 1 : 0,
    divisorOverride,
  ]);
}
