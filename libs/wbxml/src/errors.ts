/** Why a WBXML document was rejected; stable strings so callers can branch on them. */
export type WbxmlErrorCode =
  | 'truncated'
  | 'overlong-integer'
  | 'string-table-range'
  | 'unknown-token'
  | 'unexpected-end'
  | 'depth-limit'
  | 'size-limit'
  | 'length-past-buffer'
  | 'unsupported-charset'
  | 'unsupported-version'
  | 'trailing-data'
  | 'no-language'
  | 'invalid-tree'
  /** a bug in the codec, reported as a typed error rather than a crash */
  | 'internal';

/** A WBXML decode or encode failure. `offset` is the byte offset where the problem was found. */
export class WbxmlError extends Error {
  override readonly name = 'WbxmlError';
  constructor(
    readonly code: WbxmlErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
  }
}

/** Malformed XML text. `offset` is the character index; line and column are 1-based. */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  readonly line: number;
  readonly column: number;
  constructor(
    message: string,
    readonly offset: number,
    source: string,
  ) {
    let line = 1;
    let lineStart = 0;
    const end = Math.min(offset, source.length);
    for (let i = 0; i < end; i++) {
      if (source.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    const column = end - lineStart + 1;
    super(`${message} (line ${line}, column ${column})`);
    this.line = line;
    this.column = column;
  }
}
