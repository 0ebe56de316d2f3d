// The contract between the renderer entry point and each view: a view draws one payload into an
// element and may update in place when a new payload for the same output arrives.

export interface ViewHost {
  /** The output element VS Code gave us (already emptied). */
  element: HTMLElement;
  /** Present when the notebook's kernel side can receive messages (requiresMessaging: optional). */
  postMessage?: (message: unknown) => void;
  /** Subscribes to messages from the extension; returns an unsubscribe function. */
  onMessage?: (listener: (message: unknown) => void) => () => void;
}

export interface View {
  /** Redraws with a newer payload of the same kind; false when it cannot (then the view is rebuilt). */
  update?(payload: unknown): boolean | Promise<boolean>;
  dispose(): void;
}

export type ViewFactory = (payload: unknown, host: ViewHost) => View | Promise<View>;
