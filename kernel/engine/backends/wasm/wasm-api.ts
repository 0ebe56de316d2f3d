// The slice of the WebAssembly JS API this backend uses, typed locally: the project compiles
// without the DOM lib, and @types/node does not declare `WebAssembly`.

export interface WasmModule {
  readonly __brand: "WebAssembly.Module";
}

export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

/** The runtime's WebAssembly object, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes per wasm page. */
export const PAGE_BYTES = 65536;

/** The memory's maximum in pages; must equal MAXIMUM_PAGES in scripts/build-wasm.mjs (2 GiB). */
export const MAXIMUM_PAGES = 32768;
