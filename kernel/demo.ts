// The engine demo behind `npm start` until the notebook kernel exists: the lecture's 6x6
// vertical-edge example, then a few SGD steps of a tiny CNN on synthetic data.

import { F, manualSeed, randn, tensor } from "./engine/index";

export async function runDemo(): Promise<number> {
  manualSeed(0);
  const img = tensor([
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
  ]).reshape([1, 1, 6, 6]);
  const k = tensor([
    [1, 0, -1],
    [1, 0, -1],
    [1, 0, -1],
  ]).reshape([1, 1, 3, 3]);
  console.log("The lecture's vertical edge detector: a 6x6 image (bright left, dark right)");
  console.log(img.reshape([6, 6]).toString());
  console.log("convolved with the 3x3 kernel");
  console.log(k.reshape([3, 3]).toString());
  console.log("gives the 4x4 edge map: the edge shows up in the middle columns");
  console.log(F.conv2d(img, k).reshape([4, 4]).toString());

  // A few training steps: learn a 3x3 filter that reproduces the edge detector's output.
  const x = randn([16, 1, 8, 8]);
  const target = F.conv2d(x, k);
  const w = randn([1, 1, 3, 3], { requiresGrad: true });
  const lr = 0.02;
  console.log("\nTraining a 3x3 filter to become an edge detector (mse loss, plain SGD):");
  for (let step = 0; step <= 60; step++) {
    const loss = F.mseLoss(F.conv2d(x, w), target);
    w.grad = null;
    loss.backward();
    w.storage.forEach((_, i) => {
      w.storage[i] -= lr * w.grad!.storage[i];
    });
    if (step % 15 === 0) console.log(`  step ${String(step).padStart(2)}  loss ${loss.item().toFixed(5)}`);
  }
  console.log("learned filter (compare with the kernel above):");
  console.log(w.detach().reshape([3, 3]).toString());
  return 0;
}
