// Phoenix channel frames as realtime-js speaks them: vsn 1.0.0 JSON objects, vsn 2.0.0
// JSON arrays, plus the vsn 2.0.0 binary broadcast frames (kind 3 from the client,
// kind 4 to the client; layout in shared/reference/supabase-wire.md).

export type ProtocolVersion = "1.0.0" | "2.0.0";
export const SUPPORTED_VERSIONS: readonly ProtocolVersion[] = ["1.0.0", "2.0.0"];

export interface PhoenixMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

export type PayloadEncoding = "json" | "raw";

/** A client's binary broadcast push (kind 3): the user event and its undecoded payload bytes. */
export interface BinaryBroadcastPush {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  userEvent: string;
  encoding: PayloadEncoding;
  payloadBytes: Buffer;
}

export class MalformedFrameError extends Error {
  constructor(
    message: string,
    /** Enough of the frame to address a reply, when it could be read. */
    readonly partial?: { ref: string | null; topic: string },
  ) {
    super(message);
    this.name = "MalformedFrameError";
  }
}

const USER_BROADCAST_PUSH = 3;
const USER_BROADCAST = 4;
const RAW_ENCODING = 0;
const JSON_ENCODING = 1;
const PUSH_HEADER_LENGTH = 7;

function refValue(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new MalformedFrameError(`${field} must be a string or null`);
}

export function decodeTextFrame(text: string, version: ProtocolVersion): PhoenixMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedFrameError("frame is not valid JSON");
  }
  let fields: [unknown, unknown, unknown, unknown, unknown];
  if (version === "2.0.0") {
    if (!Array.isArray(parsed) || parsed.length !== 5) {
      throw new MalformedFrameError("vsn 2.0.0 frames are [join_ref, ref, topic, event, payload]");
    }
    fields = parsed as typeof fields;
  } else {
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new MalformedFrameError("vsn 1.0.0 frames are {join_ref, ref, topic, event, payload} objects");
    }
    const object = parsed as Record<string, unknown>;
    fields = [object.join_ref, object.ref, object.topic, object.event, object.payload];
  }
  const [joinRef, ref, topic, event, payload] = fields;
  const replyRef = refValue(ref, "ref");
  if (typeof topic !== "string" || topic.length === 0) throw new MalformedFrameError("topic must be a non-empty string");
  if (typeof event !== "string" || event.length === 0) {
    throw new MalformedFrameError("event must be a non-empty string", { ref: replyRef, topic });
  }
  return { joinRef: refValue(joinRef, "join_ref"), ref: replyRef, topic, event, payload: payload ?? {} };
}

export function decodeBinaryPush(frame: Buffer): BinaryBroadcastPush {
  if (frame.length < PUSH_HEADER_LENGTH) throw new MalformedFrameError("binary frame shorter than its header");
  const kind = frame[0];
  if (kind !== USER_BROADCAST_PUSH) throw new MalformedFrameError(`binary frame kind ${kind} is not a broadcast push (3)`);
  const [joinRefLength, refLength, topicLength, eventLength, metaLength, encodingByte] = frame.subarray(1, PUSH_HEADER_LENGTH);
  const payloadStart = PUSH_HEADER_LENGTH + joinRefLength + refLength + topicLength + eventLength + metaLength;
  if (payloadStart > frame.length) throw new MalformedFrameError("binary frame header lengths exceed the frame");
  if (encodingByte !== RAW_ENCODING && encodingByte !== JSON_ENCODING) {
    throw new MalformedFrameError(`unknown payload encoding ${encodingByte}`);
  }
  let offset = PUSH_HEADER_LENGTH;
  const take = (length: number) => {
    const text = frame.subarray(offset, offset + length).toString("utf8");
    offset += length;
    return text;
  };
  const joinRef = take(joinRefLength);
  const ref = take(refLength);
  const topic = take(topicLength);
  const userEvent = take(eventLength);
  take(metaLength);
  if (topic.length === 0) throw new MalformedFrameError("binary frame without a topic");
  if (userEvent.length === 0) throw new MalformedFrameError("binary frame without an event", { ref: ref || null, topic });
  return {
    joinRef: joinRef || null,
    ref: ref || null,
    topic,
    userEvent,
    encoding: encodingByte === JSON_ENCODING ? "json" : "raw",
    payloadBytes: frame.subarray(payloadStart),
  };
}

export function encodeTextFrame(message: PhoenixMessage, version: ProtocolVersion): string {
  if (version === "2.0.0") {
    return JSON.stringify([message.joinRef, message.ref, message.topic, message.event, message.payload]);
  }
  return JSON.stringify({
    join_ref: message.joinRef,
    ref: message.ref,
    topic: message.topic,
    event: message.event,
    payload: message.payload,
  });
}

/** Kind 4 frame; the client decodes it into a `broadcast` for the topic. */
export function encodeBinaryBroadcast(input: {
  topic: string;
  userEvent: string;
  meta: Record<string, unknown> | undefined;
  encoding: PayloadEncoding;
  payloadBytes: Buffer;
}): Buffer {
  const topic = Buffer.from(input.topic, "utf8");
  const userEvent = Buffer.from(input.userEvent, "utf8");
  const meta = Buffer.from(input.meta ? JSON.stringify(input.meta) : "", "utf8");
  if (topic.length > 255 || userEvent.length > 255 || meta.length > 255) {
    throw new Error("topic, event and meta of a binary broadcast are limited to 255 bytes each");
  }
  const header = Buffer.from([
    USER_BROADCAST,
    topic.length,
    userEvent.length,
    meta.length,
    input.encoding === "json" ? JSON_ENCODING : RAW_ENCODING,
  ]);
  return Buffer.concat([header, topic, userEvent, meta, input.payloadBytes]);
}

/** A JSON object (not an array, not null): payload fields are read only from these. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
