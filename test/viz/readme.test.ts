// kernel/viz/README.md's TypeScript examples are part of the contract: each ```ts block is
// type-checked against the package and run (importing "receptive" by name), and must finish
// without error.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import ts from "typescript";

const root = join(__dirname, "..", "..", "..");
const blocks = [
  ...readFileSync(join(root, "kernel", "viz", "README.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g),
].map((m) => m[1]);

describe("kernel/viz/README.md examples", () => {
  // One temporary folder inside the project (so "receptive" resolves through the package's own
  // exports map) and one type-check for all examples (each program loads the package's types).
  let dir = "";
  let problems: string[][] = [];
  before(() => {
    dir = mkdtempSync(join(root, "dist", "viz-readme-"));
    const files = blocks.map((code, i) => {
      const file = join(dir, `example-${i + 1}.mts`);
      writeFileSync(file, `${code}\nexport {};\n`); // a module, so top-level await is allowed
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      target: ts.ScriptTarget.ES2022,
      types: ["node"],
      typeRoots: [join(root, "node_modules", "@types")],
    });
    problems = files.map((f) =>
      ts
        .getPreEmitDiagnostics(program, program.getSourceFile(f))
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("has examples", () => assert.ok(blocks.length >= 3));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} type-checks and runs`, () => {
      assert.deepEqual(problems[i], [], `example ${i + 1} does not type-check:\n${code}`);
      const js = ts.transpileModule(`${code}\nexport {};\n`, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const file = join(dir, `example-${i + 1}.mjs`);
      writeFileSync(file, js);
      const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 120_000 });
      assert.equal(r.status, 0, `example ${i + 1} failed:\n${r.stderr}`);
      // Outside a kernel fit() has no display: it writes one plain line per epoch to stderr.
      if (code.includes("await fit("))
        assert.match(r.stderr, /^epoch 3\/3 · loss \d\.\d{4} · accuracy \d\.\d{4} · valLoss /m);
    });
  });
});
