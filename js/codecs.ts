// Codecs of the JS API. JSON uses the platform's JSON (the fastest there is);
// MessagePack is a module of its own (js/msgpack.ts); any { encode, decode }
// object is a codec too.
import { isArrayBuffer } from "./frames.js";
import type { CodecObject, FrameData } from "./types.js";

let decoder: TextDecoder | undefined;
const utf8 = (data: ArrayBuffer): string => (decoder ??= new TextDecoder()).decode(data);
const isBinary = (m: unknown): m is ArrayBuffer | ArrayBufferView => isArrayBuffer(m) || ArrayBuffer.isView(m);

function fail(message: string): never {
  throw new TypeError(message);
}

const CODECS: Record<string, CodecObject> = {
  json: {
    encode(message) {
      const text = JSON.stringify(message) as string | undefined;
      return text === undefined ? fail(`${typeof message} is not JSON`) : text;
    },
    decode: (data) => JSON.parse(typeof data === "string" ? data : utf8(data)),
  },
  text: {
    encode: (message) => (typeof message === "string" ? message : fail(`the text codec sends strings, not ${typeof message}`)),
    decode: (data) => (typeof data === "string" ? data : fail("expected a text frame, got a binary one")),
  },
  binary: {
    encode: (message) => (isBinary(message) ? message : fail("the binary codec sends an ArrayBuffer or a typed array")),
    decode: (data) => (typeof data === "string" ? fail("expected a binary frame, got a text one") : data),
  },
  raw: {
    encode: (message): FrameData =>
      typeof message === "string" || isBinary(message) ? message : fail("send() takes a string, an ArrayBuffer or a typed array"),
    decode: (data) => data,
  },
};

export function codecFor(name: unknown = "json"): CodecObject {
  if (name && typeof name === "object") {
    const c = name as Partial<CodecObject>;
    if (typeof c.encode === "function" && typeof c.decode === "function") return c as CodecObject;
  }
  if (name === "msgpack") {
    throw new TypeError('the MessagePack codec is a module of its own: import { msgpack } from "steadysocket/msgpack" and pass codec: msgpack');
  }
  const codec = typeof name === "string" && Object.hasOwn(CODECS, name) ? CODECS[name] : undefined;
  if (!codec) {
    throw new TypeError(`option codec must be "json", "text", "binary" or an object with encode and decode, got ${JSON.stringify(name)}`);
  }
  return codec;
}

/** A short preview of a frame for decode errors. */
export function preview(data: string | ArrayBuffer): string {
  if (typeof data === "string") return data.length > 64 ? `${data.slice(0, 64)}…` : data;
  const bytes = new Uint8Array(data).subarray(0, 32);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
