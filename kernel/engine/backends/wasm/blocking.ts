// The GEMM's cache blocking (assembly/gemm.ts) from the caches this machine reports: MC rows of A
// and NC columns of B per packed block, derived with BLIS's rules from the sizes Linux lists under
// /sys/devices/system/cpu/cpu0/cache, so the kernels fit an AMD EPYC (1 MiB L2) and an Intel Xeon
// (1.25-2 MiB L2) alike; today's constants (MC 128, NC 1024) elsewhere or when a file cannot be
// read. RECEPTIVE_GEMM_BLOCKING=MC,NC overrides both (tests, experiments).
// NOTE: MC and NC only group whole micro-tiles into blocks and never change a result; KC (the
// depth of a block) orders the k sums, so it is fixed and not derived here.
// Rules: Low et al., "Analytical modeling is enough for high-performance BLIS" (TOMS 2016),
// https://doi.org/10.1145/2925987: the A block (MC x KC) takes about half of L2, the B block
// (KC x NC) about half of the L3 share of one core (of L2 without an L3), and one B micro-panel
// (KC x NR) at most half of L1d.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ReceptiveError } from "../../errors";
import type { CacheInfo } from "../registry";
import { MR, NR } from "./sgemm";

/** Depth of a packed block (assembly/gemm.ts KC); fixed: it orders the k sums. */
export const KC = 256;
/** The blocking used where no cache sizes can be read (the constants before issue 19). */
export const DEFAULT_MC = 128;
export const DEFAULT_NC = 1024;
/** Bounds for derived values: below them packing dominates, above them caches are misreported. */
export const MC_RANGE = [32, 1024] as const;
export const NC_RANGE = [256, 4096] as const;
export const SYSFS_CACHE_DIR = "/sys/devices/system/cpu/cpu0/cache";
export const BLOCKING_ENV = "RECEPTIVE_GEMM_BLOCKING";

export interface GemmBlocking {
  /** Rows of a packed A block (a multiple of MR). */
  mc: number;
  /** Columns of a packed B block (a multiple of NR). */
  nc: number;
  /** Where the values come from, e.g. "from /sys/...: L2 1 MiB ...", "defaults: ...", "RECEPTIVE_GEMM_BLOCKING=...". */
  why: string;
  /** The caches read (empty when none were). */
  caches: CacheInfo[];
}

/** "32K" -> 32768; sysfs writes sizes with a K (sometimes M or G) suffix. NaN if malformed. */
export function parseCacheSize(text: string): number {
  const m = /^(\d+)\s*([KMG]?)$/i.exec(text.trim());
  if (m === null) return Number.NaN;
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()]!;
  return Number(m[1]) * unit;
}

/** "0-3,8-11" -> 8 (how many CPUs the list names). NaN if malformed. */
export function countCpuList(text: string): number {
  let n = 0;
  for (const part of text.trim().split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return Number.NaN;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) return Number.NaN;
    n += last - first + 1;
  }
  return n;
}

/**
 * The caches listed under `dir` (index0, index1, ...: level, type, size, shared_cpu_list), or an
 * Error naming the first file that is missing or malformed.
 */
export function readCaches(dir = SYSFS_CACHE_DIR): CacheInfo[] | Error {
  const caches: CacheInfo[] = [];
  try {
    const indices = readdirSync(dir).filter((name) => /^index\d+$/.test(name));
    if (indices.length === 0) return new Error(`${dir} lists no caches (no index* directories)`);
    for (const index of indices.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))) {
      const read = (file: string) => readFileSync(join(dir, index, file), "utf8").trim();
      const level = Number(read("level"));
      const type = read("type");
      const bytes = parseCacheSize(read("size"));
      const sharedBy = countCpuList(read("shared_cpu_list"));
      if (!Number.isInteger(level) || level < 1)
        return new Error(`${join(dir, index, "level")}: not a cache level`);
      if (type !== "Data" && type !== "Instruction" && type !== "Unified")
        return new Error(`${join(dir, index, "type")}: unknown cache type '${type}'`);
      if (!(bytes > 0)) return new Error(`${join(dir, index, "size")}: not a size`);
      if (!(sharedBy >= 1)) return new Error(`${join(dir, index, "shared_cpu_list")}: not a CPU list`);
      caches.push({ level, type, bytes, sharedBy });
    }
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  return caches;
}

/** "1 MiB", "32 KiB", "1.25 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 2) return `${+(bytes / 1024 ** 2).toFixed(2)} MiB`;
  return `${+(bytes / 1024).toFixed(2)} KiB`;
}

/** "L1d 32 KiB, L1i 32 KiB, L2 1 MiB, L3 32 MiB / 2 CPUs" (or "none read"). */
export function describeCaches(caches: readonly CacheInfo[]): string {
  if (caches.length === 0) return "none read";
  const kind = { Data: "d", Instruction: "i", Unified: "" } as const;
  return caches
    .map(
      (c) =>
        `L${c.level}${kind[c.type]} ${formatBytes(c.bytes)}${c.sharedBy > 1 ? ` / ${c.sharedBy} CPUs` : ""}`,
    )
    .join(", ");
}

/** x rounded down to a multiple of m, within [lo, hi] (bounds are multiples of m), and a note when clamped. */
function fit(x: number, m: number, [lo, hi]: readonly [number, number]): [number, string] {
  const v = Math.floor(x / m) * m;
  if (v > hi) return [hi, `, capped at ${hi}`];
  if (v < lo) return [lo, `, raised to ${lo}`];
  return [v, ""];
}

/**
 * MC and NC for these caches (BLIS's rules, see the top), with a sentence on how; an Error when
 * they lack an L2 (no rule applies).
 */
export function deriveBlocking(caches: CacheInfo[]): { mc: number; nc: number; why: string } | Error {
  const find = (level: number, data: boolean) =>
    caches.find((c) => c.level === level && (c.type === "Unified" || (data && c.type === "Data")));
  const l1 = find(1, true);
  const l2 = find(2, true);
  const l3 = find(3, true);
  if (l2 === undefined) return new Error("no L2 cache listed");
  const blockBytes = KC * 4; // one row of A's block or one column of B's, in floats of KC
  const [mc, mcNote] = fit(l2.bytes / l2.sharedBy / 2 / blockBytes, MR, MC_RANGE);
  const outer = l3 ?? l2;
  const perCore = outer.bytes / outer.sharedBy;
  const [nc, ncNote] = fit(perCore / 2 / blockBytes, NR, NC_RANGE);
  const panel = KC * NR * 4;
  const l1Note =
    l1 === undefined
      ? "no L1d listed"
      : `B micro-panel ${formatBytes(panel)} ${panel <= l1.bytes / 2 ? "within half of" : "exceeds half of (KC is fixed)"} L1d ${formatBytes(l1.bytes)}`;
  const why =
    `MC ${mc} (A block ${formatBytes(mc * blockBytes)} in half of L2 ${formatBytes(l2.bytes)}` +
    `${l2.sharedBy > 1 ? ` / ${l2.sharedBy} CPUs` : ""}${mcNote}), ` +
    `NC ${nc} (B block ${formatBytes(nc * blockBytes)} in half of ${l3 === undefined ? "L2 (no L3 listed)" : "L3"} ` +
    `${formatBytes(outer.bytes)}${outer.sharedBy > 1 ? ` / ${outer.sharedBy} CPUs` : ""}${ncNote}), ${l1Note}`;
  return { mc, nc, why };
}

/** The values of RECEPTIVE_GEMM_BLOCKING, or throws a ReceptiveError saying what is expected. */
export function parseBlockingOverride(text: string): { mc: number; nc: number } {
  const fail = (problem: string): never => {
    throw new ReceptiveError(
      BLOCKING_ENV,
      `expected MC,NC (rows of a packed A block, a multiple of ${MR}; columns of a packed B block, a multiple of ${NR}; ` +
        `e.g. ${BLOCKING_ENV}=${DEFAULT_MC},${DEFAULT_NC}), got '${text}': ${problem}. Unset it to use the blocking derived from the caches.`,
    );
  };
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length !== 2 || !parts.every((p) => /^\d+$/.test(p))) fail("not two whole numbers");
  const [mc, nc] = parts.map(Number);
  if (mc < MR || mc % MR !== 0) fail(`MC ${mc} is not a positive multiple of ${MR}`);
  if (nc < NR || nc % NR !== 0) fail(`NC ${nc} is not a positive multiple of ${NR}`);
  if (mc > 1 << 16 || nc > 1 << 16) fail("values above 65536 would need gigabytes of scratch");
  return { mc, nc };
}

/**
 * The blocking for this process: RECEPTIVE_GEMM_BLOCKING when set (throws if malformed), else
 * derived from the caches under `dir`, else the defaults, with why.
 */
export function chooseBlocking(env = process.env[BLOCKING_ENV], dir = SYSFS_CACHE_DIR): GemmBlocking {
  const read = readCaches(dir);
  const caches = read instanceof Error ? [] : read;
  if (env !== undefined && env !== "") {
    const { mc, nc } = parseBlockingOverride(env);
    return { mc, nc, why: `${BLOCKING_ENV}=${env}`, caches };
  }
  const defaults = `defaults: MC ${DEFAULT_MC}, NC ${DEFAULT_NC}`;
  if (read instanceof Error)
    return { mc: DEFAULT_MC, nc: DEFAULT_NC, why: `${defaults} (${read.message})`, caches };
  const derived = deriveBlocking(caches);
  if (derived instanceof Error)
    return { mc: DEFAULT_MC, nc: DEFAULT_NC, why: `${defaults} (${dir}: ${derived.message})`, caches };
  return { mc: derived.mc, nc: derived.nc, why: `from ${dir}: ${derived.why}`, caches };
}
