// Augmentation: the fixed-parameter operations (`transforms.functional`) against torchvision 0.14
// on float tensors (test/golden/transforms/transforms.json, made by make_transform_goldens.py),
// and the random transforms: seeded, drawing the parameters torchvision's get_params would allow,
// applying exactly the functional op with them, on tensors and on RawImage bytes.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { data, Generator, ReceptiveError, rand, type Tensor, tensor } from "../../kernel/engine/index";
import { expectReproduced } from "../golden/regenerated";
import { expectClose, expectShape } from "../helpers";

const { transforms } = data;
const TF = transforms.functional;

interface Encoded {
  shape: number[];
  data: number[];
}
interface TransformCase {
  name: string;
  fn: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  input: Encoded;
  output: Encoded;
}

const dir = join(__dirname, "..", "..", "..", "test", "golden", "transforms");
const file = join(dir, "transforms.json");
const golden = JSON.parse(readFileSync(file, "utf8")) as { version: number; cases: TransformCase[] };

function throwsClearly(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReceptiveError, `expected a ReceptiveError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

const values = (t: Tensor) => [...t.contiguous().storage.subarray(0, t.numel)];

describe("transforms.functional against torchvision", () => {
  assert.equal(golden.version, 1);
  for (const c of golden.cases)
    it(`${c.name} (${c.fn})`, () => {
      const fn = (TF as unknown as Record<string, (...a: unknown[]) => Tensor>)[c.fn];
      assert.equal(typeof fn, "function", `no transforms.functional.${c.fn}`);
      const img = tensor(c.input.data, { shape: c.input.shape });
      const hasOptions = Object.keys(c.kwargs).length > 0;
      const out = fn(img, ...c.args, ...(hasOptions ? [c.kwargs] : []));
      expectShape(out.shape, c.output.shape, c.name);
      expectClose(values(out), c.output.data, c.name, { atol: 2e-5 });
      assert.deepEqual(values(img), c.input.data.map(Math.fround), "the input is left as it was");
    });

  it("the committed goldens are what the seeded script makes (needs Debian's python3-torchvision)", () => {
    expectReproduced(join(dir, "make_transform_goldens.py"), "transforms.json", file);
  });
});

/** A tensor image (3, H, W) with distinct values. */
const photo = (H = 12, W = 16) => rand([3, H, W]);

describe("random augmentations", () => {
  it("randomRotation and randomAffine apply the functional op with parameters drawn from the generator", () => {
    const img = photo();
    const out = transforms.randomRotation(30, { interpolation: "bilinear", generator: new Generator(4) })(
      img,
    );
    const angle = -30 + 60 * new Generator(4).uniform();
    assert.deepEqual(values(out), values(TF.rotate(img, angle, { interpolation: "bilinear", fill: 0 })));
    // the same seed repeats, another gives another image
    const again = transforms.randomRotation(30, { interpolation: "bilinear", generator: new Generator(4) })(
      img,
    );
    assert.deepEqual(values(again), values(out));
    const other = transforms.randomRotation(30, { interpolation: "bilinear", generator: new Generator(5) })(
      img,
    );
    assert.notDeepEqual(values(other), values(out));

    const g = new Generator(9);
    const aff = transforms.randomAffine([-10, 10], {
      translate: [0.25, 0.5],
      scale: [0.8, 1.2],
      shear: [-5, 5, -3, 3],
      generator: g,
    });
    const ref = new Generator(9);
    const u = (lo: number, hi: number) => lo + (hi - lo) * ref.uniform();
    const angle2 = u(-10, 10);
    const round = (x: number) => TF.roundHalfEven(x);
    const t = [round(u(-0.25 * 16, 0.25 * 16)), round(u(-0.5 * 12, 0.5 * 12))];
    const s = u(0.8, 1.2);
    const sh = [u(-5, 5), u(-3, 3)];
    assert.deepEqual(values(aff(img)), values(TF.affine(img, angle2, t, s, sh, { fill: 0 })));
  });

  it("randomResizedCrop crops within the image, area and ratio ranges, then resizes", () => {
    const g = new Generator(1);
    for (let k = 0; k < 200; k++) {
      const [top, left, h, w] = transforms.resizedCropParams(30, 40, [0.08, 1], [3 / 4, 4 / 3], g);
      assert.ok(top >= 0 && left >= 0 && top + h <= 30 && left + w <= 40, `${[top, left, h, w]}`);
      const area = (h * w) / 1200;
      assert.ok(area > 0.05 && area <= 1.02, `area ${area}`);
      assert.ok(w / h > 0.6 && w / h < 1.5, `ratio ${w / h}`);
    }
    // impossible ratios fall back to the central crop with the ratio clamped
    assert.deepEqual(
      transforms.resizedCropParams(10, 40, [0.9, 1], [1, 1], new Generator(0)),
      [0, 15, 10, 10],
    );
    const img = photo(20, 24);
    const out = transforms.randomResizedCrop([8, 6], { generator: new Generator(2) })(img);
    const [top, left, h, w] = transforms.resizedCropParams(
      20,
      24,
      [0.08, 1],
      [3 / 4, 4 / 3],
      new Generator(2),
    );
    expectShape(out.shape, [3, 8, 6], "randomResizedCrop");
    assert.deepEqual(values(out), values(TF.resizedCrop(img, top, left, h, w, [8, 6])));
  });

  it("colorJitter changes only what it is asked to, by factors in range", () => {
    const img = photo();
    const brighter = transforms.colorJitter({ brightness: [1.5, 1.5] })(img);
    assert.deepEqual(values(brighter), values(TF.adjustBrightness(img, 1.5)));
    assert.equal(transforms.colorJitter()(img), img, "no option: the image itself");
    // with all four, the mean grey moves but stays in [0, 1]; seeded
    const jitter = (seed: number) =>
      transforms.colorJitter({
        brightness: 0.4,
        contrast: 0.4,
        saturation: 0.4,
        hue: 0.1,
        generator: new Generator(seed),
      });
    const a = values(jitter(3)(img));
    assert.deepEqual(values(jitter(3)(img)), a);
    assert.notDeepEqual(values(jitter(4)(img)), a);
    assert.ok(a.every((v) => v >= 0 && v <= 1));
    throwsClearly(
      () => transforms.colorJitter({ hue: 0.7 }),
      /^colorJitter: hue values must be in \[-0.5, 0.5\]/,
    );
    throwsClearly(() => transforms.colorJitter({ brightness: -1 }), /^colorJitter: brightness must be >= 0/);
  });

  it("randomErasing erases one box of the asked area share, or nothing with p = 0", () => {
    const img = tensor(Array(3 * 20 * 20).fill(0.5), { shape: [3, 20, 20] });
    assert.equal(transforms.randomErasing({ p: 0 })(img), img);
    const g = new Generator(6);
    for (let k = 0; k < 30; k++) {
      const out = values(transforms.randomErasing({ p: 1, value: [1, 2, 3], generator: g })(img));
      const erased = out.map((v, i) => (v === 0.5 ? -1 : i)).filter((i) => i >= 0);
      const share = erased.length / 3 / 400;
      assert.ok(share >= 0.015 && share <= 0.36, `share ${share}`);
      // one box, filled with each channel's value
      for (const i of erased) assert.equal(out[i], 1 + Math.floor(i / 400));
      const ys = erased.map((i) => Math.floor((i % 400) / 20));
      const xs = erased.map((i) => i % 20);
      const box = (Math.max(...ys) - Math.min(...ys) + 1) * (Math.max(...xs) - Math.min(...xs) + 1);
      assert.equal(box * 3, erased.length, "the erased pixels form one rectangle");
    }
    const random = values(
      transforms.randomErasing({ p: 1, value: "random", generator: new Generator(1) })(img),
    );
    assert.ok(
      random.some((v) => v < 0),
      "standard normal values",
    );
  });

  it("gaussianBlur draws sigma from its range and blurs with it", () => {
    const img = photo();
    const out = transforms.gaussianBlur(5, { sigma: [0.5, 1.5], generator: new Generator(8) })(img);
    const sigma = 0.5 + new Generator(8).uniform();
    assert.deepEqual(values(out), values(TF.gaussianBlur(img, 5, sigma)));
    throwsClearly(
      () => transforms.gaussianBlur(4),
      /^gaussianBlur: kernelSize must be a positive odd number/,
    );
  });

  it("works on RawImage bytes and in compose with toTensor", () => {
    const raw: data.RawImage = {
      data: Uint8Array.from({ length: 10 * 12 * 3 }, (_, i) => (i * 37) % 256),
      height: 10,
      width: 12,
      channels: 3,
    };
    const pipeline = transforms.compose([
      transforms.randomResizedCrop(8, { generator: new Generator(1) }),
      transforms.randomRotation(10, { generator: new Generator(2) }),
      transforms.colorJitter({ brightness: 0.2, generator: new Generator(3) }),
      transforms.toTensor(),
      transforms.randomErasing({ p: 1, generator: new Generator(4) }),
    ]);
    const out = pipeline(raw) as Tensor;
    expectShape(out.shape, [3, 8, 8], "pipeline");
    // bytes in, bytes out: rotating by 0 gives the image back
    const same = TF.rotate(raw, 0) as data.RawImage;
    assert.deepEqual([...same.data], [...raw.data]);
  });

  it("refuses bad images and parameters, naming the op", () => {
    throwsClearly(
      () => TF.rotate(rand([2, 3, 8, 8]), 10),
      /^rotate: expects an image tensor \(C, H, W\) or \(H, W\), got shape \[2, 3, 8, 8\]/,
    );
    throwsClearly(
      () => TF.rotate(photo(), 10, { interpolation: "bicubic" as "bilinear" }),
      /^rotate: interpolation must be "nearest" or "bilinear"/,
    );
    throwsClearly(
      () => TF.adjustHue(rand([2, 4, 4]), 0.1),
      /^adjustHue: expects an image with 1 or 3 channels, got 2/,
    );
    throwsClearly(
      () => TF.gaussianBlur(rand([1, 3, 3]), 9, 1),
      /^gaussianBlur: kernelSize \[9, 9\] needs an image larger/,
    );
    throwsClearly(
      () => TF.erase(photo(), 10, 0, 4, 4, 0),
      /^erase: the box \(i 10, j 0, h 4, w 4\) must be whole pixels inside the image \[12, 16\]/,
    );
    throwsClearly(
      () => transforms.randomRotation(-5),
      /^randomRotation: degrees must be >= 0 when a single number/,
    );
    throwsClearly(
      () => transforms.randomAffine(0, { translate: [2, 0] }),
      /^randomAffine: translate must be \[a, b\] fractions/,
    );
  });
});
