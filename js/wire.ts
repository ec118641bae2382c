// The resume protocol's frames and their bytes (docs/PROTOCOL.md), for the
// server adapter (js/server.ts). The client's are the engine's, in Rust; both
// are tested against the test vectors in PROTOCOL.md.

/** The subprotocol token that turns resume on. */
export const SUBPROTOCOL = "steadysocket.resume.v1";
/** The close code for a broken protocol: the client resyncs, with backoff. */
export const CLOSE_PROTOCOL_ERROR = 4400;
/** The close code for a connection a later resume replaced. */
export const CLOSE_SUPERSEDED = 4409;

/** The welcome's outcomes. */
export const Outcome = Object.freeze({ New: 0, Resumed: 1, Failed: 2 } as const);
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export type WireFrame =
  // Binary data; a text message is a WebSocket text frame of its own.
  | { type: "data"; ack?: number; payload: Uint8Array }
  | { type: "ack"; ack: number }
  | { type: "hello"; resume?: { session: Uint8Array; last: number } }
  | { type: "welcome"; outcome: Outcome; session: Uint8Array; last: number }
  | { type: "ping" }
  | { type: "pong" };

const DATA = 0x00;
const DATA_WITH_ACK = 0x02;
const ACK = 0x10;
const HELLO = 0x20;
const WELCOME = 0x21;
const PING = 0x30;
const PONG = 0x31;

/** A malformed frame. */
export class WireError extends Error {}

/**
 * Sequence numbers as JS numbers: exact up to 2^53 - 1, which no session
 * reaches (a million messages a second for 285 years). A larger one on the
 * wire is refused as out of range.
 */
function varint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

function sessionId(out: number[], id: Uint8Array): void {
  out.push(id.length);
  for (const b of id) out.push(b);
}

/** The bytes of a frame. */
export function encode(frame: WireFrame): Uint8Array {
  const out: number[] = [];
  switch (frame.type) {
    case "data": {
      out.push(frame.ack !== undefined ? DATA_WITH_ACK : DATA);
      if (frame.ack !== undefined) varint(out, frame.ack);
      const head = Uint8Array.from(out);
      const bytes = new Uint8Array(head.length + frame.payload.length);
      bytes.set(head);
      bytes.set(frame.payload, head.length);
      return bytes;
    }
    case "ack":
      out.push(ACK);
      varint(out, frame.ack);
      break;
    case "hello":
      out.push(HELLO);
      if (frame.resume === undefined) varint(out, 0);
      else {
        varint(out, 1);
        sessionId(out, frame.resume.session);
        varint(out, frame.resume.last);
      }
      break;
    case "welcome":
      out.push(WELCOME);
      varint(out, frame.outcome);
      sessionId(out, frame.session);
      varint(out, frame.last);
      break;
    case "ping":
      out.push(PING);
      break;
    case "pong":
      out.push(PONG);
      break;
  }
  return Uint8Array.from(out);
}

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new WireError("a frame cut short");
    return this.bytes[this.at++];
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      const group = b & 0x7f;
      if (i === 9 && group > 1) throw new WireError("a number beyond 2^64 - 1");
      n += group * scale;
      scale *= 0x80;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new WireError("an overlong number");
        if (!Number.isSafeInteger(n)) throw new WireError("a number beyond 2^53 - 1");
        return n;
      }
    }
    throw new WireError("a number longer than 10 bytes");
  }

  sessionId(): Uint8Array {
    const n = this.byte();
    if (n < 16 || n > 64) throw new WireError("a session id of the wrong length");
    if (this.bytes.length - this.at < n) throw new WireError("a frame cut short");
    const id = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return id;
  }

  end(): void {
    if (this.at !== this.bytes.length) throw new WireError("bytes after the end of the frame");
  }
}

/** The frame these bytes hold; throws a WireError for malformed ones. */
export function decode(bytes: Uint8Array): WireFrame {
  const r = new Reader(bytes);
  const first = r.byte();
  if (first === DATA || first === DATA_WITH_ACK) {
    const ack = first === DATA_WITH_ACK ? r.varint() : undefined;
    return { type: "data", ...(ack !== undefined && { ack }), payload: bytes.subarray(r.at) };
  }
  let frame: WireFrame;
  switch (first) {
    case ACK:
      frame = { type: "ack", ack: r.varint() };
      break;
    case PING:
      frame = { type: "ping" };
      break;
    case PONG:
      frame = { type: "pong" };
      break;
    case HELLO: {
      const flags = r.varint();
      if (flags === 0) frame = { type: "hello" };
      else if (flags === 1) {
        const session = r.sessionId();
        frame = { type: "hello", resume: { session, last: r.varint() } };
      } else throw new WireError("a hello with unknown flags");
      break;
    }
    case WELCOME: {
      const outcome = r.varint();
      if (outcome > 2) throw new WireError("a welcome with an unknown outcome");
      const session = r.sessionId();
      frame = { type: "welcome", outcome: outcome as Outcome, session, last: r.varint() };
      break;
    }
    default:
      throw new WireError("an unknown frame type");
  }
  r.end();
  return frame;
}

/** Whether the server picked resume, and the application's protocol ("" for none). */
export function chosen(protocol: string): { resume: boolean; app: string } {
  if (protocol === SUBPROTOCOL) return { resume: true, app: "" };
  if (protocol.startsWith(SUBPROTOCOL + "~")) return { resume: true, app: protocol.slice(SUBPROTOCOL.length + 1) };
  return { resume: false, app: protocol };
}
