// Signature help ("parameter hints") from the kernel's inspect answer, free of VS Code: the call the
// cursor is inside, which argument it is on, and the signature's parameters as label offsets.
// The kernel is asked about the callee's name (its quick info is the signature), so this works
// whatever the kernel answers for a cursor inside the arguments.

export interface OpenCall {
  /** Offset of the last character of the called name (`conv2d` in `F.conv2d(x, `). */
  callee: number;
  /** 0-based index of the argument the cursor is in. */
  argument: number;
}

const CLOSE: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/**
 * The innermost call whose argument list holds `offset`, or null (not in a call, or in a
 * parenthesised expression with no name before it). Strings are skipped roughly (no escapes of
 * the quote across lines).
 */
export function openCall(code: string, offset: number): OpenCall | null {
  const stack: string[] = [];
  let commas = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const ch = code[i];
    if (ch === '"' || ch === "'" || ch === "`") {
      const start = code.lastIndexOf(ch, i - 1);
      if (start < 0) return null; // inside an unclosed string
      i = start;
      continue;
    }
    if (CLOSE[ch]) stack.push(CLOSE[ch]);
    else if (ch === "(" || ch === "[" || ch === "{") {
      if (stack.length > 0) {
        if (stack.pop() !== ch) return null;
        continue;
      }
      if (ch !== "(") {
        commas = 0; // an array or object literal: the call is further out
        stack.length = 0;
        continue;
      }
      let end = i - 1;
      while (end >= 0 && /\s/.test(code[end])) end--;
      if (end < 0 || !/[\w$]/.test(code[end])) return null;
      const word = /[\w$]+$/.exec(code.slice(0, end + 1))?.[0] ?? "";
      if (/^(if|for|while|switch|catch|function|return|typeof)$/.test(word)) return null;
      return { callee: end, argument: commas };
    } else if (ch === "," && stack.length === 0) commas++;
    else if (ch === ";" && stack.length === 0) return null;
  }
  return null;
}

export interface SignatureParts {
  /** The signature as shown, e.g. "conv2d(input: Tensor, weight: Tensor, ...): Tensor". */
  label: string;
  documentation: string;
  /** [start, end) of each parameter in `label`. */
  parameters: [number, number][];
}

/** Splits the kernel's inspect text ("signature\n\ndocumentation") into a signature with parameters. */
export function signatureParts(text: string): SignatureParts | null {
  const [first, ...rest] = text.split("\n\n");
  // "(method) Tensor.reshape(...)", "(alias) randn(...)\nimport randn", "function conv2d(...)"
  const label = first
    .split("\n")[0]
    .replace(/^\((?:method|function|alias|property|constructor|local function)\)\s*/, "")
    .replace(/^function\s+/, "")
    .trim();
  const open = label.indexOf("(");
  if (open < 0) return null;
  const parameters: [number, number][] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < label.length; i++) {
    const ch = label[i];
    if ("([{<".includes(ch)) depth++;
    else if (")]}>".includes(ch)) {
      if (ch === ">" && label[i - 1] === "=") continue; // an arrow type "=>"
      if (depth === 0) {
        if (label.slice(start, i).trim()) parameters.push(trimmed(label, start, i));
        break;
      }
      depth--;
    } else if (ch === "," && depth === 0) {
      parameters.push(trimmed(label, start, i));
      start = i + 1;
    }
  }
  return { label, documentation: rest.join("\n\n").trim(), parameters };
}

function trimmed(s: string, start: number, end: number): [number, number] {
  while (start < end && s[start] === " ") start++;
  while (end > start && s[end - 1] === " ") end--;
  return [start, end];
}

/** The hover text worth showing: nothing for a bare "any" (the kernel knows nothing there). */
export function hoverText(text: string): string {
  const t = text.trim();
  return t === "any" ? "" : t;
}
