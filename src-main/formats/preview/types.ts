// Shared shapes of the byte-viewer view models: a half-open byte range and the parse issues every
// decoder reports when it can read only part of a file.

/** Bytes [start, end) of the file a decoded element came from. */
export interface ByteSpan {
  start: number;
  end: number;
}

/** Why part of a file could not be decoded; `offset` is where the reader gave up (when known). */
export interface ParseIssue {
  message: string;
  offset: number | null;
}

export function issue(message: string, offset: number | null = null): ParseIssue {
  return { message, offset };
}
