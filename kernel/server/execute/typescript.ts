// tslab's TypeScript, loaded on first use: the compiler is a large module (about a second to load
// on a busy machine), and the kernel should answer kernel_info before paying for it.

import type * as TS from "@tslab/typescript-for-tslab";

export type { TS };

export function typescript(): typeof TS {
  return require("@tslab/typescript-for-tslab");
}

/** The TypeScript version the converter compiles with (read without loading the compiler). */
export function typescriptVersion(): string {
  return require("@tslab/typescript-for-tslab/package.json").version;
}
