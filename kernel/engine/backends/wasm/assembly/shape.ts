// Data movement of the shape ops: a strided slice along one dim (and its adjoint, which writes
// cat's inputs into their slots and slice's gradient back), whole rows at a time.

/**
 * out (outer, count, inner) = x (outer, size, inner) at [start + j * step] along the middle dim;
 * with `add`, the adjoint: x[o, start + j * step, k] += out[o, j, k] (x is then the target).
 */
export function sliceDim(
  out: usize,
  x: usize,
  outer: i32,
  size: i32,
  inner: i32,
  start: i32,
  step: i32,
  count: i32,
  add: i32,
): void {
  const rowBytes = 4 * <usize>inner;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < count; j++) {
      const src = x + rowBytes * <usize>(o * size + start + j * step);
      const dst = out + rowBytes * <usize>(o * count + j);
      if (add == 0) {
        memory.copy(dst, src, rowBytes);
        continue;
      }
      let k = 0;
      for (; k + 4 <= inner; k += 4)
        v128.store(src + 4 * k, f32x4.add(v128.load(src + 4 * k), v128.load(dst + 4 * k)));
      for (; k < inner; k++) store<f32>(src + 4 * k, load<f32>(src + 4 * k) + load<f32>(dst + 4 * k));
    }
}
