// Benchmark: the issue's recipes on the full Fashion-MNIST (Debian's files), batch 64, shuffled
// with seed 0, inputs in [0, 1]: "lenet5" (LeNet-5, SGD lr 0.05 momentum 0.9, 2 epochs; target
// >= 0.89) and "convbn" (2 conv + batch norm + dropout, Adam lr 1e-3, 8 epochs; target >= 0.92).
// Records test accuracy, wall time and memory after each epoch (training must not leak). Its
// PyTorch twin is train_fashion_mnist.py; both write JSON into test/bench/results/.
// Run: npm run build && node --expose-gc dist/test/bench/train-fashion-mnist.js [lenet5|convbn] [epochs] [--limit N]

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { backendInfo, data, F, manualSeed, nn, noGrad, optim } from "../../kernel/engine/index";
import { lenetSequential } from "../fixtures/lenet-sequential";

const lenet5 = lenetSequential;

/** Two 3x3 conv blocks with batch norm, then dropout and two linear layers (about 420K parameters). */
function convbn(): nn.Sequential {
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

const RECIPES = {
  lenet5: {
    build: lenet5,
    optimizer: (net: nn.Module) => new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 }),
    optimizerName: "SGD lr 0.05 momentum 0.9",
    epochs: 2,
  },
  convbn: {
    build: convbn,
    optimizer: (net: nn.Module) => new optim.Adam(net.parameters(), { lr: 1e-3 }),
    optimizerName: "Adam lr 1e-3",
    epochs: 8,
  },
};

async function evaluate(net: nn.Module, test: data.MNISTDataset): Promise<number> {
  net.eval();
  let correct = 0;
  for await (const [x, y] of new data.DataLoader(test, { batchSize: 500 }))
    correct += noGrad(() => net.forward(x).argmax(1).eq(y).sum().item());
  net.train();
  return correct / test.length;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const name = (args.find((a) => a in RECIPES) ?? "lenet5") as keyof typeof RECIPES;
  const recipe = RECIPES[name];
  const epochs = Number(args.find((a) => /^\d+$/.test(a)) ?? recipe.epochs);
  const limitAt = args.indexOf("--limit");
  const limit = limitAt >= 0 ? Number(args[limitAt + 1]) : undefined;
  manualSeed(0);
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
  const loader = new data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 });
  const opt = recipe.optimizer(net);
  const perEpoch: {
    epoch: number;
    loss: number;
    testAccuracy: number;
    seconds: number;
    heapMB: number;
    arrayBuffersMB: number;
    rssMB: number;
  }[] = [];
  const t0 = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let total = 0;
    let batches = 0;
    for await (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = F.crossEntropy(net.forward(x), y);
      loss.backward();
      opt.step();
      total += loss.item();
      batches++;
      if (batches % 100 === 0)
        process.stderr.write(
          `\repoch ${epoch} batch ${batches}/${loader.length} loss ${(total / batches).toFixed(4)}`,
        );
    }
    const testAccuracy = await evaluate(net, test);
    global.gc?.();
    global.gc?.(); // a second pass frees buffers whose release the first one scheduled
    const mem = process.memoryUsage();
    perEpoch.push({
      epoch,
      loss: total / batches,
      testAccuracy,
      seconds: (performance.now() - t0) / 1000,
      heapMB: mem.heapUsed / 1e6,
      arrayBuffersMB: mem.arrayBuffers / 1e6,
      rssMB: mem.rss / 1e6,
    });
    process.stderr.write(`\n${JSON.stringify(perEpoch[perEpoch.length - 1])}\n`);
  }
  const result = {
    benchmark: "train-fashion-mnist",
    engine: "receptive",
    backend: backendInfo(),
    recipe: {
      model: name,
      params: net.parameters().reduce((a, p) => a + p.numel, 0),
      optimizer: recipe.optimizerName,
      batchSize: 64,
      epochs,
      trainImages: train.length,
    },
    node: process.version,
    date: new Date().toISOString(),
    perEpoch,
  };
  const out = join(
    __dirname,
    "..",
    "..",
    "..",
    "test",
    "bench",
    "results",
    `train-fashion-mnist-${name}-receptive${limit ? `-${limit}` : ""}.json`,
  );
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
