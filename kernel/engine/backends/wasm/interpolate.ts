// wasm interpolateForward / interpolateBackward (same names, signatures and += semantics as
// backends/ref/interpolate.ts) for the 2-D nearest and bilinear cases that ref's fast paths
// (ref/interpolate-2d.ts) take, in assembly/interpolate.ts; every other mode and float64 buffers
// go to ref. Threads split planes, which never share an output, so any thread count gives the
// same bits.

import type { InterpolateGeometry } from "../ref/interpolate";
import { planarKind } from "../ref/interpolate-2d";
import { type Buf, FALL_BACK } from "../registry";
import type { Arena } from "./arena";
import { allF32, type F32 } from "./f32";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, threadsFor } from "./threads/parallel";

/** The kernels' index table: [H, W, OH, OW, then each tap's rows (OH), then each tap's columns (OW)]. */
function putIndices(arena: Arena, g: InterpolateGeometry, T: number): number {
  const { H, W, OH, OW } = g;
  const [, th, tw] = g.taps;
  const v = [H, W, OH, OW];
  for (const [t, O] of [
    [th, OH],
    [tw, OW],
  ] as const)
    for (let k = 0; k < T; k++) for (let o = 0; o < O; o++) v.push(t.index[o * T + k]);
  return arena.putI32(v);
}

/** Bilinear's weight table: [wh0 (OH), wh1 (OH), ww0 (OW), ww1 (OW)]. */
function putWeights(arena: Arena, g: InterpolateGeometry): number {
  const { OH, OW } = g;
  const [, th, tw] = g.taps;
  const v = new Float32Array(2 * (OH + OW));
  let i = 0;
  for (const [t, O] of [
    [th, OH],
    [tw, OW],
  ] as const)
    for (let k = 0; k < 2; k++) for (let o = 0; o < O; o++) v[i++] = t.weight[o * 2 + k];
  return arena.put(v);
}

export function interpolateKernels(rt: WasmRuntime) {
  const { arena } = rt;

  /** One call of either direction: x (P, H, W) is the input side, y (P, OH, OW) the output side. */
  function run(backward: boolean, x: Buf, y: Buf, g: InterpolateGeometry): typeof FALL_BACK | undefined {
    const kind = planarKind(g);
    if (kind === null || !allF32(x, y)) return FALL_BACK;
    const { P, H, W, OH, OW } = g;
    arena.begin();
    const idx = putIndices(arena, g, kind === "nearest" ? 1 : 2);
    const wts = kind === "linear" ? putWeights(arena, g) : 0;
    const xs = (x as F32).subarray(0, P * H * W); // (P, H, W)
    const ys = (y as F32).subarray(0, P * OH * OW); // (P, OH, OW)
    const pIn = arena.put(xs); // inp, or dinp that backward adds onto
    const pY = backward ? arena.put(ys) : arena.target(ys); // dout, or out
    const shares = ranges(P, 1, threadsFor(rt, P * (OH * OW + H * OW)));
    if (kind === "nearest") {
      const name = backward ? "interpolateNearestBackward" : "interpolateNearestForward";
      runShares(
        rt,
        name,
        shares.map(([p0, p1]) => (backward ? [p0, p1, idx, pIn, pY] : [p0, p1, idx, pY, pIn])),
      );
    } else {
      const name = backward ? "interpolateLinearBackward" : "interpolateLinearForward";
      const calls = shares.map(([p0, p1]) => {
        const rows = arena.alloc(4 * H * OW); // this share's scratch
        return backward ? [p0, p1, idx, wts, pIn, pY, rows] : [p0, p1, idx, wts, pY, pIn, rows];
      });
      runShares(rt, name, calls);
    }
    if (backward) arena.get(pIn, xs);
    else arena.get(pY, ys);
  }

  /** out (P, OD, OH, OW) = interpolation of inp (P, D, H, W) (see ref). */
  function interpolateForward(out: Buf, inp: Buf, g: InterpolateGeometry): typeof FALL_BACK | undefined {
    return run(false, inp, out, g);
  }

  /** dinp (P, D, H, W) += the adjoint of interpolateForward applied to dout (see ref). */
  function interpolateBackward(dinp: Buf, dout: Buf, g: InterpolateGeometry): typeof FALL_BACK | undefined {
    return run(true, dinp, dout, g);
  }

  return { interpolateForward, interpolateBackward };
}
