#!/usr/bin/env node
// `receptive <command>`: the command-line entry point. Each command lives in its own module and is
// loaded only when used, so `receptive demo` starts fast.

const commands: Record<string, { summary: string; run: (args: string[]) => Promise<number> }> = {
  demo: {
    summary: "run a short engine demo: the lecture's edge detector and a few training steps",
    run: async () => (await import("./demo.js")).runDemo(),
  },
  run: {
    summary:
      "execute a notebook headless: run NOTEBOOK.ipynb [--out F] [--html F] [--report F] [--timeout S] [--budget S] [--allow-errors]",
    run: async (args) => (await import("./server/run-notebook.js")).runNotebookCommand(args),
  },
  assignment: {
    summary: "course assignments: release SRC OUT (the student version), grade SUBMISSIONS --source SRC",
    run: async (args) => (await import("./server/assignment/command.js")).runAssignmentCommand(args),
  },
  kernel: {
    summary: "install the Jupyter kernelspec (kernel install) or run the kernel (kernel start)",
    run: async (args) => (await import("./server/kernel-command.js")).runKernelCommand(args),
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) {
    const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(16)} ${c.summary}`);
    const out = `usage: receptive <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
    if (name === undefined || name === "help" || name === "--help") {
      process.stdout.write(out);
      return 0;
    }
    process.stderr.write(`receptive: unknown command '${name}'\n\n${out}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`receptive: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
