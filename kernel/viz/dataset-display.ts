// How a dataset shows itself in a notebook: a labelled grid of its first 16 images (with class
// names when it has them) and a text line with its size and classes. Datasets that are not images
// show the text line only.

import type { MimeBundle } from "../display/schema";
import { samples } from "./samples";

export function datasetText(ds: { length: number; classes?: readonly string[] }): string {
  const name = ds.constructor.name;
  const classes = Array.isArray(ds.classes)
    ? `, ${ds.classes.length} classes: ${ds.classes.slice(0, 10).join(", ")}${ds.classes.length > 10 ? ", ..." : ""}`
    : "";
  return `${name}: ${ds.length.toLocaleString("en-US")} samples${classes}`;
}

export function datasetBundle(ds: {
  length: number;
  get(i: number): unknown;
  classes?: readonly string[];
}): MimeBundle {
  const text = datasetText(ds);
  try {
    const bundle = samples(ds, { n: 16, title: text }).bundle();
    return { ...bundle, "text/plain": text };
  } catch {
    return { "text/plain": text };
  }
}
