/**
 * How SQLite hands back each kind of column: timestamps and JSON are stored as text (ISO-8601 and
 * JSON), integers may come back as bigint. The mapping itself is in rows.ts.
 */
import { StoreDataError, parseJsonText } from './codecs';
import { describeType, rowReaders, textColumn, type ColumnReader } from './rows';

export const sqliteColumns: ColumnReader = {
  text: textColumn,
  integer(value, where) {
    if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= 0n) return Number(value);
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new StoreDataError(`${where}: expected an integer, got ${describeType(value)}`);
    }
    return value;
  },
  // Written by rows.ts as canonical ISO text, so the text is the timestamp.
  timestamp: textColumn,
  json: (value, where) => parseJsonText(textColumn(value, where), where),
};

export const sqliteRows = rowReaders(sqliteColumns);
