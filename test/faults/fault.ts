// The fault suite's vocabulary: a fault is one bad input or failure injected through the interface
// a user meets (the public API, the CLI, jupyter_client, nbclient, the stdio protocol, Chromium);
// its outcome says whether Receptive survived it (a clear error or the right behaviour, and it
// keeps working) and whether anything was lost (output, results, files, a correct gradient).

export type Via = "API" | "CLI" | "jupyter_client" | "nbclient" | "stdio" | "Chromium";

export interface Outcome {
  /** Met with a clear error or the right behaviour, and still working afterwards. */
  survived: boolean;
  /** What was lost (output, a result, a file, a correct gradient), or "" for nothing. */
  lost: string;
  /** What happened, in a few words (the error's first line, an exit code). */
  note: string;
}

export interface Fault {
  name: string;
  via: Via;
  run(): Promise<Outcome> | Outcome;
}

export const ok = (note: string): Outcome => ({ survived: true, lost: "", note });
export const failed = (note: string, lost = ""): Outcome => ({ survived: false, lost, note });

const firstLine = (s: string) => s.split("\n")[0].slice(0, 140);

/** Survived when `fn` throws a message matching every pattern (a clear error), else not. */
export async function expectError(fn: () => unknown, ...patterns: RegExp[]): Promise<Outcome> {
  try {
    await fn();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const missing = patterns.filter((p) => !p.test(message));
    return missing.length
      ? failed(`unclear error (${missing.join(", ")} not found): ${firstLine(message)}`)
      : ok(firstLine(message));
  }
  return failed("no error", "a wrong result, silently");
}

/** The Markdown table of outcomes with its totals line. */
export function faultTable(rows: { fault: Fault; outcome: Outcome }[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [
    "| fault | through | survived | data lost | what happened |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      ({ fault, outcome }) =>
        `| ${cell(fault.name)} | ${fault.via} | ${outcome.survived ? "yes" : "**no**"} | ` +
        `${outcome.lost ? `**${cell(outcome.lost)}**` : "none"} | ${cell(outcome.note)} |`,
    ),
  ];
  const survived = rows.filter((r) => r.outcome.survived).length;
  const lost = rows.filter((r) => r.outcome.lost).length;
  lines.push("", `Faults tried: ${rows.length}, survived: ${survived}, with data lost: ${lost}.`);
  return lines.join("\n");
}
