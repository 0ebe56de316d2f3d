// What `receptive` means in a notebook cell: the engine (kernel/engine/index.ts) plus `viz` and
// `fit`, with the engine's objects displaying through viz's formatters. The cell loader
// (kernel/server/execute/module-loader.ts) maps the name here and the cell compiler type-checks
// against these declarations; in a Node script `import "receptive"` is the engine alone and
// `receptive/viz` is the viz namespace (fit included).

export * from "../engine/index";
export { type FitOptions, fit, type History } from "./fit";
export * as viz from "./index";
