// Respells two kinds of property names before tslab's converter sees a cell. The converter reads
// names from earlier cells as `exports.<name>`: after TypeScript's transform it asks the checker
// what each identifier refers to, and rewrites those declared in an earlier cell. Two spots go
// wrong there, and both are fixed by saying the same thing another way:
//
// - a shorthand property `{ q }`: its identifier resolves to the property, never the variable, so
//   the JavaScript keeps `{ q }` and fails with "q is not defined" (and `({ q } = o)` assigns a
//   global). Written `{ q: q }`, the value is an ordinary reference and is rewritten.
// - the property name of a destructuring element, `const { c: renamed } = obj`: when `obj`'s type
//   comes from an earlier cell, `c` resolves to that cell's declaration and is rewritten into
//   `exports.c`, which prints as `{ exports, c: renamed }`. Written `{ "c": renamed }`, it is left alone.
//
// Both spellings have the same meaning and types; `toOriginal` maps positions in the rewritten
// cell (of type errors) back to the cell as written.

import { type TS, typescript } from "./typescript";

export interface Respelled {
  code: string;
  /** The position in the cell as written of position `offset` of `code`. */
  toOriginal(offset: number): number;
}

interface Insertion {
  at: number; // position in the original cell
  text: string;
}

export function respellPropertyNames(src: string): Respelled {
  const insertions = src.includes("{") ? findInsertions(src) : [];
  if (insertions.length === 0) return { code: src, toOriginal: (offset) => offset };
  insertions.sort((a, b) => a.at - b.at);
  let code = "";
  let from = 0;
  for (const { at, text } of insertions) {
    code += src.slice(from, at) + text;
    from = at;
  }
  code += src.slice(from);
  const toOriginal = (offset: number): number => {
    let shift = 0;
    for (const { at, text } of insertions) {
      const start = at + shift; // where this insertion begins in `code`
      if (offset < start) break;
      if (offset < start + text.length) return at; // inside inserted text: where it was inserted
      shift += text.length;
    }
    return offset - shift;
  };
  return { code, toOriginal };
}

function findInsertions(src: string): Insertion[] {
  const ts = typescript();
  const file = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const insertions: Insertion[] = [];
  const visit = (node: TS.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) {
      const start = node.name.getStart(file);
      insertions.push({ at: start, text: `${src.slice(start, node.name.end)}: ` });
    } else if (
      ts.isBindingElement(node) &&
      node.propertyName !== undefined &&
      ts.isIdentifier(node.propertyName)
    ) {
      insertions.push({ at: node.propertyName.getStart(file), text: '"' });
      insertions.push({ at: node.propertyName.end, text: '"' });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return insertions;
}
