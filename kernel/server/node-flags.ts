// The Node flags the kernel process needs (run-child.ts re-runs the CLI with them when it was
// started without, e.g. `receptive run` from a shell).

const nodeMajor = Number(process.versions.node.split(".")[0]);

/** Lets the interrupt terminate synchronous code safely (see execute/interrupt.ts). */
const INTERRUPT_FLAG = "--no-force-async-hooks-checks";

/**
 * For the tensor engine. Node 20's V8 has relaxed SIMD behind a flag (on by default from Node 22):
 * with it the wasm backend loads its faster fused-multiply-add kernels; without it, plain SIMD.
 * `--no-concurrent-recompilation`: V8 optimises hot JS on the main thread instead of a background
 * thread. On a 2-core machine that thread took a core from the wasm worker threads in the middle
 * of their kernels (a threaded call's worker started up to 2-4 ms late, ~8 ms per ResNet width-16
 * step in all); LeNet-5 training at 2 threads went from 3.9-4.4 to 3.5-4.1 ms a step (best batch).
 * The benchmark runs Receptive under these flags too.
 */
export const ENGINE_NODE_FLAGS = [
  "--no-concurrent-recompilation",
  ...(nodeMajor < 22 ? ["--experimental-wasm-relaxed-simd"] : []),
];

export const KERNEL_NODE_FLAGS = [INTERRUPT_FLAG, ...ENGINE_NODE_FLAGS];

/** The flags this process was started with (command line and NODE_OPTIONS). */
const givenFlags = (): string[] => [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];

export function hasKernelFlags(): boolean {
  const given = givenFlags();
  return KERNEL_NODE_FLAGS.every((f) => given.includes(f));
}

/** Whether the interrupt may terminate synchronous code (this process has INTERRUPT_FLAG). */
export function hasInterruptFlag(): boolean {
  return givenFlags().includes(INTERRUPT_FLAG);
}
