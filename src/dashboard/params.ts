/** A request parameter that is missing or invalid: answered with 400. */
export class BadRequest extends Error {
  /** A short machine-readable code for the JSON error. */
  readonly code: string;
  constructor(message: string, code = 'bad_request') {
    super(message);
    this.name = 'BadRequest';
    this.code = code;
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const ID = /^\d{1,20}(-\d{1,20})?$/;
const BOUND = /^(\(?\d{1,20}(-\d{1,20})?|-|\+)$/;

/**
 * Validates a stream, group or consumer name a request reads: any non-empty text. Names come
 * from Redis (the page lists what SCAN and XINFO return, control characters and 5,000-character
 * names included): reading them must work.
 */
export const readName = (value: string, what: string): string => {
  if (value.length === 0) throw new BadRequest(`invalid ${what} name: empty`);
  return value;
};

/** Validates a stream name a request writes to (replay, purge): 1–1024 characters, no control characters. */
export const validName = (value: string, what: string): string => {
  if (value.length === 0 || value.length > 1024 || CONTROL.test(value)) throw new BadRequest(`invalid ${what} name`);
  return value;
};

/** Decodes one percent-encoded path segment, or throws {@link BadRequest}. */
export const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequest('malformed percent-encoding in the path');
  }
};

/** Whether `id` is a stream entry ID. */
export const isEntryId = (id: string): boolean => ID.test(id);

/** A range bound from the query (`-`, `+`, an ID or `(ID`), or `fallback` when absent. */
export const bound = (query: URLSearchParams, name: string, fallback: string): string => {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  if (!BOUND.test(value)) throw new BadRequest(`${name} must be an entry ID, - or +`);
  return value;
};

/** An integer from the query within [min, max], or `fallback` when absent. */
export const int = (query: URLSearchParams, name: string, fallback: number | undefined, min: number, max: number): number | undefined => {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new BadRequest(`${name} must be an integer between ${min} and ${max}`);
  return n;
};

/** A boolean from the query (`true`/`1`/`false`/`0`), or `fallback` when absent. */
export const flag = (query: URLSearchParams, name: string, fallback: boolean): boolean => {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new BadRequest(`${name} must be true or false`);
};

/** The body of a replay/purge request: some IDs, or all. */
export type Selection = { ids: string[] } | { all: true };

/** Validates a replay/purge body: `{ "ids": [...] }` (1–10 000 entry IDs) or `{ "all": true }`. */
export const selection = (body: unknown): Selection => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the body must be a JSON object');
  const { ids, all } = body as { ids?: unknown; all?: unknown };
  if (all === true && ids === undefined) return { all: true };
  if (all !== undefined && all !== false) throw new BadRequest('give "ids" or "all": true, not both');
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 10_000) throw new BadRequest('"ids" must be a non-empty array of at most 10000 entry IDs');
  if (!ids.every((id): id is string => typeof id === 'string' && ID.test(id))) throw new BadRequest('every id must be an entry ID such as 1700000000000-0');
  return { ids };
};

/** A free-text query parameter (a search), at most 1000 characters, or `undefined` when absent or empty. */
export const text = (query: URLSearchParams, name: string): string | undefined => {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (value.length > 1000) throw new BadRequest(`${name} must be at most 1000 characters`);
  return value;
};

/** A JSON object body, or {@link BadRequest}. */
export const objectBody = (body: unknown): Record<string, unknown> => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the body must be a JSON object');
  return body as Record<string, unknown>;
};

/** A string field of a body: a name (1–1024 characters, no control characters) unless `free`. */
export const bodyString = (body: Record<string, unknown>, name: string, options: { optional?: boolean; max?: number } = {}): string | undefined => {
  const value = body[name];
  if (value === undefined && options.optional) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > (options.max ?? 1024)) throw new BadRequest(`"${name}" must be a string of 1 to ${options.max ?? 1024} characters`);
  return value;
};

/** An integer field of a body within [min, max], or `undefined` when absent. */
export const bodyInt = (body: Record<string, unknown>, name: string, min: number, max: number): number | undefined => {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new BadRequest(`"${name}" must be an integer between ${min} and ${max}`);
  return value;
};

/** The `ids` of a body: 1–10 000 entry IDs. */
export const bodyIds = (body: Record<string, unknown>): string[] => {
  const ids = body.ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 10_000) throw new BadRequest('"ids" must be a non-empty array of at most 10000 entry IDs');
  if (!ids.every((id): id is string => typeof id === 'string' && ID.test(id))) throw new BadRequest('every id must be an entry ID such as 1700000000000-0');
  return ids;
};

const MAX_SEQ = 18446744073709551615n;

/**
 * A range bound with an exclusive `(ID` turned into the inclusive ID next to it (the Admin API
 * takes inclusive IDs): the next ID up for a `start`, the next ID down for an `end`.
 */
export const inclusive = (value: string, side: 'start' | 'end'): string => {
  if (!value.startsWith('(')) return value;
  const [msText, seqText] = value.slice(1).split('-');
  const ms = BigInt(msText ?? '0');
  const seq = seqText === undefined ? (side === 'start' ? MAX_SEQ : 0n) : BigInt(seqText);
  if (side === 'start') return seq === MAX_SEQ ? `${ms + 1n}-0` : `${ms}-${seq + 1n}`;
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms === 0n ? '0-0' : `${ms - 1n}-${MAX_SEQ}`;
};
