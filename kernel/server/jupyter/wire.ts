// Jupyter messages on the wire: identities, the `<IDS|MSG>` delimiter, an HMAC signature over the
// four JSON parts, then binary buffers
// (https://jupyter-client.readthedocs.io/en/stable/messaging.html#the-wire-protocol).

import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = "<IDS|MSG>";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: any;
  buffers: Buffer[];
}

export class Signer {
  private readonly algorithm: string | null;
  constructor(
    private readonly key: string,
    scheme: string,
  ) {
    if (key === "") this.algorithm = null;
    else if (scheme.startsWith("hmac-")) this.algorithm = scheme.slice("hmac-".length);
    else throw new Error(`unsupported Jupyter signature scheme '${scheme}' (expected hmac-sha256)`);
  }

  sign(parts: Buffer[]): string {
    if (this.algorithm === null) return "";
    const hmac = createHmac(this.algorithm, this.key);
    for (const p of parts) hmac.update(p);
    return hmac.digest("hex");
  }

  verify(signature: string, parts: Buffer[]): boolean {
    if (this.algorithm === null) return true;
    const expected = Buffer.from(this.sign(parts));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/**
 * Signatures of the signed messages received so far, to refuse a replayed message: a captured
 * message sent again carries a valid signature, and would run again. As ipykernel's digest
 * history, bounded (the oldest are forgotten first).
 */
export class SignatureHistory {
  private readonly seen = new Set<string>();
  constructor(private readonly limit = 1 << 16) {}

  /** Records `signature`; false when it was seen before. */
  add(signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.limit) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}

/**
 * Parses frames received on a ROUTER socket; throws on a bad signature, a malformed message, or
 * (given a history) a signature seen before.
 */
export function decode(frames: Buffer[], signer: Signer, history?: SignatureHistory): Message {
  const d = frames.findIndex((f) => f.length === DELIMITER.length && f.toString() === DELIMITER);
  if (d < 0 || frames.length < d + 6) throw new Error("malformed Jupyter message: no <IDS|MSG> delimiter");
  const [signature, header, parent, metadata, content] = frames.slice(d + 1, d + 6);
  if (!signer.verify(signature.toString(), [header, parent, metadata, content])) {
    throw new Error("Jupyter message with an invalid signature (is the connection file's key right?)");
  }
  const sig = signature.toString();
  if (history !== undefined && sig !== "" && !history.add(sig)) {
    throw new Error(
      `Jupyter message refused: duplicate signature ${sig.slice(0, 16)}... (a replayed message)`,
    );
  }
  return {
    identities: frames.slice(0, d),
    header: JSON.parse(header.toString()),
    parent_header: JSON.parse(parent.toString()),
    metadata: JSON.parse(metadata.toString()),
    content: JSON.parse(content.toString()),
    buffers: frames.slice(d + 6),
  };
}

export function makeHeader(msgType: string, session: string): Header {
  return {
    msg_id: randomUUID(),
    session,
    username: "receptive",
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** Frames for a message of `msgType` replying to (or caused by) `parent`. */
export function encode(
  signer: Signer,
  identities: Buffer[],
  header: Header,
  parent: Header | Record<string, never>,
  content: unknown,
  metadata: Record<string, unknown> = {},
): Buffer[] {
  const parts = [header, parent, metadata, content].map((p) => Buffer.from(JSON.stringify(p)));
  return [...identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts];
}
