// The kernel's logo, drawn in code: a 5x5 feature map with a highlighted 3x3 receptive field.

import { viridis } from "../../display/colormap";
import { encodePng } from "../../display/png";

export function drawLogo(size: number): Buffer {
  const px = new Uint8Array(size * size * 4); // (size, size, RGBA), transparent background
  const cells = 5;
  const pad = Math.max(1, Math.round(size / 32));
  const cell = (size - pad * (cells + 1)) / cells;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cx = Math.floor((x - pad) / (cell + pad));
      const cy = Math.floor((y - pad) / (cell + pad));
      const inCell =
        cx >= 0 &&
        cy >= 0 &&
        cx < cells &&
        cy < cells &&
        x - pad - cx * (cell + pad) < cell &&
        y - pad - cy * (cell + pad) < cell;
      if (!inCell) continue;
      const inField = cx >= 1 && cx <= 3 && cy >= 1 && cy <= 3;
      const [r, g, b] = inField
        ? viridis(0.55 + 0.45 * ((cx + cy) / 6))
        : viridis(0.12 + 0.05 * ((cx * 7 + cy * 3) % 4));
      const o = (y * size + x) * 4;
      px[o] = r;
      px[o + 1] = g;
      px[o + 2] = b;
      px[o + 3] = 255;
    }
  }
  return encodePng(size, size, px, 4);
}
