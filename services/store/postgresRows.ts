/**
 * How PostgreSQL (through pg) hands back each kind of column: `timestamptz` as Date, `jsonb`
 * already parsed, `integer` as number. The mapping itself is in rows.ts.
 */
import { StoreDataError } from './codecs';
import { describeType, rowReaders, textColumn, type ColumnReader } from './rows';

export const postgresColumns: ColumnReader = {
  text: textColumn,
  integer(value, where) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new StoreDataError(`${where}: expected an integer, got ${describeType(value)}`);
    }
    return value;
  },
  timestamp(value, where) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new StoreDataError(`${where}: expected a timestamp, got ${describeType(value)}`);
    }
    return value.toISOString();
  },
  json: (value) => value,
};

export const postgresRows = rowReaders(postgresColumns);
