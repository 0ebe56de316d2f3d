// `receptive assignment release|grade`: the command line of the grading toolkit (README.md here).

import { availableParallelism } from "node:os";
import { DEFAULT_BUDGET_S, DEFAULT_TIMEOUT_S, defaultJobs, grade } from "./grade";
import { release } from "./release";

const USAGE = `usage: receptive assignment release SRC OUT
       receptive assignment grade SUBMISSIONS --source SRC [--out DIR] [--timeout S] [--budget S] [--jobs N]

release   writes the student version of SRC (a notebook, or a folder of notebooks and data) into the
          folder OUT: cells tagged hidden-tests removed, cells tagged solution replaced by a stub
          (only the lines between // BEGIN SOLUTION and // END SOLUTION when there are some), outputs
          cleared.
grade     runs every submission in SUBMISSIONS (one folder or one .ipynb per student) with the
          checks of SRC (its tests and hidden-tests cells), each in its own copy and process, and
          writes DIR/<student>/report.json, report.html and the executed notebook, and DIR/grades.csv.
  --out DIR      where the grades go (default: a folder "graded" beside SUBMISSIONS)
  --timeout S    stop a cell after S seconds (default ${DEFAULT_TIMEOUT_S})
  --budget S     stop a notebook after S seconds in all (default ${DEFAULT_BUDGET_S})
  --jobs N       grade N submissions at a time (default ${defaultJobs()}, half the cores)
`;

function fail(message: string): number {
  process.stderr.write(`receptive assignment: ${message}\n\n${USAGE}`);
  return 2;
}

async function gradeCommand(args: string[]): Promise<number> {
  let submissions: string | undefined;
  let source: string | undefined;
  let out: string | undefined;
  let timeoutSeconds = DEFAULT_TIMEOUT_S;
  let budgetSeconds = DEFAULT_BUDGET_S;
  let jobs = defaultJobs();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = args[i + 1];
    const needsValue = ["--source", "--out", "--timeout", "--budget", "--jobs"].includes(a);
    if (needsValue && value === undefined) return fail(`${a} needs a value`);
    const positive = (what: string) => {
      const n = Number(value);
      if (!(n > 0)) throw new Error(`${a} must be a positive number${what}, got '${value}'`);
      return n;
    };
    try {
      if (a === "--source") source = value;
      else if (a === "--out") out = value;
      else if (a === "--timeout") timeoutSeconds = positive(" of seconds");
      else if (a === "--budget") budgetSeconds = positive(" of seconds");
      else if (a === "--jobs") {
        jobs = positive("");
        if (!Number.isInteger(jobs) || jobs > 4 * availableParallelism())
          throw new Error(
            `--jobs must be a whole number up to ${4 * availableParallelism()}, got '${value}'`,
          );
      } else if (a.startsWith("-")) return fail(`unknown option '${a}'`);
      else if (submissions === undefined) submissions = a;
      else return fail(`one submissions folder at a time (got '${submissions}' and '${a}')`);
    } catch (err) {
      return fail((err as Error).message);
    }
    if (needsValue) i++;
  }
  if (submissions === undefined) return fail("missing the submissions folder");
  if (source === undefined)
    return fail("missing --source, the assignment's source notebook (with solutions and hidden tests)");
  const started = Date.now();
  const reports = await grade({
    submissions,
    source,
    out,
    timeoutSeconds,
    budgetSeconds,
    jobs,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const mean = reports.reduce((a, r) => a + r.score, 0) / reports.length;
  process.stdout.write(
    `graded ${reports.length} submission(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; mean ${mean.toFixed(2)} / ${reports[0].maxScore}\n`,
  );
  return 0;
}

export async function runAssignmentCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "help") {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  try {
    if (sub === "release") {
      if (rest.length !== 2 || rest.some((a) => a.startsWith("-")))
        return fail(`release takes SRC and OUT, got ${rest.length === 0 ? "nothing" : rest.join(" ")}`);
      for (const line of release(rest[0], rest[1])) process.stdout.write(`${line}\n`);
      return 0;
    }
    if (sub === "grade") return await gradeCommand(rest);
  } catch (err) {
    process.stderr.write(`receptive assignment ${sub}: ${(err as Error).message}\n`);
    return 1;
  }
  return fail(`unknown subcommand '${sub}'`);
}
