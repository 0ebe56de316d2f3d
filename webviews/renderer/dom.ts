// A tiny element builder for the renderers: `el("button", { class: "x", onclick }, "Next")`.
// Attributes are strings (set with setAttribute), functions become event listeners.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((e: never) => void) | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") node.addEventListener(name.replace(/^on/, ""), value as EventListener);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** True for the keys that activate a focused control: Enter and Space. */
export const isActivateKey = (e: KeyboardEvent) => e.key === "Enter" || e.key === " ";
