// `npm run bench`'s command line: --quick, --rounds N and case-name substrings. The warm-up,
// latency and ONNX sections get the substrings alone (plus --quick): given `--rounds 2` they took
// the 2 for a case filter, and a full run dropped LeNet-5's warm-up rows and the Kernel latency and
// ONNX Runtime sections of RESULTS.md.

export interface BenchArgs {
  /** Skip the slow cases. */
  quick: boolean;
  /** Fresh processes per side and thread count, each cell keeping its best. */
  rounds: number;
  /** Case-name substrings; none means every case. */
  filters: string[];
  /** What runWarmupBench, runLatencyBench and runOnnxBench are given. */
  sectionArgs: string[];
}

/** Parses bench.ts's arguments (process.argv.slice(2)); throws on a malformed --rounds. */
export function parseBenchArgs(args: readonly string[]): BenchArgs {
  const quick = args.includes("--quick");
  const at = args.indexOf("--rounds");
  const rounds = at < 0 ? 1 : Number(args[at + 1]);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`bench: --rounds takes a whole number of rounds, 1 or more (got '${args[at + 1]}')`);
  const filters = args.filter((a, i) => a !== "--quick" && a !== "--rounds" && !(at >= 0 && i === at + 1));
  return { quick, rounds, filters, sectionArgs: quick ? [...filters, "--quick"] : filters };
}
