// Errors written for students: TypeScript's messages with hints that fit a notebook, and stack
// traces without the engine's own frames.
//
// - "Cannot find name 'test'. Do you need to install type definitions for a test runner? Try `npm i
//   --save-dev @types/jest`..." is about project setup, not a notebook: the advice goes.
// - A name that `receptive` exports but the cell never imported (`noGrad`) gets the import to add.
// - Another unknown name (after a restart, say) gets "run the cell that defines it".
// - `model.getSubmodule("0").weight` is typed nn.Module, which has no `weight`: say how to name the
//   layer's class.
// - Frames inside the receptive package (install paths, engine internals) are hidden unless
//   RECEPTIVE_ENGINE_FRAMES=1 (the VS Code setting `receptive.errors.showEngineFrames` sets it);
//   a last line says how many were hidden and how to see them.

import { resolve, sep } from "node:path";

/** The compiled kernel: engine, display, viz and server (this file is in kernel/server/execute). */
const KERNEL_DIR = resolve(__dirname, "..", "..") + sep;

/** TypeScript's "Cannot find name ... install type definitions" codes (node, jQuery, test runners). */
const SETUP_ADVICE = new Set([2580, 2581, 2582, 2591, 2592, 2593]);
const CANNOT_FIND_NAME = 2304;
const NO_PROPERTY = 2339;

let exported: Set<string> | undefined;
/** The names `import { ... } from "receptive"` offers (loaded on first need). */
function receptiveExports(): Set<string> {
  if (exported === undefined) {
    try {
      exported = new Set(Object.keys(require("../../viz/notebook")));
    } catch {
      exported = new Set();
    }
  }
  return exported;
}

/** The diagnostic's message as a student should read it. */
export function studentDiagnostic(code: number, message: string): string {
  const name = /^Cannot find name '([^']+)'/.exec(message)?.[1];
  if (name !== undefined && (code === CANNOT_FIND_NAME || SETUP_ADVICE.has(code))) {
    if (receptiveExports().has(name))
      return `Cannot find name '${name}'. It comes from receptive: add it to the import, e.g. import { ${name} } from "receptive";`;
    return `Cannot find name '${name}'. Run the cell that defines it first (after a restart, run the cells above this one).`;
  }
  if (code === NO_PROPERTY && /on type 'Module(<[^']*>)?'\.$/.test(message)) {
    return `${message} TypeScript only knows it is an nn.Module: name the layer's class, e.g. (model.getSubmodule("0") as nn.Conv2d).weight`;
  }
  return message;
}

/** Whether a stack frame line points into the receptive package (engine, display, kernel). */
function isEngineFrame(line: string): boolean {
  return line.includes(KERNEL_DIR) || /[/\\]node_modules[/\\]receptive[/\\]/.test(line);
}

/** Drops the engine's frames from a traceback (unless RECEPTIVE_ENGINE_FRAMES=1) and says so. */
export function hideEngineFrames(traceback: string[]): string[] {
  if (process.env.RECEPTIVE_ENGINE_FRAMES === "1") return traceback;
  const kept = traceback.filter((l) => !(/^\s*at /.test(l) && isEngineFrame(l)));
  const hidden = traceback.length - kept.length;
  if (hidden === 0) return traceback;
  return [
    ...kept,
    `    (${hidden} frame${hidden === 1 ? "" : "s"} inside receptive hidden; to see them set RECEPTIVE_ENGINE_FRAMES=1, in VS Code the setting "receptive.errors.showEngineFrames")`,
  ];
}
