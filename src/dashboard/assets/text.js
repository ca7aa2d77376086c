// Text from Redis made safe to show, shared by the dashboard page and the streamq CLI (one pure
// module, plain JavaScript so the browser loads it as it is; text.d.ts types it for TypeScript).
// Stream names, group names, payloads and reasons are data: any of them may hold control
// characters (which move a terminal's cursor, forge lines or vanish on a page) or Unicode bidi
// controls (which reorder what follows, so `evil<U+202E>txt.exe` reads as `evilexe.txt`).

// C0 controls, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the implicit marks
// (U+200E, U+200F, U+061C), and the line and paragraph separators (U+2028, U+2029).
const INVISIBLE_LAYOUT = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]/g;
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex2 = (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
const hex4 = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Replaces bidi controls and line/paragraph separators with visible `\uXXXX` escapes. */
export function neutralizeBidi(text) {
  return String(text).replace(INVISIBLE_LAYOUT, hex4);
}

/**
 * One line of text safe to show: control characters become visible escapes (`\n`, `\r`, `\t`,
 * else `\xNN`) and bidi controls become `\uXXXX`. Everything else is kept as it is.
 */
export function displayText(text) {
  return neutralizeBidi(text).replace(CONTROL, (c) => NAMED[c] ?? hex2(c));
}

/** Like {@link displayText} but keeps line feeds and tabs, for multi-line blocks (pretty JSON). */
export function displayBlock(text) {
  return neutralizeBidi(text).replace(CONTROL, (c) => (c === '\n' || c === '\t' ? c : NAMED[c] ?? hex2(c)));
}
