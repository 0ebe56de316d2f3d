// The extension's notebookRenderer entry and the renderer bundle agree: every Receptive MIME type
// is claimed, messaging is optional, and the entrypoint is the built ES module exporting `activate`.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";

const EXTENSION = join(__dirname, "..", "..", "..", "extension");

interface RendererEntry {
  id: string;
  entrypoint: string;
  mimeTypes: string[];
  requiresMessaging: string;
}

describe("extension manifest: notebook renderer", () => {
  const manifest = JSON.parse(readFileSync(join(EXTENSION, "package.json"), "utf8"));
  const [entry] = manifest.contributes.notebookRenderer as RendererEntry[];

  it("claims exactly the payload MIME types the renderer draws, with optional messaging", () => {
    assert.deepEqual([...entry.mimeTypes].sort(), Object.values(VIZ_MIME).sort());
    assert.equal(entry.requiresMessaging, "optional");
  });

  it("points at the built bundle, an ES module exporting activate", () => {
    const file = join(EXTENSION, entry.entrypoint);
    assert.ok(existsSync(file), `${file} is missing: npm run build (node webviews/build.mjs) makes it`);
    assert.match(readFileSync(file, "utf8"), /export\s*\{[^}]*\bactivate\b[^}]*\}/);
  });
});
