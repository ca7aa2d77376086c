/** Types of text.js (plain JavaScript shared by the dashboard page and the CLI). */

/** Replaces bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and U+2028/U+2029 with visible `\uXXXX` escapes. */
export declare function neutralizeBidi(text: string): string;
/** One line of text safe to show: control characters become `\n`, `\r`, `\t` or `\xNN`; bidi controls become `\uXXXX`. */
export declare function displayText(text: string): string;
/** Like {@link displayText} but keeps line feeds and tabs, for multi-line blocks. */
export declare function displayBlock(text: string): string;
