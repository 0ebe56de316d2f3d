// Geometry of an image grid: how much each tile is zoomed, how many fit in a row, which pixel a
// pointer is over, and which tile the arrow keys move to. Pure, so Node tests can check it.

/** Integer zoom so that a tile's longer side is about `target` CSS pixels (1 for 56x56, 12 for 5x5). */
export function tileZoom(H: number, W: number, target = 64, maxZoom = 16): number {
  return Math.max(1, Math.min(maxZoom, Math.floor(target / Math.max(H, W, 1))));
}

/** Zoom for the enlarged view of one tile: about `target` pixels on its longer side. */
export function enlargedZoom(H: number, W: number, target = 320): number {
  return Math.max(1, Math.floor(target / Math.max(H, W, 1)));
}

/** Tiles per row that fit `width` pixels, at least 1. */
export function columnsThatFit(width: number, tileWidth: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (tileWidth + gap)));
}

/**
 * The tile pixel under a pointer at (offsetX, offsetY) CSS pixels inside a tile drawn `cssWidth` x
 * `cssHeight` for a W x H map; null outside.
 */
export function pixelUnder(
  offsetX: number,
  offsetY: number,
  cssWidth: number,
  cssHeight: number,
  W: number,
  H: number,
): { x: number; y: number } | null {
  if (offsetX < 0 || offsetY < 0 || offsetX >= cssWidth || offsetY >= cssHeight) return null;
  return {
    x: Math.min(W - 1, Math.floor((offsetX * W) / cssWidth)),
    y: Math.min(H - 1, Math.floor((offsetY * H) / cssHeight)),
  };
}

/** The tile index an arrow/Home/End key moves focus to in a grid of `columns` per row, or null. */
export function neighbourTile(index: number, key: string, columns: number, count: number): number | null {
  let next: number;
  switch (key) {
    case "ArrowRight":
      next = index + 1;
      break;
    case "ArrowLeft":
      next = index - 1;
      break;
    case "ArrowDown":
      next = index + columns;
      break;
    case "ArrowUp":
      next = index - columns;
      break;
    case "Home":
      next = 0;
      break;
    case "End":
      next = count - 1;
      break;
    default:
      return null;
  }
  return next >= 0 && next < count ? next : index;
}
