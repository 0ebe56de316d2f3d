// Keeps a cell's top-level `let` and `var` variables live across cells. tslab's converter gives
// each cell its own function scope and copies every top-level name into the shared `exports` once
// (`let f = 1; exports.f = f;`); later cells read and assign `exports.f`. A function written in the
// declaring cell closes over the cell's own `f`, so without this rewrite
//
//     let f = 1; function g() { return f; }      // cell 1
//     f = 2;                                     // cell 2: assigns exports.f only
//     g()                                        // cell 3: 1, silently stale
//
// Here the copy becomes an accessor (`exports.f` reads and writes the cell's `f`), so cell 3 gives
// 2 as in Python or a JavaScript REPL. A cell that declares a name again first removes the earlier
// cell's accessor (its `exports.x = ... = void 0` prologue would otherwise write through it); the
// earlier cell's functions then keep the earlier variable, as any closure would.

import { type TS, typescript } from "./typescript";

/** The cell's JavaScript with its top-level `let`/`var` copies into `exports` made live. */
export function liveBindings(js: string): string {
  if (!/\b(let|var)\b/.test(js)) return js;
  const ts = typescript();
  const file = ts.createSourceFile("cell.js", js, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const variables = new Set<string>();
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (statement.declarationList.flags & ts.NodeFlags.Const) continue;
    for (const d of statement.declarationList.declarations) collectNames(ts, d.name, variables);
  }
  const edits: { start: number; end: number; text: string }[] = [];
  const made = new Set<string>();
  for (const statement of file.statements) {
    if (!ts.isExpressionStatement(statement)) continue;
    const declared = prologueNames(ts, statement.expression);
    if (declared.length > 0) {
      const deletes = declared.map((name) => `delete exports.${name}; `).join("");
      edits.push({ start: statement.getStart(), end: statement.getStart(), text: deletes });
      continue;
    }
    const name = copiedName(ts, statement.expression);
    if (name === null || !variables.has(name) || made.has(name)) continue;
    made.add(name);
    edits.push({ start: statement.getStart(), end: statement.end, text: accessor(name) });
  }
  let out = js;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** `Object.defineProperty(exports, "f", { get, set })`: the scope keeps accessors that have a setter. */
function accessor(name: string): string {
  return (
    `Object.defineProperty(exports, "${name}", { get: () => ${name}, ` +
    `set: (receptive$value) => { ${name} = receptive$value; }, enumerable: true, configurable: true });`
  );
}

function collectNames(ts: typeof TS, name: TS.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) into.add(name.text);
  else for (const e of name.elements) if (!ts.isOmittedExpression(e)) collectNames(ts, e.name, into);
}

/** `exports.NAME` -> NAME, else null. */
function exportsProperty(ts: typeof TS, e: TS.Expression): string | null {
  return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "exports"
    ? e.name.text
    : null;
}

/** `exports.f = f` -> "f", else null. */
function copiedName(ts: typeof TS, e: TS.Expression): string | null {
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return null;
  const name = exportsProperty(ts, e.left);
  return name !== null && ts.isIdentifier(e.right) && e.right.text === name ? name : null;
}

/** The names of TypeScript's `exports.a = exports.b = void 0` prologue, else []. */
function prologueNames(ts: typeof TS, e: TS.Expression): string[] {
  const names: string[] = [];
  let node: TS.Expression = e;
  while (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const name = exportsProperty(ts, node.left);
    if (name === null) return [];
    names.push(name);
    node = node.right;
  }
  return ts.isVoidExpression(node) ? names : [];
}
