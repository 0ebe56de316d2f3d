// `await input("name? ")` and `await prompt("name? ")` in every cell: ask the person at the front
// end for a line of text. The running cell's transport asks (Jupyter's stdin `input_request`, the
// stdio protocol's `input_request`) or explains why it cannot (no stdin allowed, headless run).

import { runningCell } from "./cell-context";

export interface InputOptions {
  /** Hide what is typed (Jupyter's `password` flag); default false. */
  password?: boolean;
}

/** Asks the front end for a line of text and resolves with what was typed (without the newline). */
export type Input = (prompt?: string, options?: InputOptions) => Promise<string>;

/** Asks the running cell's front end; used as both `input` and `prompt` in cells. */
export function makeInput(name: "input" | "prompt"): Input {
  return async (prompt = "", options = {}) => {
    if (typeof prompt !== "string") {
      throw new TypeError(
        `${name}: the prompt must be a string, got ${typeof prompt}; e.g. await ${name}("name? ")`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `${name}: options must be an object such as { password: true }, got ${typeof options}`,
      );
    }
    const cell = runningCell();
    if (cell === undefined) {
      throw new Error(
        `${name}: no cell is running; call it from a cell's own code, e.g. const name = await ${name}("name? ")`,
      );
    }
    if (cell.output.input === undefined) {
      throw new Error(
        `${name}: this front end cannot answer input requests; put the value in the cell instead`,
      );
    }
    return cell.output.input(prompt, options.password === true);
  };
}
