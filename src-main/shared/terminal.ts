// Making untrusted text safe to print on a terminal (docs/security.md): a file name may hold escape
// sequences (ESC [ … , C1 CSI 0x9b), carriage returns or bidi overrides that rewrite what the user
// sees. The CLI shows every such character as a visible escape instead. Pure: no Node, no DOM.

/** C0 controls but tab and newline, DEL, C1 controls, line/paragraph separators and bidi controls. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
/** The same set, plus tab and newline, for text that must stay on one line (a name inside a message). */
const UNSAFE_INLINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

function visible(c: string): string {
  const n = c.codePointAt(0)!;
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** Text for a terminal: newlines and tabs stay, every other control character becomes `\xNN` / `\uNNNN`. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** One-line form of an untrusted name (a file name in a message): newlines are escaped too. */
export function escapeInline(text: string): string {
  return text.replace(UNSAFE_INLINE, visible);
}

/**
 * JSON that is also safe on a terminal: JSON.stringify already escapes C0 controls, and this escapes
 * DEL, C1 and bidi controls as \uNNNN too (still valid JSON that parses to the same value).
 */
export function terminalJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(UNSAFE_INLINE, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
