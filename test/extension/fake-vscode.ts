// A small stand-in for the `vscode` module, enough to activate the bundled extension
// (extension/dist/extension.js) in plain Node and drive its notebook controller, commands, status
// bar and renderer messaging. A mock because a real VS Code cannot run inside a unit test; the
// code-server end-to-end test runs the same bundle in a real one. It records what the extension did.

import Module from "node:module";

type Listener<T> = (e: T) => unknown;

class Emitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (l: Listener<T>) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T) {
    for (const l of this.listeners) l(e);
  }
}

export class Uri {
  constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  get fsPath() {
    return this.path;
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
  static file(path: string) {
    return new Uri("file", path);
  }
  static parse(s: string) {
    const m = /^([a-z-]+):\/\/(.*)$/.exec(s);
    return m ? new Uri(m[1], m[2]) : new Uri("file", s);
  }
  static joinPath(base: Uri, ...parts: string[]) {
    return new Uri(base.scheme, [base.path, ...parts].join("/"));
  }
}

export class NotebookCellOutputItem {
  constructor(
    readonly data: Uint8Array,
    readonly mime: string,
  ) {}
  static stdout(text: string) {
    return new NotebookCellOutputItem(new TextEncoder().encode(text), "application/vnd.code.notebook.stdout");
  }
  static stderr(text: string) {
    return new NotebookCellOutputItem(new TextEncoder().encode(text), "application/vnd.code.notebook.stderr");
  }
  static error(e: Error) {
    const json = JSON.stringify({ name: e.name, message: e.message, stack: e.stack });
    return new NotebookCellOutputItem(new TextEncoder().encode(json), "application/vnd.code.notebook.error");
  }
}

let outputIds = 0;
export class NotebookCellOutput {
  readonly id = `output-${++outputIds}`;
  constructor(
    public items: NotebookCellOutputItem[],
    readonly metadata?: Record<string, unknown>,
  ) {}
}

/** What a NotebookCellExecution did, in order. */
export class FakeExecution {
  executionOrder: number | undefined;
  events: string[] = [];
  started?: number;
  ended?: { success: boolean | undefined; time?: number };
  constructor(readonly cell: FakeCell) {}
  start(time?: number) {
    this.started = time;
    this.events.push("start");
  }
  end(success: boolean | undefined, time?: number) {
    this.ended = { success, time };
    this.events.push(`end:${success}`);
    this.cell.executionSummary = {
      executionOrder: this.executionOrder,
      success,
      timing: { startTime: this.started ?? 0, endTime: time ?? 0 },
    };
  }
  async clearOutput() {
    this.cell.outputs = [];
  }
  async appendOutput(o: NotebookCellOutput) {
    this.cell.outputs.push(o);
  }
  async appendOutputItems(items: NotebookCellOutputItem | NotebookCellOutputItem[], o: NotebookCellOutput) {
    o.items.push(...(Array.isArray(items) ? items : [items]));
  }
  async replaceOutputItems(items: NotebookCellOutputItem | NotebookCellOutputItem[], o: NotebookCellOutput) {
    this.events.push(`replace:${o.id}`);
    o.items = Array.isArray(items) ? items : [items];
  }
}

export interface FakeCell {
  kind: number;
  document: { getText(): string; uri: Uri };
  outputs: NotebookCellOutput[];
  executionSummary?: {
    executionOrder?: number;
    success?: boolean;
    timing?: { startTime: number; endTime: number };
  };
}

export class FakeController {
  supportedLanguages: string[] = [];
  supportsExecutionOrder = false;
  description = "";
  executeHandler: (cells: FakeCell[], notebook: unknown) => Promise<void> = async () => {};
  interruptHandler?: (notebook: unknown) => Promise<void>;
  executions: FakeExecution[] = [];
  affinity = new Map<unknown, number>();
  updateNotebookAffinity(nb: unknown, affinity: number) {
    this.affinity.set(nb, affinity);
  }
  constructor(
    readonly id: string,
    readonly notebookType: string,
    readonly label: string,
  ) {}
  createNotebookCellExecution(cell: FakeCell) {
    const e = new FakeExecution(cell);
    this.executions.push(e);
    return e;
  }
  dispose() {}
}

export class Range {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
}
export class CompletionItem {
  range?: Range;
  constructor(
    readonly label: string,
    readonly kind?: number,
  ) {}
}
export class MarkdownString {
  value = "";
  appendCodeblock(code: string, lang: string) {
    this.value += `\`\`\`${lang}\n${code}\n\`\`\`\n`;
    return this;
  }
  appendMarkdown(md: string) {
    this.value += md;
    return this;
  }
}
export class SignatureInformation {
  parameters: ParameterInformation[] = [];
  constructor(
    readonly label: string,
    readonly documentation?: MarkdownString,
  ) {}
}
export class ParameterInformation {
  constructor(readonly label: [number, number] | string) {}
}
export class SignatureHelp {
  signatures: SignatureInformation[] = [];
  activeSignature = 0;
  activeParameter = 0;
}

export class Hover {
  constructor(readonly contents: MarkdownString) {}
}

/** A cell's text document: positions are plain offsets. */
export function fakeDocument(code: string) {
  return { getText: () => code, offsetAt: (p: number) => p, positionAt: (o: number) => o };
}

export class NotebookCellData {
  constructor(
    readonly kind: number,
    readonly value: string,
    readonly languageId: string,
  ) {}
}
export class NotebookData {
  metadata?: Record<string, unknown>;
  constructor(readonly cells: NotebookCellData[]) {}
}

export interface FakeVscode {
  /** Commands run that the extension did not register: [id, ...args]. */
  executed: unknown[][];
  opened: { type: string; data: NotebookData }[];
  providers: { completion?: any; hover?: any; signature?: any; signatureMeta?: any };
  module: Record<string, unknown>;
  controllers: FakeController[];
  commands: Map<string, (...args: unknown[]) => unknown>;
  statusBar: { text: string; tooltip: string; visible: boolean };
  rendererMessages: Emitter<{ editor: unknown; message: unknown }>;
  posted: { message: unknown; editor: unknown }[];
  errors: string[];
  log: string[];
  window: { activeNotebookEditor: unknown; inputPrompts: string[] };
  /** Webview panels the extension opened: what their webviews were sent, and a way to talk to them. */
  panels: FakePanel[];
  /** User settings by full name, e.g. "receptive.errors.showEngineFrames". */
  settings: Record<string, unknown>;
  notebookDocuments: unknown[];
}

/** A webview panel: `receive` plays the webview posting to the extension. */
export interface FakePanel {
  title: string;
  sent: unknown[];
  receive(message: unknown): void;
}

export function fakeVscode(): FakeVscode {
  const panels: FakePanel[] = [];
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  const controllers: FakeController[] = [];
  const statusBar = { text: "", tooltip: "", visible: false };
  const rendererMessages = new Emitter<{ editor: unknown; message: unknown }>();
  const posted: { message: unknown; editor: unknown }[] = [];
  const errors: string[] = [];
  const log: string[] = [];
  const disposable = { dispose() {} };
  const window = {
    activeNotebookEditor: undefined as unknown,
    createOutputChannel: () => ({ appendLine: (l: string) => log.push(l), show() {}, dispose() {} }),
    createStatusBarItem: () => ({
      set text(t: string) {
        statusBar.text = t;
      },
      set tooltip(t: string) {
        statusBar.tooltip = t;
      },
      command: "",
      show: () => {
        statusBar.visible = true;
      },
      hide: () => {
        statusBar.visible = false;
      },
      dispose() {},
    }),
    showErrorMessage: async (m: string) => {
      errors.push(m);
      return undefined;
    },
    showInformationMessage: async () => undefined,
    inputPrompts: [] as string[],
    showInputBox: async (o: { prompt: string }) => {
      window.inputPrompts.push(o.prompt);
      return "Ada";
    },
    withProgress: async (_o: unknown, task: () => Promise<unknown>) => task(),
    onDidChangeActiveNotebookEditor: () => disposable,
    registerWebviewPanelSerializer: () => disposable,
    createWebviewPanel: (_type: string, title: string) => {
      const fromWebview = new Emitter<unknown>();
      const record: FakePanel = { title, sent: [], receive: (m) => fromWebview.fire(m) };
      panels.push(record);
      return {
        webview: {
          html: "",
          options: {},
          cspSource: "vscode-resource:",
          asWebviewUri: (u: Uri) => u,
          postMessage: async (m: unknown) => {
            record.sent.push(m);
            return true;
          },
          onDidReceiveMessage: fromWebview.event,
        },
        onDidDispose: () => disposable,
        reveal() {},
        dispose() {},
      };
    },
    showNotebookDocument: async (doc: unknown) => ({ notebook: doc }),
  };
  const fake: FakeVscode = {
    executed: [],
    opened: [],
    providers: {},
    controllers,
    commands,
    statusBar,
    rendererMessages,
    posted,
    errors,
    log,
    window,
    notebookDocuments: [],
    module: {},
    panels,
    settings: {},
  };
  fake.module = {
    Uri,
    NotebookCellOutput,
    NotebookCellOutputItem,
    Range,
    NotebookCellData,
    NotebookData,
    CompletionItem,
    MarkdownString,
    Hover,
    SignatureInformation,
    ParameterInformation,
    SignatureHelp,
    NotebookCellKind: { Markup: 1, Code: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { Window: 10, Notification: 15 },
    ViewColumn: { Beside: -2 },
    CompletionItemKind: { Variable: 5 },
    NotebookControllerAffinity: { Default: 1, Preferred: 2 },
    Disposable: {
      from: (...d: { dispose(): void }[]) => ({
        dispose: () => {
          for (const x of d) x.dispose();
        },
      }),
    },
    window,
    notebooks: {
      createNotebookController: (id: string, type: string, label: string) => {
        const c = new FakeController(id, type, label);
        controllers.push(c);
        return c;
      },
      createRendererMessaging: () => ({
        onDidReceiveMessage: rendererMessages.event,
        postMessage: async (message: unknown, editor: unknown) => {
          posted.push({ message, editor });
          return true;
        },
      }),
    },
    workspace: {
      getWorkspaceFolder: () => undefined,
      getConfiguration: (section: string) => ({
        get: (key: string) => fake.settings[`${section}.${key}`],
      }),
      get notebookDocuments() {
        return fake.notebookDocuments;
      },
      onDidCloseNotebookDocument: () => disposable,
      onDidOpenNotebookDocument: () => disposable,
      openNotebookDocument: async (type: string, data: NotebookData) => {
        fake.opened.push({ type, data });
        return { notebookType: type, data };
      },
    },
    commands: {
      registerCommand: (id: string, f: (...args: unknown[]) => unknown) => {
        commands.set(id, f);
        return disposable;
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        const f = commands.get(id);
        if (f) return f(...args);
        fake.executed.push([id, ...args]);
      },
    },
    languages: {
      registerCompletionItemProvider: (_s: unknown, p: unknown) => {
        fake.providers.completion = p;
        return disposable;
      },
      registerHoverProvider: (_s: unknown, p: unknown) => {
        fake.providers.hover = p;
        return disposable;
      },
      registerSignatureHelpProvider: (_s: unknown, p: unknown, meta: unknown) => {
        fake.providers.signature = p;
        fake.providers.signatureMeta = meta;
        return disposable;
      },
    },
  };
  return fake;
}

/** Makes `require("vscode")` return the fake while `run` loads modules. */
export function withVscode<T>(fake: FakeVscode, run: () => T): T {
  const M = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = M._load;
  M._load = function (request: string, ...rest: unknown[]) {
    if (request === "vscode") return fake.module;
    return original.call(this, request, ...rest);
  };
  try {
    return run();
  } finally {
    M._load = original;
  }
}
