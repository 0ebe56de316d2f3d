// Facts about this build that the loader checks before trusting the module.

/** 1 when this variant was compiled with relaxed SIMD (fused multiply-add), else 0. */
export function isRelaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

/** The first byte past the module's static data: the JS arena must start at or above it. */
export function heapBase(): usize {
  return __heap_base;
}
