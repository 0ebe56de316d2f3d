// `receptive kernel install [--user | --prefix P]`, `receptive kernel start --connection-file F`
// (Jupyter) and `receptive kernel stdio` (the JSON-lines protocol of the VS Code extension).

import { readConnectionFile } from "./jupyter/connection";
import { installKernelspec } from "./jupyter/kernelspec";
import { hasKernelFlags } from "./node-flags";
import { rerunAsChild, watchParent } from "./run-child";

const USAGE = `usage:
  receptive kernel install [--user | --prefix PREFIX]   write the Jupyter kernelspec "receptive"
  receptive kernel start --connection-file FILE         run the kernel (Jupyter starts this)
  receptive kernel stdio                                run the kernel on stdin/stdout (JSON lines)
`;

export async function runKernelCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "install") {
    let prefix: string | undefined;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "--user") prefix = undefined;
      else if (rest[i] === "--prefix" && rest[i + 1] !== undefined) prefix = rest[++i];
      else if (rest[i].startsWith("--prefix=")) prefix = rest[i].slice("--prefix=".length);
      else {
        process.stderr.write(`receptive kernel install: unknown option '${rest[i]}'\n\n${USAGE}`);
        return 2;
      }
    }
    const dir = installKernelspec({ prefix });
    process.stdout.write(`Installed the Receptive (TypeScript) kernelspec in ${dir}\n`);
    return 0;
  }
  if (sub === "start") {
    const i = rest.findIndex((a) => a === "--connection-file" || a === "-f");
    const file = i >= 0 ? rest[i + 1] : rest.find((a) => a.endsWith(".json"));
    if (file === undefined) {
      process.stderr.write(`receptive kernel start: missing --connection-file FILE\n\n${USAGE}`);
      return 2;
    }
    // Loaded here, not at the top: zeromq's native addon is only needed by the Jupyter transport.
    const { JupyterKernel } = await import("./jupyter/kernel.js");
    const kernel = new JupyterKernel(readConnectionFile(file));
    await kernel.start();
    return new Promise<number>(() => {}); // runs until a shutdown_request ends the process
  }
  if (sub === "stdio") {
    if (!hasKernelFlags()) return rerunAsChild();
    watchParent();
    return (await import("./stdio/stdio-kernel.js")).runStdioKernel();
  }
  process.stderr.write(
    sub === undefined || sub === "--help" ? USAGE : `receptive kernel: unknown command '${sub}'\n\n${USAGE}`,
  );
  return sub === undefined || sub === "--help" ? 0 : 2;
}
