// `npm start` (scripts/start.mjs) where VS Code's `code` command is on the PATH: it opens the
// course folder with this repository's extension loaded as an extension development host. A
// recording `code` script stands in for VS Code. (The headless branch, `receptive run` of the
// flagship notebook, is what test/notebooks runs.)

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(__dirname, "..", "..", "..");

test("npm start opens notebooks/ in VS Code with --extensionDevelopmentPath=<repo>/extension", () => {
  const bin = mkdtempSync(join(tmpdir(), "rcp-code-"));
  const record = join(bin, "args.txt");
  writeFileSync(
    join(bin, "code"),
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo 1.99.0; exit 0; fi\nprintf '%s\\n' "$@" > ${JSON.stringify(record)}\n`,
  );
  chmodSync(join(bin, "code"), 0o755);
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "start.mjs"), "--no-build"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readFileSync(record, "utf8").trim().split("\n"), [
    `--extensionDevelopmentPath=${join(ROOT, "extension")}`,
    join(ROOT, "notebooks"),
  ]);
  assert.match(r.stdout, /opening .*notebooks in VS Code with the Receptive extension/);
  assert.match(r.stdout, /Receptive \(TypeScript\)/);
});
