// The TensorFlow.js peer for `npm run bench`: LeNet-5 (training step and inference, batch 64) on
// @tensorflow/tfjs with @tensorflow/tfjs-backend-wasm (tfjs-node cannot be installed here), timed
// like the other runners (timing.ts), one JSON line per case. tfjs is NHWC and its wasm backend
// lacks Conv2DBackpropFilter (tfjs issue 8474), so training uses ours (tfjs-conv-filter-grad.ts).
// Usage: node tfjs-runner.js <threads> <case name>...

import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerConv2DBackpropFilter } from "./tfjs-conv-filter-grad";
import { measure } from "./timing";

/** LeNet-5 as cases.ts builds it (conv5x5(6, pad 2)-relu-maxpool-conv5x5(16)-relu-maxpool-fc120-fc84-fc10), NHWC. */
function lenet() {
  const glorot = (shape: number[], fanIn: number) =>
    tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
  const w = {
    c1: glorot([5, 5, 1, 6], 25),
    b1: tf.variable(tf.zeros([6])),
    c2: glorot([5, 5, 6, 16], 150),
    b2: tf.variable(tf.zeros([16])),
    f1: glorot([400, 120], 400),
    g1: tf.variable(tf.zeros([120])),
    f2: glorot([120, 84], 120),
    g2: tf.variable(tf.zeros([84])),
    f3: glorot([84, 10], 84),
    g3: tf.variable(tf.zeros([10])),
  };
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    const block = (h: tf.Tensor4D, k: tf.Variable, b: tf.Variable, pad: "same" | "valid") =>
      tf.maxPool(tf.relu(tf.add(tf.conv2d(h, k as tf.Tensor4D, 1, pad), b)) as tf.Tensor4D, 2, 2, "valid");
    const h = block(block(x, w.c1, w.b1, "same"), w.c2, w.b2, "valid");
    const dense = (f: tf.Tensor2D, m: tf.Variable, b: tf.Variable) =>
      tf.add(tf.matMul(f, m as tf.Tensor2D), b) as tf.Tensor2D;
    const f1 = tf.relu(dense(tf.reshape(h, [x.shape[0], 400]), w.f1, w.g1));
    const f2 = tf.relu(dense(f1, w.f2, w.g2));
    return dense(f2, w.f3, w.g3);
  };
  return { forward, variables: Object.values(w) };
}

const CASES: Record<string, () => { step: () => void; work: number }> = {
  "LeNet-5 train step, batch 64": () => {
    const net = lenet();
    const opt = tf.train.momentum(0.01, 0.9);
    const x = tf.randomNormal([64, 28, 28, 1]) as tf.Tensor4D;
    const y = tf.oneHot(tf.randomUniform([64], 0, 10, "int32") as tf.Tensor1D, 10);
    const step = () =>
      tf.tidy(() => {
        opt.minimize(
          () => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar,
          false,
          net.variables,
        );
      });
    return { step, work: 64 };
  },
  "LeNet-5 inference, batch 64": () => {
    const net = lenet();
    const x = tf.randomNormal([64, 28, 28, 1]) as tf.Tensor4D;
    const step = () => tf.tidy(() => void net.forward(x).dataSync());
    return { step, work: 64 };
  },
};

async function main(): Promise<void> {
  const [threadsArg, ...names] = process.argv.slice(2);
  const threads = Number(threadsArg);
  setWasmPaths(`${join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "/")}`);
  setThreadsCount(threads);
  await tf.setBackend("wasm");
  await tf.ready();
  registerConv2DBackpropFilter(tf);
  for (const name of names.filter((n) => n in CASES)) {
    const { step, work } = CASES[name]();
    const { best, perCpuSecond } = measure(step, work);
    console.log(
      JSON.stringify({
        case: name,
        threads,
        value: best,
        perCpu: perCpuSecond,
        backend: `tfjs ${tf.version.tfjs} ${tf.getBackend()} (${tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT") ? "threaded" : "single-threaded"} build${tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? ", SIMD" : ""})`,
        rssMiB: process.resourceUsage().maxRSS / 1024,
      }),
    );
  }
}

void main();
