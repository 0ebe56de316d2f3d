// The panel's form controls: the one module that knows about @vscode/webview-ui-toolkit (deprecated;
// swapping it for @vscode-elements/elements means rewriting only this file). Buttons, dropdowns and
// text fields that follow the editor's theme, with the small API the panel needs.

import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
} from "@vscode/webview-ui-toolkit";

let registered = false;

/** Defines the custom elements (once per page). */
export function registerControls(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());
}

export interface Choice {
  value: string;
  label: string;
}

export interface Dropdown {
  element: HTMLElement;
  value: string;
  setChoices(choices: Choice[], selected?: string): void;
}

/** A labelled dropdown; `onChange` gets the chosen value. */
export function dropdown(label: string, className: string, onChange: (value: string) => void): Dropdown {
  const select = document.createElement("vscode-dropdown") as HTMLElement & { value: string };
  select.setAttribute("aria-label", label);
  select.className = className;
  // What the user (or setChoices) chose: the element's own value lags while its options change.
  let current = "";
  select.addEventListener("change", () => {
    if (select.value === current) return;
    current = select.value;
    onChange(current);
  });
  return {
    element: select,
    get value() {
      return current;
    },
    set value(v: string) {
      current = v;
      select.value = v;
    },
    setChoices(choices, selected) {
      select.replaceChildren(
        ...choices.map((c) => {
          const o = document.createElement("vscode-option") as HTMLElement & { value: string };
          o.setAttribute("value", c.value);
          o.textContent = c.label;
          return o;
        }),
      );
      const pick = choices.some((c) => c.value === selected) ? selected : choices[0]?.value;
      current = pick ?? "";
      // The element reads its new options on the next microtask; set the value after that.
      queueMicrotask(() => {
        select.value = current;
      });
      select.toggleAttribute("disabled", choices.length === 0);
    },
  };
}

export function button(label: string, className: string, onClick: () => void, primary = false): HTMLElement {
  const b = document.createElement("vscode-button");
  b.textContent = label;
  b.className = className;
  if (!primary) b.setAttribute("appearance", "secondary");
  b.addEventListener("click", onClick);
  return b;
}

export interface TextField {
  element: HTMLElement;
  value: string;
}

export function textField(
  label: string,
  className: string,
  value: string,
  onChange: (v: string) => void,
): TextField {
  const f = document.createElement("vscode-text-field") as HTMLElement & { value: string };
  f.setAttribute("aria-label", label);
  f.setAttribute("placeholder", label);
  f.className = className;
  f.setAttribute("value", value);
  f.addEventListener("change", () => onChange(f.value));
  return {
    element: f,
    get value() {
      return f.value;
    },
    set value(v: string) {
      f.value = v;
    },
  };
}
