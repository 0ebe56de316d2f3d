// The README's TypeScript examples are part of the contract: each ```ts block is type-checked
// against the package and run (importing "receptive" by name) and must finish without error.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const root = join(__dirname, "..", "..", "..");
const blocks = [...readFileSync(join(root, "README.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map(
  (m) => m[1],
);

describe("README examples", () => {
  it("has examples", () => assert.ok(blocks.length >= 3));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, () => {
      const js = ts.transpileModule(code, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      // Run inside the project so `receptive` resolves through the package's own exports map.
      const dir = mkdtempSync(join(root, "dist", "readme-"));
      try {
        writeFileSync(join(dir, "example.js"), js);
        writeFileSync(join(dir, "example.ts"), code);
        const program = ts.createProgram([join(dir, "example.ts")], {
          strict: true,
          noEmit: true,
          module: ts.ModuleKind.Node16,
          moduleResolution: ts.ModuleResolutionKind.Node16,
          target: ts.ScriptTarget.ES2022,
          types: ["node"],
          typeRoots: [join(root, "node_modules", "@types")],
        });
        const problems = ts
          .getPreEmitDiagnostics(program)
          .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        assert.deepEqual(problems, [], `example ${i + 1} does not type-check:\n${code}`);
        const r = spawnSync(process.execPath, [join(dir, "example.js")], { cwd: root, encoding: "utf8" });
        assert.equal(r.status, 0, `example ${i + 1} failed:\n${code}\n${r.stderr}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
