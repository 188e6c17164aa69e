import { ValidationError } from '@dm-bridge/core';
import { HttpProblem } from './problem-details';

/** Bounds on one row and one field, so a hostile body cannot make the splitter hold megabytes. */
export interface SplitLimits {
  /** characters of one row (a JSON array element, a CSV record) */
  maxRowChars: number;
  /** characters of one CSV field */
  maxFieldChars: number;
}

export const DEFAULT_SPLIT_LIMITS: SplitLimits = { maxRowChars: 65536, maxFieldChars: 4096 };

/** The 413 for an oversized row or field; it never echoes the data. */
function rowTooLarge(what: string, line: number, limit: number): HttpProblem {
  return new HttpProblem(
    413,
    'import-row-too-large',
    `line ${line}: ${what} is longer than ${limit} characters; the import was stopped there`,
    { line, limit },
  );
}

/**
 * Incremental splitters for bulk imports: feed chunks, get complete rows, never hold the whole
 * body. JSON: the elements of one top-level array. CSV: RFC 4180 records (quoted fields with
 * commas, doubled quotes and line breaks).
 */
export interface RowSplitter {
  push(chunk: string): unknown[];
  end(): unknown[];
}

export class JsonArraySplitter implements RowSplitter {
  constructor(private readonly limits: SplitLimits = DEFAULT_SPLIT_LIMITS) {}
  private line = 1;
  private rowChars = 0;
  private started = false;
  private finished = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private current = '';

  push(chunk: string): unknown[] {
    const rows: unknown[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === '\n') this.line++;
      if (this.started && !this.finished && ++this.rowChars > this.limits.maxRowChars)
        throw rowTooLarge('an array element', this.line, this.limits.maxRowChars);
      if (!this.started) {
        if (c === '[') {
          this.started = true;
          start = i + 1;
        } else if (!/\s/.test(c) && c !== '\ufeff') {
          throw new ValidationError('invalid-import', 'a JSON import must be an array of devices');
        }
        continue;
      }
      if (this.finished) {
        if (!/\s/.test(c))
          throw new ValidationError('invalid-import', 'unexpected data after the JSON array');
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        if (this.depth === 0 && c === ']') {
          this.emit(this.current + chunk.slice(start, i), rows);
          this.current = '';
          this.finished = true;
          this.rowChars = 0;
          continue;
        }
        this.depth--;
      } else if (c === ',' && this.depth === 0) {
        this.emit(this.current + chunk.slice(start, i), rows);
        this.current = '';
        this.rowChars = 0;
        start = i + 1;
      }
    }
    if (this.started && !this.finished) this.current += chunk.slice(start);
    return rows;
  }

  private emit(text: string, rows: unknown[]): void {
    const t = text.trim();
    if (!t) return;
    try {
      rows.push(JSON.parse(t));
    } catch {
      rows.push(new ValidationError('invalid-json', 'row is not valid JSON'));
    }
  }

  end(): unknown[] {
    if (!this.finished) throw new ValidationError('invalid-import', 'the JSON array is not closed');
    return [];
  }
}

const ADDRESS_COLUMNS = [
  'msisdn',
  'mac',
  'ip',
  'port',
  'devId',
  'serverId',
  'imsi',
  'authScheme',
  'clientAuth',
  'serverAuth',
  'pinPolicy',
  'bind',
];
const CREDENTIAL_COLUMNS = [
  'clientUsername',
  'clientPassword',
  'serverPassword',
  'clientNonce',
  'serverNonce',
  'userPin',
  'username',
  'password',
];

/** CSV with a header row naming columns: id, protocol, profile, model, tags (`;`-separated), addressing and credential fields. */
export class CsvSplitter implements RowSplitter {
  constructor(private readonly limits: SplitLimits = DEFAULT_SPLIT_LIMITS) {}
  private line = 1;
  private recordChars = 0;
  private header?: string[];
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  private quotePending = false;

  push(chunk: string): unknown[] {
    const rows: unknown[] = [];
    const { maxRowChars, maxFieldChars } = this.limits;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (++this.recordChars > maxRowChars) throw rowTooLarge('a record', this.line, maxRowChars);
      if (this.field.length > maxFieldChars) throw rowTooLarge('a field', this.line, maxFieldChars);
      if (c === '\n') this.line++;
      if (this.quotePending) {
        this.quotePending = false;
        if (c === '"') {
          this.field += '"';
          continue;
        }
        this.inQuotes = false;
      }
      if (this.inQuotes) {
        if (c === '"') this.quotePending = true;
        else this.field += c;
        continue;
      }
      if (c === '"' && this.field === '') this.inQuotes = true;
      else if (c === ',') {
        this.record.push(this.field);
        this.field = '';
      } else if (c === '\n') this.endRecord(rows);
      else if (c !== '\r' && c !== '\ufeff') this.field += c;
    }
    return rows;
  }

  private endRecord(rows: unknown[]): void {
    if (this.field.length > this.limits.maxFieldChars)
      throw rowTooLarge('a field', this.line, this.limits.maxFieldChars);
    this.recordChars = 0;
    this.record.push(this.field);
    this.field = '';
    const rec = this.record;
    this.record = [];
    if (rec.length === 1 && rec[0].trim() === '') return;
    if (!this.header) {
      this.header = rec.map((h) => h.trim());
      return;
    }
    rows.push(this.toDevice(rec));
  }

  private toDevice(rec: string[]): unknown {
    const d: Record<string, any> = { addressing: {}, credentials: {} };
    this.header!.forEach((name, i) => {
      const v = (rec[i] ?? '').trim();
      if (v === '') return;
      if (ADDRESS_COLUMNS.includes(name)) d.addressing[name] = v;
      else if (CREDENTIAL_COLUMNS.includes(name)) d.credentials[name] = v;
      else if (name === 'tags')
        d.tags = v
          .split(/[;|]/)
          .map((t) => t.trim())
          .filter(Boolean);
      else d[name] = v;
    });
    return d;
  }

  end(): unknown[] {
    const rows: unknown[] = [];
    if (this.inQuotes && !this.quotePending)
      throw new ValidationError('invalid-import', 'unterminated quoted CSV field');
    this.quotePending = false;
    this.inQuotes = false;
    if (this.field !== '' || this.record.length) this.endRecord(rows);
    return rows;
  }
}
