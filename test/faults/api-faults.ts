// Faults through the public API: bad arguments get errors that name the op, what it expected and
// what it got; corrupt files are refused by name; a checkpoint save killed half way loses nothing.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { data, F, load, models, nn, randn, save, setNumThreads, tensor } from "../../kernel/engine/index";
import { expectError, type Fault, failed, ok } from "./fault";

const DEBIAN = "/usr/share/datasets/fashion-mnist";
const engine = join(__dirname, "..", "..", "kernel", "engine", "index.js");
const tmp = () => mkdtempSync(join(tmpdir(), "receptive-faults-"));

/** Saves a ~12 MB checkpoint, then SIGKILLs a child saving another over it, many times. */
async function killedCheckpointSaves(): Promise<ReturnType<typeof ok>> {
  const dir = tmp();
  const path = join(dir, "model.safetensors");
  const net = models.resnet18({ numClasses: 10, cifar: true, width: 16 });
  save(net, path, { metadata: { epoch: "1" } });
  const child = `const r = require(${JSON.stringify(engine)});
    const net = r.models.resnet18({ numClasses: 10, cifar: true, width: 16 });
    process.send("ready");
    for (let i = 0; ; i++) r.save(net, ${JSON.stringify(path)}, { metadata: { epoch: String(i) } });`;
  let kills = 0;
  for (let i = 0; i < 8; i++) {
    const p = spawn(process.execPath, ["-e", child], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    await new Promise((resolve) => p.once("message", resolve));
    await new Promise((resolve) => setTimeout(resolve, 40 + 37 * i));
    p.kill("SIGKILL");
    await new Promise((resolve) => p.once("exit", resolve));
    kills++;
    try {
      const ck = load(path, { model: models.resnet18({ numClasses: 10, cifar: true, width: 16 }) });
      if (!ck.metadata.epoch)
        return failed(`after kill ${kills} the checkpoint has no epoch`, "the checkpoint");
    } catch (e) {
      return failed(`after kill ${kills}: ${(e as Error).message.split("\n")[0]}`, "the checkpoint");
    }
  }
  save(net, path); // the next save clears what killed writers left
  const leftovers = readdirSync(dir).filter((f) => f !== "model.safetensors");
  if (leftovers.length) return failed(`temporary files of killed writers left: ${leftovers.join(", ")}`);
  return ok(`${kills} saves killed mid-write: the file always loaded; the next save left no temporary files`);
}

/** A wrong gradient is lost data: the fault is survived only by an error. */
function gradientFault(name: string, fn: () => void, ...patterns: RegExp[]): Fault {
  return { name, via: "API", run: () => expectError(fn, /backward/, ...patterns) };
}

/** An ImageFolder root with class folders cat/ and dog/, each holding one small PNG. */
function imageFolder(): string {
  const root = tmp();
  for (const cls of ["cat", "dog"]) {
    mkdirSync(join(root, cls));
    const png = new PNG({ width: 2, height: 2 });
    writeFileSync(join(root, cls, "a.png"), PNG.sync.write(png));
  }
  return root;
}

export const apiFaults: Fault[] = [
  gradientFault(
    "exp's output changed in place before backward",
    () => {
      const x = tensor([1, 2, 3], { requiresGrad: true });
      const z = x.exp();
      const s = z.sum();
      z.mul_(0);
      s.backward();
    },
    /modified by an inplace operation/,
    /exp output/,
    /Fix/,
  ),
  gradientFault(
    "a tensor saved by y.mul(y) changed in place before backward",
    () => {
      const x = tensor([1, 2, 3], { requiresGrad: true });
      const y = x.add(0);
      const s = y.mul(y).sum();
      y.add_(100);
      s.backward();
    },
    /modified by an inplace operation/,
    /version 1; expected version 0/,
  ),
  gradientFault(
    "backward twice through one graph",
    () => {
      const x = tensor([1, 2, 3], { requiresGrad: true });
      const s = x.mul(x).sum();
      s.backward();
      s.backward();
    },
    /second time/,
    /retainGraph: true/,
  ),
  {
    name: "printing a CIFAR batch (64x3x32x32)",
    via: "API",
    run: () => {
      const text = randn([64, 3, 32, 32]).toString();
      return text.includes("...")
        ? ok(`${text.length} characters, summarised with ...`)
        : failed("no summary");
    },
  },
  {
    name: "setNumThreads(1000) on this machine",
    via: "API",
    run: () => expectError(() => setNumThreads(1000), /setNumThreads/, /cores/, /setNumThreads\(\d+\)/),
  },
  {
    name: 'tensor(..., { dtype: "complex128" })',
    via: "API",
    run: () =>
      expectError(
        () => tensor([1], { dtype: "complex128" as never }),
        /complex128/,
        /"float32", "int64", "bool"/,
      ),
  },
  {
    name: "conv2d given a nested array instead of a tensor",
    via: "API",
    run: () =>
      expectError(
        () => F.conv2d([[1, 2]] as never, randn([1, 1, 1, 1])),
        /conv2d: input must be a Tensor, got an Array/,
        /tensor\(/,
      ),
  },
  {
    name: "randn([1e6, 1e6])",
    via: "API",
    run: () => expectError(() => randn([1e6, 1e6]), /randn/, /1e12 elements/, /the most one tensor can hold/),
  },
  {
    name: "a 2x2 PNG whose header claims 20000 x 20000 pixels (decompression bomb)",
    via: "API",
    run: () => {
      const root = imageFolder();
      const bomb = readFileSync(join(root, "cat", "a.png"));
      bomb.writeUInt32BE(20000, 16);
      bomb.writeUInt32BE(20000, 20);
      writeFileSync(join(root, "cat", "a.png"), bomb);
      return expectError(() => new data.ImageFolder(root).get(0), /a\.png/, /megapixels/, /maxPixels/);
    },
  },
  {
    name: "a broken symbolic link in an ImageFolder",
    via: "API",
    run: () => {
      const root = imageFolder();
      symlinkSync(join(root, "nowhere.png"), join(root, "cat", "b.png"));
      return expectError(
        () => new data.ImageFolder(root),
        /b\.png is a broken symbolic link/,
        /nowhere\.png/,
      );
    },
  },
  {
    name: "conv2d weight with 3 input channels on a 1-channel image",
    via: "API",
    run: () =>
      expectError(
        () => F.conv2d(randn([1, 1, 28, 28]), randn([16, 3, 3, 3])),
        /conv2d/,
        /3 input channels/,
        /has 1/,
      ),
  },
  {
    name: "crossEntropy target 12 with 10 classes",
    via: "API",
    run: () =>
      expectError(() => F.crossEntropy(randn([4, 10]), tensor([1, 0, 12, 3])), /crossEntropy/, /\[0, 9\]/),
  },
  {
    name: "Linear(10, 5) on inputs of width 11",
    via: "API",
    run: () => expectError(() => new nn.Linear(10, 5).forward(randn([3, 11])), /Linear/, /\[3, 11\]/),
  },
  {
    name: "reshape to a different element count",
    via: "API",
    run: () => expectError(() => randn([4, 5]).reshape([3, 7]), /reshape/, /\[3, 7\]/, /20/),
  },
  {
    name: "a TinyVGG state dict loaded into LeNet-5",
    via: "API",
    run: () =>
      expectError(
        () => models.lenet5().loadStateDict(models.tinyVGG().stateDict()),
        /loadStateDict/,
        /size mismatch/,
      ),
  },
  {
    name: "truncated Fashion-MNIST images file",
    via: "API",
    run: () => {
      const root = tmp();
      const dir = join(root, "FashionMNIST");
      mkdirSync(dir);
      const good = readFileSync(join(DEBIAN, "t10k-images-idx3-ubyte.gz"));
      writeFileSync(join(dir, "t10k-images-idx3-ubyte.gz"), good.subarray(0, good.length - 1000));
      writeFileSync(
        join(dir, "t10k-labels-idx1-ubyte.gz"),
        readFileSync(join(DEBIAN, "t10k-labels-idx1-ubyte.gz")),
      );
      return expectError(
        () => data.FashionMNIST({ root, train: false, download: false, verbose: false }),
        /t10k-images-idx3-ubyte\.gz/,
        /truncated or corrupt/,
      );
    },
  },
  { name: "checkpoint saves killed with SIGKILL", via: "API", run: killedCheckpointSaves },
];
