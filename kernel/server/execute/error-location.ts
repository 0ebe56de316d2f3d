// Runtime errors in the cell's own terms: stack frames of the compiled cell (`cell[N]:line:col`)
// are mapped back to the TypeScript the student wrote.
//
// NOTE: tslab's converter emits no source map, so the mapping matches the failing compiled line to
// the cell line sharing most of its tokens (identifiers, numbers, strings), preferring lines at the
// same relative position. Emitted JS keeps statements and names, so this is exact for typical cells.

const TOKEN = /[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
const NOISE = new Set(["exports", "const", "let", "var", "require", "void", "default"]);

function tokens(line: string): string[] {
  return (line.match(TOKEN) ?? []).filter((t) => !NOISE.has(t) && !/^tsLastExpr\d*$/.test(t));
}

export interface CellPosition {
  /** 1-based line in the cell. */
  line: number;
  /** 1-based column in the cell. */
  column: number;
}

/** Maps a 1-based position in the compiled code to the cell source, or null if nothing matches. */
export function mapToCell(
  compiled: string,
  line: number,
  column: number,
  source: string,
): CellPosition | null {
  const genLines = compiled.split("\n");
  const genLine = genLines[line - 1];
  if (genLine === undefined) return null;
  const wanted = tokens(genLine);
  if (wanted.length === 0) return null;
  const srcLines = source.split("\n");
  let best = -1;
  let bestScore = 0;
  const relative = (line - 1) / Math.max(1, genLines.length - 1);
  for (let i = 0; i < srcLines.length; i++) {
    const have = new Set(tokens(srcLines[i]));
    let hits = 0;
    for (const t of wanted) if (have.has(t)) hits++;
    if (hits === 0) continue;
    const closeness = 1 - Math.abs(i / Math.max(1, srcLines.length - 1) - relative);
    const score = hits / wanted.length + 0.01 * closeness;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  if (best < 0 || bestScore < 0.5) return null;
  // Column: the token under the compiled column, found in the matched source line.
  const srcLine = srcLines[best];
  const at = genLine.slice(column - 1).match(TOKEN)?.[0];
  const idx = at === undefined ? -1 : srcLine.indexOf(at);
  const firstNonSpace = srcLine.length - srcLine.trimStart().length;
  return { line: best + 1, column: (idx >= 0 ? idx : firstNonSpace) + 1 };
}

/**
 * Rewrites an error's stack for the student: frames inside the compiled cell become
 * `at cell[N] line L, column C` with the source line; kernel-internal frames are dropped.
 */
export function cellTraceback(
  err: Error,
  cellName: string,
  compiled: string,
  source: string,
  lineOffset: number,
): string[] {
  const stack = typeof err.stack === "string" ? err.stack : `${err.name}: ${err.message}`;
  const lines = stack.split("\n");
  const out: string[] = [];
  const frame = new RegExp(`^\\s*at (?:(.*) \\()?${cellName.replace(/[[\]]/g, "\\$&")}:(\\d+):(\\d+)\\)?$`);
  const srcLines = source.split("\n");
  // Node decorates errors from vm code with the failing line and a caret before "Name: message";
  // skip that (it shows compiled code) and start at the message.
  const first = lines.findIndex((l) => l.startsWith(`${err.name}:`) || l === err.name);
  let sawFrame = false;
  for (const l of lines.slice(Math.max(0, first))) {
    if (!/^\s*at /.test(l)) {
      if (!sawFrame) out.push(l);
      continue;
    }
    sawFrame = true;
    const m = l.match(frame);
    if (m) {
      const pos = mapToCell(compiled, Number(m[2]) - lineOffset, Number(m[3]), source);
      const fn = m[1] && !m[1].startsWith("Object.<anonymous>") && m[1] !== "eval" ? ` in ${m[1]}` : "";
      if (pos === null) continue; // the kernel's wrapper around the cell
      out.push(`    at ${cellName} line ${pos.line}, column ${pos.column}${fn}`);
      out.push(`        ${srcLines[pos.line - 1].trim()}`);
    } else if (!/[( ]node:|\/kernel\/server\/|\/kernel\/display\/|tslab\/dist|node_modules\/@tslab/.test(l)) {
      out.push(l);
    }
  }
  return out;
}
