// The grading toolkit through the CLI: `receptive assignment release` makes the student version
// (hidden tests out, solutions stubbed, outputs cleared), releases the course's twelve notebooks
// with their lessons and checks intact, and refuses sources it cannot release safely; `receptive
// assignment grade` grades 31 submissions of one notebook, among them a loop that never ends, a
// crash, process.exit, a submission that deletes files and one that kills its parent: it finishes,
// grades each as designed, and leaves the submissions and the source as they were.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, test } from "node:test";
import type { StudentReport } from "../../kernel/server/assignment/gradebook";

const repo = join(__dirname, "..", "..", "..");
const cli = join(repo, "dist", "kernel", "cli.js");

function receptive(args: string[], timeoutMs = 60_000) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: timeoutMs });
  assert.equal(
    r.signal,
    null,
    `receptive ${args.join(" ")} did not finish within ${timeoutMs / 1000} s:\n${r.stdout}\n${r.stderr}`,
  );
  return r;
}

type Cell = {
  cell_type: string;
  id?: string;
  metadata: { tags?: string[] };
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
};
type Nb = { nbformat: number; nbformat_minor: number; metadata: object; cells: Cell[] };

const code = (id: string, source: string, tags: string[] = []): Cell => ({
  cell_type: "code",
  id,
  metadata: tags.length > 0 ? { tags } : {},
  execution_count: 3,
  outputs: [{ output_type: "stream", name: "stdout", text: "an old output\n" }],
  source,
});
const md = (id: string, source: string, tags: string[] = []): Cell => ({
  cell_type: "markdown",
  id,
  metadata: tags.length > 0 ? { tags } : {},
  source,
});
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);
const notebookOf = (cells: Cell[]): Nb => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
const readNb = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Nb;

/** The assignment: two exercises, 5 points (1 visible + 2 hidden, then 2 visible). */
const SOURCE = notebookOf([
  md("intro", "# Homework"),
  code("setup", 'import assert from "node:assert/strict";\nimport { F, tensor } from "receptive";'),
  code(
    "ex1-solution",
    "function double(x: number): number {\n  // BEGIN SOLUTION\n  return 2 * x;\n  // END SOLUTION\n}\ndouble(21)",
    ["solution"],
  ),
  code("ex1-check", 'assert.equal(double(2), 4, "double(2)");\nconsole.log("✓ double(2) = 4");', ["tests"]),
  code("ex1-hidden", 'assert.equal(double(-3), -6, "double(-3)");\nconsole.log("✓ hidden");', [
    "hidden-tests",
    "points=2",
  ]),
  md("ex2", "## Exercise 2: the vertical-edge kernel"),
  code(
    "ex2-solution",
    "const img = tensor([10, 10, 10, 0, 0, 0]).expand([6, 6]).reshape([1, 1, 6, 6]);\nlet kernel: number[][];\n// BEGIN SOLUTION\nkernel = [[1, 0, -1], [1, 0, -1], [1, 0, -1]];\n// END SOLUTION\nkernel",
    ["solution"],
  ),
  code(
    "ex2-check",
    'const edges = F.conv2d(img, tensor(kernel).reshape([1, 1, 3, 3])).reshape([4, 4]);\nassert.deepEqual(JSON.parse(JSON.stringify(edges.toArray())), Array(4).fill([0, 30, 30, 0]));\nconsole.log("✓ 0 30 30 0");',
    ["tests", "points=2"],
  ),
  md("why", "Why does the kernel find vertical edges?", ["solution"]),
  code("whole", "const answer = 42;", ["solution"]),
]);

const STUB = '// YOUR CODE HERE\nthrow new Error("not done yet: write your solution here");';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "receptive-assignment-"));
  made.push(dir);
  return dir;
};

function workspace(): string {
  const dir = tempDir();
  mkdirSync(join(dir, "source"));
  writeFileSync(join(dir, "source", "hw.ipynb"), JSON.stringify(SOURCE, null, 1));
  return dir;
}

describe("receptive assignment release", () => {
  test("makes the student version: hidden tests out, solutions stubbed, outputs cleared, ids kept", () => {
    const dir = workspace();
    const r = receptive(["assignment", "release", join(dir, "source", "hw.ipynb"), join(dir, "release")]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /hw\.ipynb: 4 solution\(s\) stubbed, 1 hidden check\(s\) removed, 2 visible check\(s\)/,
    );
    const nb = readNb(join(dir, "release", "hw.ipynb"));
    const byId = new Map(nb.cells.map((c) => [c.id, c]));
    assert.deepEqual(
      nb.cells.map((c) => c.id),
      ["intro", "setup", "ex1-solution", "ex1-check", "ex2", "ex2-solution", "ex2-check", "why", "whole"],
    );
    assert.equal(
      text(byId.get("ex1-solution")!),
      `function double(x: number): number {\n  ${STUB.replace("\n", "\n  ")}\n}\ndouble(21)`,
      "only the marked lines, indented like the marker",
    );
    assert.ok(!text(byId.get("ex2-solution")!).includes("[[1, 0, -1]"), "the answer is gone");
    assert.equal(text(byId.get("whole")!), STUB, "an unmarked solution cell is replaced whole");
    assert.equal(text(byId.get("why")!), "YOUR ANSWER HERE");
    assert.equal(text(byId.get("ex1-check")!), text(SOURCE.cells[3]), "visible checks are kept");
    for (const c of nb.cells.filter((c) => c.cell_type === "code")) {
      assert.deepEqual(c.outputs, []);
      assert.equal(c.execution_count, null);
    }
    const validate = spawnSync(
      "/usr/bin/python3",
      [
        "-c",
        "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], 4))",
        join(dir, "release", "hw.ipynb"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(validate.status, 0, validate.stderr);
    // The student version runs: the exercises fail as not done, the rest works.
    const report = join(dir, "report.json");
    receptive(["run", join(dir, "release", "hw.ipynb"), "--allow-errors", "--report", report]);
    const cells = JSON.parse(readFileSync(report, "utf8")).cells as {
      id: string;
      status: string;
      error?: { evalue: string };
    }[];
    assert.equal(cells.find((c) => c.id === "setup")?.status, "ok");
    assert.match(
      cells.find((c) => c.id === "ex1-check")!.error!.evalue,
      /not done yet: write your solution here/,
    );
  });

  test("releases a folder: every notebook, and the data files beside them", () => {
    const dir = workspace();
    writeFileSync(join(dir, "source", "data.csv"), "1,2,3\n");
    mkdirSync(join(dir, "source", ".ipynb_checkpoints"));
    writeFileSync(join(dir, "source", ".ipynb_checkpoints", "hw-checkpoint.ipynb"), "{}");
    const r = receptive(["assignment", "release", join(dir, "source"), join(dir, "release")]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, "release")).sort(), ["data.csv", "hw.ipynb"]);
  });

  test("releases the course: every notebook keeps its lesson and check cells, loses its answers and hidden checks", () => {
    const dir = tempDir();
    const course = join(repo, "notebooks");
    const r = receptive(["assignment", "release", course, join(dir, "release")]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, "release", "images", "error-message.png")), "the pictures cells open");
    const names = readdirSync(course).filter((f) => f.endsWith(".ipynb"));
    assert.equal(names.length, 12);
    for (const name of names) {
      const source = readNb(join(course, name));
      const released = new Map(readNb(join(dir, "release", name)).cells.map((c) => [c.id, c]));
      for (const c of source.cells) {
        const tags = c.metadata.tags ?? [];
        const out = released.get(c.id);
        if (tags.includes("hidden-tests"))
          assert.equal(out, undefined, `${name}: hidden check ${c.id} released`);
        else if (tags.includes("solution"))
          assert.ok(out && text(out).includes("YOUR CODE HERE"), `${name}: solution ${c.id} not stubbed`);
        else assert.equal(out && text(out), text(c), `${name}: cell ${c.id} changed by the release`);
      }
    }
    // Notebook 8's section on PaddleOCR's classifier is lesson, not exercise: released whole.
    const nb8 = readNb(join(dir, "release", "08-transfer-learning.ipynb"));
    assert.ok(
      nb8.cells.some((c) => c.id === "check-mirror" && text(c).includes("requiresGrad_(false) and eval()")),
    );
  });

  test("refuses sources it cannot release safely, naming the cell and the fix", () => {
    const cases: [string, Cell[], RegExp][] = [
      [
        "no id",
        [{ ...code("x", "1", ["tests"]), id: undefined }],
        /cell 1 is tagged tests but has no id; the grader matches cells by id/,
      ],
      [
        "unclosed marker",
        [code("s", "// BEGIN SOLUTION\nconst a = 1;", ["solution"]), code("t", "1", ["tests"])],
        /line 1: \/\/ BEGIN SOLUTION is never closed/,
      ],
      [
        "untagged marker",
        [code("s", "// BEGIN SOLUTION\n1\n// END SOLUTION"), code("t", "1", ["tests"])],
        /has a solution marker but the cell is not tagged solution, so the solution would be handed out/,
      ],
      [
        "no checks",
        [code("s", "1", ["solution"])],
        /has no cell tagged tests or hidden-tests, so there is nothing to grade/,
      ],
      ["both", [code("s", "1", ["solution", "tests"])], /is tagged both solution and tests/],
      ["points", [code("t", "1", ["tests", "points=many"])], /has the tag points=many; write points=N/],
    ];
    for (const [what, cells, message] of cases) {
      const dir = tempDir();
      writeFileSync(join(dir, "bad.ipynb"), JSON.stringify(notebookOf(cells)));
      const r = receptive(["assignment", "release", join(dir, "bad.ipynb"), join(dir, "out")]);
      assert.equal(r.status, 1, what);
      assert.match(r.stderr, message, what);
      assert.ok(!existsSync(join(dir, "out")), `${what}: nothing written`);
    }
    const dir = workspace();
    const inside = receptive(["assignment", "release", join(dir, "source"), join(dir, "source", "student")]);
    assert.equal(inside.status, 1);
    assert.match(inside.stderr, /overlaps the source folder .*release into a separate folder/);
  });
});

/** Every file under `dir` with its SHA-256, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

describe("receptive assignment grade", () => {
  test("grades 31 submissions, misbehaving ones included, each as designed, and changes none of them", () => {
    const dir = workspace();
    const released = join(dir, "release");
    assert.equal(receptive(["assignment", "release", join(dir, "source", "hw.ipynb"), released]).status, 0);
    const student = readNb(join(released, "hw.ipynb"));
    const subs = join(dir, "submissions");
    mkdirSync(subs);
    const ex1Stub = `  ${STUB.replace("\n", "\n  ")}`;
    /** A submission: the student version with the stubs answered and cells added after `after`. */
    const submit = (
      name: string,
      {
        ex1,
        ex2,
        add = [],
        edit,
      }: { ex1?: string; ex2?: string; add?: [string, Cell][]; edit?: (nb: Nb) => void },
    ) => {
      const nb: Nb = JSON.parse(JSON.stringify(student));
      for (const c of nb.cells) {
        if (c.id === "ex1-solution" && ex1 !== undefined) c.source = text(c).replace(ex1Stub, ex1);
        if (c.id === "ex2-solution" && ex2 !== undefined) c.source = text(c).replace(STUB, ex2);
        if (c.id === "whole") c.source = "const answer = 42;";
      }
      for (const [after, cell] of add)
        nb.cells.splice(nb.cells.findIndex((c) => c.id === after) + 1, 0, cell);
      edit?.(nb);
      mkdirSync(join(subs, name));
      writeFileSync(join(subs, name, "hw.ipynb"), JSON.stringify(nb));
    };
    const good1 = "  return 2 * x;";
    const good2 = "kernel = [[1, 0, -1], [1, 0, -1], [1, 0, -1]];";
    const expected: Record<string, { score: number; statuses: string[]; ended?: string; problem?: RegExp }> =
      {};
    const full = { score: 5, statuses: ["passed", "passed", "passed"] };
    for (let i = 1; i <= 16; i++) {
      const name = `student${String(i).padStart(2, "0")}`;
      submit(name, { ex1: i % 2 === 0 ? good1 : "  return x + x;", ex2: good2 });
      expected[name] = full;
    }
    // Right on the visible check, wrong on the hidden one.
    submit("wrong-hidden", { ex1: "  return x + 2;", ex2: good2 });
    expected["wrong-hidden"] = { score: 3, statuses: ["passed", "failed", "passed"] };
    submit("wrong-kernel", { ex1: good1, ex2: "kernel = [[1, 1, 1], [0, 0, 0], [-1, -1, -1]];" });
    expected["wrong-kernel"] = { score: 3, statuses: ["passed", "passed", "failed"] };
    submit("not-done", {});
    expected["not-done"] = { score: 0, statuses: ["failed", "failed", "failed"] };
    // A weakened visible check: the source's runs instead.
    submit("weakened-check", {
      ex1: "  return 0;",
      ex2: good2,
      edit: (nb) => {
        nb.cells.find((c) => c.id === "ex1-check")!.source = "console.log('✓ trust me')";
      },
    });
    expected["weakened-check"] = { score: 2, statuses: ["failed", "failed", "passed"] };
    // The answer written in a new cell below the exercise's (whose stub still throws): the visible
    // check runs where the student has it, after that cell.
    submit("added-cell", {
      ex2: good2,
      add: [["ex1-solution", code("mine", "function double(x: number): number {\n  return x * 2;\n}")]],
    });
    expected["added-cell"] = full;
    submit("infinite-loop", { ex1: "  while (true) {}", ex2: good2 });
    expected["infinite-loop"] = { score: 2, statuses: ["timed out", "timed out", "passed"] };
    submit("throws", {
      ex1: good1,
      ex2: good2,
      add: [
        [
          "setup",
          code("mine", 'setTimeout(() => { throw new Error("late"); }, 0);\nthrow new Error("early");'),
        ],
      ],
    });
    expected.throws = full;
    submit("crash", { ex1: good1, ex2: "(process as any)._kill(process.pid, 11); // a segmentation fault" });
    expected.crash = { score: 3, statuses: ["passed", "passed", "not run"], ended: "crashed" };
    submit("exit-in-function", { ex1: "  process.exit(0);", ex2: good2 });
    expected["exit-in-function"] = { score: 2, statuses: ["failed", "failed", "passed"] };
    submit("exit-at-top", { ex1: good1, ex2: good2, add: [["setup", code("mine", "process.exit(1);")]] });
    expected["exit-at-top"] = full;
    const deleter = [
      'import * as fs from "node:fs";',
      'import * as path from "node:path";',
      'for (const f of fs.readdirSync(".")) fs.rmSync(f, { recursive: true, force: true });',
      `for (const target of [${JSON.stringify(join(subs, "student01"))}, ${JSON.stringify(join(dir, "source"))}, path.join(process.cwd(), "..", "0")]) {`,
      "  try { fs.rmSync(target, { recursive: true }); console.log('deleted', target); } catch (e) { console.log('refused', (e as any).code); }",
      "}",
    ].join("\n");
    submit("deletes-files", { ex1: good1, ex2: good2, add: [["setup", code("mine", deleter)]] });
    writeFileSync(join(subs, "deletes-files", "data.txt"), "its own data");
    expected["deletes-files"] = full;
    submit("kills-parent", {
      ex1: good1,
      ex2: good2,
      add: [["ex2-check", code("mine", 'process.kill(process.ppid, "SIGKILL");\nwhile (true) {}')]],
    });
    expected["kills-parent"] = { ...full, ended: "crashed" };
    mkdirSync(join(subs, "no-notebook"));
    writeFileSync(join(subs, "no-notebook", "notes.txt"), "forgot");
    expected["no-notebook"] = {
      score: 0,
      statuses: ["not run", "not run", "not run"],
      ended: "not run",
      problem: /no notebook in/,
    };
    mkdirSync(join(subs, "broken-json"));
    writeFileSync(join(subs, "broken-json", "hw.ipynb"), '{"cells": [');
    expected["broken-json"] = {
      score: 0,
      statuses: ["not run", "not run", "not run"],
      ended: "not run",
      problem: /cannot read the submitted notebook hw\.ipynb/,
    };
    // Saved by a tool that drops cell ids: the checks run after all its cells.
    submit("no-ids", {
      ex1: good1,
      ex2: good2,
      edit: (nb) => {
        for (const c of nb.cells) delete c.id;
      },
    });
    expected["no-ids"] = { ...full, problem: /have none of the assignment's cell ids/ };
    assert.equal(Object.keys(expected).length, 31);

    const before = snapshot(subs);
    const sourceBefore = snapshot(join(dir, "source"));
    const stagesBefore = readdirSync(tmpdir()).filter((f) => f.startsWith("receptive-grade-"));
    const out = join(dir, "graded");
    const r = receptive(
      [
        "assignment",
        "grade",
        subs,
        "--source",
        join(dir, "source", "hw.ipynb"),
        "--out",
        out,
        "--timeout",
        "3",
        "--budget",
        "60",
        "--jobs",
        "2",
      ],
      900_000,
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /graded 31 submission\(s\) in/);

    const csv = readFileSync(join(out, "grades.csv"), "utf8").trim().split("\n");
    assert.equal(csv[0], "student,score,max_score,run,ex1-check,ex1-hidden,ex2-check");
    const summary = (rep: StudentReport) => ({
      score: rep.score,
      statuses: rep.checks.map((c) => c.status),
      ...(rep.run.ended === "completed" ? {} : { ended: rep.run.ended }),
    });
    const byName = (name: string) =>
      JSON.parse(readFileSync(join(out, name, "report.json"), "utf8")) as StudentReport;
    assert.deepEqual(
      Object.fromEntries(Object.keys(expected).map((name) => [name, summary(byName(name))])),
      Object.fromEntries(
        Object.entries(expected).map(([name, { score, statuses, ended }]) => [
          name,
          { score, statuses, ...(ended ? { ended } : {}) },
        ]),
      ),
    );
    for (const [name, want] of Object.entries(expected)) {
      const rep = byName(name);
      assert.equal(rep.maxScore, 5);
      if (want.problem) assert.match(rep.problems.join("\n"), want.problem, name);
      assert.equal(rep.run.sandboxed, true);
      assert.match(
        readFileSync(join(out, name, "report.html"), "utf8"),
        new RegExp(`Grade: ${want.score} / 5`),
      );
      const row = csv.find((line) => line.startsWith(`${name},`));
      assert.ok(row?.startsWith(`${name},${want.score},5,`), `${name}'s gradebook row: ${row}`);
    }
    assert.match(byName("wrong-hidden").checks[1].message!, /double\(-3\)/);
    assert.match(byName("infinite-loop").checks[0].message!, /longer than --timeout 3 s/);
    assert.match(byName("crash").checks[2].message!, /died in cell .*SIGSEGV/);
    assert.match(byName("exit-in-function").checks[0].message!, /process\.exit\(0\) was called/);
    assert.deepEqual(
      byName("throws").errors.map((e) => [e.id, e.evalue]),
      [["mine", "early"]],
    );
    // The deleter emptied only its own copy: the sandbox refused the rest.
    const executed = readNb(join(out, "deletes-files", "hw.ipynb"));
    const said = JSON.stringify(executed.cells.find((c) => c.id === "mine")?.outputs);
    assert.equal((said.match(/refused/g) ?? []).length, 3, said);
    // Nothing outside the runs changed, and the copies are gone.
    assert.deepEqual(snapshot(subs), before);
    assert.deepEqual(snapshot(join(dir, "source")), sourceBefore);
    assert.deepEqual(
      readdirSync(tmpdir()).filter((f) => f.startsWith("receptive-grade-")),
      stagesBefore,
    );
  });

  test("explains bad arguments", () => {
    const dir = workspace();
    const missing = receptive(["assignment", "grade", join(dir, "nowhere")]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /missing --source/);
    const inside = receptive([
      "assignment",
      "grade",
      dir,
      "--source",
      join(dir, "source", "hw.ipynb"),
      "--out",
      join(dir, "graded"),
    ]);
    assert.equal(inside.status, 1);
    assert.match(inside.stderr, /is inside the submissions folder, where it would be taken for a student/);
  });
});
