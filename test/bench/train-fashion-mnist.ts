// Benchmark: the issue's two training recipes on the full Fashion-MNIST (Debian's files), written
// with the public API as a student would (nn, optim, data, F). "lenet5": LeNet-5 with SGD, 2
// epochs (target >= 0.89 test accuracy); "convbn": 2 conv + batch norm + dropout with Adam, 8
// epochs (target >= 0.92). Both recipes (in RECIPES) normalise the inputs with Fashion-MNIST's
// mean and std, smooth the labels (0.2 and 0.1) and step a one-cycle lr schedule every batch.
// Records test accuracy, loss, wall time, images/s and memory (RSS now and peak) after each epoch
// (training must not leak). Its PyTorch twin is train_fashion_mnist.py (same recipes); both write
// JSON into test/bench/results/.
// Run: npm run build && node --expose-gc dist/test/bench/train-fashion-mnist.js [lenet5|convbn]
//        [epochs] [--seed N] [--limit N] [--out DIR]

import { renameSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { backendInfo, data, F, manualSeed, nn, noGrad, optim, type Tensor } from "../../kernel/engine/index";
import { lenetSequential } from "../fixtures/lenet-sequential";

/** Fashion-MNIST's training-set pixel mean and std (inputs in [0, 1]), as torchvision users write them. */
export const MEAN = 0.286;
export const STD = 0.353;

/** Two 3x3 conv blocks with batch norm, then dropout and two linear layers (about 420K parameters). */
export function convbn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1 }),
    new nn.BatchNorm2d(32),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }),
    new nn.BatchNorm2d(64),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Dropout(0.25),
    new nn.Linear(64 * 7 * 7, 128),
    new nn.ReLU(),
    new nn.Dropout(0.25),
    new nn.Linear(128, 10),
  );
}

export interface Recipe {
  build: () => nn.Module;
  /** The recipe in words, stored with the results (the PyTorch twin writes the same words). */
  description: string;
  batchSize: number;
  epochs: number;
  labelSmoothing: number;
  optimizer: (net: nn.Module) => optim.Optimizer;
  /** A scheduler stepped after every optimizer step. */
  scheduler: (opt: optim.Optimizer, stepsPerEpoch: number, epochs: number) => optim.LRScheduler;
}

export const RECIPES: Record<"lenet5" | "convbn", Recipe> = {
  lenet5: {
    build: lenetSequential,
    description:
      "LeNet-5; inputs normalised (0.286, 0.353); SGD momentum 0.9 nesterov; OneCycleLR maxLr 0.1 per batch; " +
      "cross-entropy with label smoothing 0.2; batch 64",
    batchSize: 64,
    epochs: 2,
    labelSmoothing: 0.2,
    optimizer: (net) => new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true }),
    scheduler: (opt, stepsPerEpoch, epochs) =>
      new optim.lrScheduler.OneCycleLR(opt, 0.1, { epochs, stepsPerEpoch }),
  },
  convbn: {
    build: convbn,
    description:
      "2 conv + BN + dropout; inputs normalised (0.286, 0.353); Adam; OneCycleLR maxLr 3e-3 per batch; " +
      "cross-entropy with label smoothing 0.1; batch 64",
    batchSize: 64,
    epochs: 8,
    labelSmoothing: 0.1,
    optimizer: (net) => new optim.Adam(net.parameters(), { lr: 3e-3 }),
    scheduler: (opt, stepsPerEpoch, epochs) =>
      new optim.lrScheduler.OneCycleLR(opt, 3e-3, { epochs, stepsPerEpoch }),
  },
};

/** Pixels in [0, 1] -> (x - mean) / std, on a whole batch (B, 1, 28, 28). */
export function normalise(x: Tensor): Tensor {
  return x.sub(MEAN).div(STD);
}

async function evaluate(net: nn.Module, test: data.Dataset): Promise<number> {
  net.eval();
  let correct = 0;
  for await (const [x, y] of new data.DataLoader(test, { batchSize: 500 }))
    correct += noGrad(() => net.forward(normalise(x)).argmax(1).eq(y).sum().item());
  net.train();
  return correct / test.length;
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const name = (args.find((a) => a in RECIPES) ?? "lenet5") as keyof typeof RECIPES;
  const recipe = RECIPES[name];
  const epochs = Number(
    args.find((a, i) => /^\d+$/.test(a) && !args[i - 1]?.startsWith("--")) ?? recipe.epochs,
  );
  const seed = Number(option(args, "--seed") ?? 0);
  const limit = option(args, "--limit") !== undefined ? Number(option(args, "--limit")) : undefined;
  const outDir = option(args, "--out") ?? join(__dirname, "..", "..", "..", "test", "bench", "results");
  manualSeed(seed);
  const net = recipe.build();
  const fullTrain = await data.FashionMNIST({ train: true, download: false });
  const test = await data.FashionMNIST({ train: false, download: false });
  const train =
    limit !== undefined
      ? new data.Subset(
          fullTrain,
          Array.from({ length: limit }, (_, i) => i),
        )
      : fullTrain;
  const loader = new data.DataLoader(train, { batchSize: recipe.batchSize, shuffle: true, seed });
  const opt = recipe.optimizer(net);
  const scheduler = recipe.scheduler(opt, loader.length, epochs);
  const perEpoch: Record<string, number>[] = [];
  const loadStart = loadavg()[0];
  const file = join(
    outDir,
    `train-fashion-mnist-${name}-receptive${seed ? `-seed${seed}` : ""}${limit ? `-${limit}` : ""}.json`,
  );
  /** Writes the results so far (atomically: a reader never sees half a file). */
  const save = () => {
    const result = {
      benchmark: "train-fashion-mnist",
      engine: "receptive",
      backend: backendInfo(),
      recipe: {
        model: name,
        params: net.parameters().reduce((a, p) => a + p.numel, 0),
        description: recipe.description,
        batchSize: recipe.batchSize,
        epochs,
        trainImages: train.length,
      },
      epochsDone: perEpoch.length,
      seed,
      machine: {
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        loadAverageStart: loadStart,
        loadAverageEnd: loadavg()[0],
      },
      node: process.version,
      date: new Date().toISOString(),
      perEpoch,
    };
    writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    return result;
  };
  const t0 = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const tEpoch = performance.now();
    let total = 0;
    let batches = 0;
    for await (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = F.crossEntropy(net.forward(normalise(x)), y, { labelSmoothing: recipe.labelSmoothing });
      loss.backward();
      opt.step();
      scheduler.step();
      total += loss.item();
      batches++;
      if (batches % 100 === 0)
        process.stderr.write(
          `\repoch ${epoch} batch ${batches}/${loader.length} loss ${(total / batches).toFixed(4)}`,
        );
    }
    const trainSeconds = (performance.now() - tEpoch) / 1000;
    const testAccuracy = await evaluate(net, test);
    global.gc?.();
    global.gc?.(); // a second pass frees buffers whose release the first one scheduled
    const mem = process.memoryUsage();
    perEpoch.push({
      epoch,
      loss: total / batches,
      testAccuracy,
      seconds: (performance.now() - t0) / 1000,
      trainImagesPerSecond: train.length / trainSeconds,
      heapMB: mem.heapUsed / 1e6,
      arrayBuffersMB: mem.arrayBuffers / 1e6,
      rssMB: mem.rss / 1e6,
      peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6,
    });
    process.stderr.write(`\n${JSON.stringify(perEpoch[perEpoch.length - 1])}\n`);
    save(); // after every epoch, so a long run stopped early still leaves its curve
  }
  console.log(JSON.stringify(save(), null, 2));
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
