/**
 * Reads the Invite many CSV file: a header naming the columns (`email`, `displayName`, optional
 * `groups`, `message`, `until`), then one guest per line. Parsed by csv-parse, so quoting, commas
 * inside quotes and line breaks inside quoted fields follow RFC 4180; what is wrong with the file
 * comes back as one sentence naming the line.
 */
import { CsvError, parse } from 'csv-parse/sync';

/** The most rows one batch takes. */
export const MAX_BATCH_ROWS = 1000;
/** The largest file accepted: 1,000 rows with long messages fit comfortably. */
export const MAX_CSV_BYTES = 1024 * 1024;

export const CSV_COLUMNS = ['email', 'displayName', 'groups', 'message', 'until'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED: readonly CsvColumn[] = ['email', 'displayName'];

/** One line of the file as typed, with the line it starts on. */
export interface CsvRow {
  line: number;
  email: string;
  displayName: string;
  /** Group names, separated by `;` in the file. */
  groups: string[];
  message: string;
  until: string;
}

export type CsvResult = { ok: true; rows: CsvRow[] } | { ok: false; message: string };

export function parseInviteCsv(text: string): CsvResult {
  if (Buffer.byteLength(text, 'utf8') > MAX_CSV_BYTES) {
    return { ok: false, message: `The file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB; split it into files of at most ${MAX_BATCH_ROWS} guests.` };
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, info: true, max_record_size: 8 * 1024 }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
  } catch (error) {
    if (error instanceof CsvError) return { ok: false, message: describeCsvError(error) };
    throw error;
  }
  const [header, ...body] = records;
  if (!header)
    return { ok: false, message: 'The file is empty: the first line names the columns (email, displayName, and optionally groups, message, until).' };
  const positions = new Map<CsvColumn, number>();
  for (const [index, name] of header.record.entries()) {
    const column = CSV_COLUMNS.find((c) => c.toLowerCase() === name.trim().toLowerCase());
    if (!column) return { ok: false, message: `Line 1: "${name}" is not a column this file can have; use ${CSV_COLUMNS.join(', ')}.` };
    if (positions.has(column)) return { ok: false, message: `Line 1: the column ${column} appears twice.` };
    positions.set(column, index);
  }
  const missing = REQUIRED.filter((c) => !positions.has(c));
  if (missing.length > 0) return { ok: false, message: `Line 1: the file needs the column${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}.` };
  if (body.length === 0) return { ok: false, message: 'The file has a header but no guests.' };
  if (body.length > MAX_BATCH_ROWS) {
    return { ok: false, message: `The file has ${body.length} guests; one batch takes at most ${MAX_BATCH_ROWS}. Split it into several files.` };
  }
  const cell = (record: string[], column: CsvColumn): string => {
    const at = positions.get(column);
    return at === undefined ? '' : (record[at] ?? '').trim();
  };
  const rows = body.map(({ record, info }) => ({
    line: info.lines - lineBreaksIn(record),
    email: cell(record, 'email'),
    displayName: cell(record, 'displayName'),
    groups: cell(record, 'groups')
      .split(';')
      .map((g) => g.trim())
      .filter((g) => g.length > 0),
    message: cell(record, 'message'),
    until: cell(record, 'until'),
  }));
  return { ok: true, rows };
}

/** csv-parse counts the line a record ends on; a quoted field with line breaks starts it earlier. */
function lineBreaksIn(record: readonly string[]): number {
  return record.reduce((n, field) => n + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
}

function describeCsvError(error: CsvError): string {
  const line = typeof error['lines'] === 'number' ? error['lines'] : undefined;
  const where = line === undefined ? 'The file' : `Line ${line}`;
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `${where} has a different number of fields from the header: check for a missing or extra comma, or a comma inside a value that is not in quotes.`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return `${where}: a quoted value is never closed; add the closing ".`;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return `${where}: a " inside a value must be doubled ("") and the value put in quotes.`;
    case 'CSV_MAX_RECORD_SIZE':
      return `${where} is longer than a guest's line can be.`;
    default:
      return `${where} cannot be read as CSV: ${error.message}`;
  }
}
