/**
 * Message ⇄ stream fields. A streamq message is one or two fields, kept short because
 * per-message overhead matters: `d` holds the payload as JSON, `h` the headers as JSON (only
 * when there are headers). Any other shape is a foreign entry (written by redis-cli, go-redis,
 * Python…): it is delivered with its raw fields, its `data` being those fields as an object.
 */
import { DecodeError, EncodeError, PayloadTooLargeError } from './errors.js';

/** Field holding the JSON payload. */
export const DATA_FIELD = 'd';
/** Field holding the JSON headers. */
export const HEADERS_FIELD = 'h';

/** Message headers: string keys and values (trace context, custom metadata). */
export type Headers = Record<string, string>;

/** Default limit of an encoded message's size: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Turns a payload into a JSON string, or throws {@link EncodeError} naming why it cannot be. */
export function encodeJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new EncodeError(`Cannot encode the ${what} as JSON: ${(error as Error).message}`, { cause: error });
  }
  if (json === undefined) throw new EncodeError(`Cannot encode the ${what} as JSON: ${typeof value} has no JSON form`);
  return json;
}

/** Checks headers and returns their JSON, or `undefined` when there are none. */
export function encodeHeaders(headers: Headers | undefined): string | undefined {
  if (headers === undefined) return undefined;
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    throw new EncodeError('Cannot encode the headers: expected an object of string values');
  }
  let empty = true;
  for (const key in headers) {
    empty = false;
    if (typeof headers[key] !== 'string') throw new EncodeError(`Cannot encode the headers: header "${key}" is not a string`);
  }
  return empty ? undefined : JSON.stringify(headers);
}

/** Throws {@link PayloadTooLargeError} when the encoded parts exceed `maxBytes` (UTF-8). */
export function checkSize(utf16Length: number, maxBytes: number, json: string, headerJson: string | undefined): void {
  // A UTF-16 length bounds the UTF-8 size from below and 3× from above: count bytes only near the limit.
  if (utf16Length * 3 <= maxBytes) return;
  const bytes = Buffer.byteLength(json) + (headerJson === undefined ? 0 : Buffer.byteLength(headerJson));
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(`The message is ${bytes} bytes encoded, more than maxPayloadBytes (${maxBytes})`);
  }
}

/**
 * The stream fields of a message, flat (`[field, value, …]`), as XADD takes them.
 * Throws {@link EncodeError} or {@link PayloadTooLargeError}; nothing is sent then.
 */
export function encodeMessage(data: unknown, headers: Headers | undefined, maxBytes: number): string[] {
  const json = encodeJson(data, 'payload');
  const headerJson = encodeHeaders(headers);
  checkSize(json.length + (headerJson?.length ?? 0), maxBytes, json, headerJson);
  return headerJson === undefined ? [DATA_FIELD, json] : [DATA_FIELD, json, HEADERS_FIELD, headerJson];
}

/** What a stream entry decodes to. */
export interface DecodedEntry {
  /** The payload: parsed JSON for streamq entries, the fields object for foreign ones. */
  data: unknown;
  /** The headers (empty when none). */
  headers: Headers;
  /** Whether the entry was written by another client in another shape. */
  foreign: boolean;
}

/** Flat `[field, value, …]` → object (a repeated field keeps its last value). */
export function fieldsToObject(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i] as string;
    // A field named `__proto__` is data like any other: assigning it would set the prototype instead.
    if (field === '__proto__') Object.defineProperty(fields, field, { value: flat[i + 1], enumerable: true, writable: true, configurable: true });
    else fields[field] = flat[i + 1] as string;
  }
  return fields;
}

const EMPTY_HEADERS: Headers = Object.freeze({}) as Headers;

/** Whether flat fields have streamq's shape: `d` first, then optionally `h`, and nothing else. */
export function isStreamqShape(flat: readonly string[]): boolean {
  if (flat[0] !== DATA_FIELD) return false;
  return flat.length === 2 || (flat.length === 4 && flat[2] === HEADERS_FIELD);
}

/**
 * Decodes flat entry fields. Throws {@link DecodeError} when a streamq-shaped entry holds invalid
 * JSON; the consumer then dead-letters it with that reason.
 */
export function decodeEntry(flat: readonly string[], raw: boolean): DecodedEntry {
  const ours = isStreamqShape(flat);
  if (raw || !ours) return { data: fieldsToObject(flat), headers: EMPTY_HEADERS, foreign: !ours };
  let data: unknown;
  try {
    data = JSON.parse(flat[1] as string);
  } catch (error) {
    throw new DecodeError(`Field "${DATA_FIELD}" is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (flat.length === 2) return { data, headers: EMPTY_HEADERS, foreign: false };
  let headers: unknown;
  try {
    headers = JSON.parse(flat[3] as string);
  } catch (error) {
    throw new DecodeError(`Field "${HEADERS_FIELD}" is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    throw new DecodeError(`Field "${HEADERS_FIELD}" is not a JSON object`);
  }
  for (const [key, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw new DecodeError(`Field "${HEADERS_FIELD}" is not a JSON object of strings: header "${key}" is a ${value === null ? 'null' : typeof value}`);
  }
  return { data, headers: headers as Headers, foreign: false };
}
