/** Helpers for admin conversations: card buttons, the Graph request log, and the audit log on disk. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action, ActionExecuteOf, AdaptiveCard, ShowCardContent } from '../../cards/adaptiveCard';
import type { ActionData, Verb } from '../../cards/verbs';
import { SqliteStore } from '../../services/store/sqliteStore';
import { allActions } from './adaptiveCards';

/** The data of the Action.Execute with this verb (and title, when several share it), anywhere on the card. */
export function buttonData<V extends Verb>(card: AdaptiveCard | ShowCardContent, verb: V, title?: string): ActionData<V> | undefined {
  const isButton = (a: Action): a is Action & ActionExecuteOf<V> =>
    a.type === 'Action.Execute' && a.verb === verb && (title === undefined || a.title === title);
  return allActions(card).find(isButton)?.data;
}

/** Titles of the card's top-level buttons. */
export function buttonTitles(card: AdaptiveCard): string[] {
  return (card.actions ?? []).map((a) => a.title);
}

/** The simulator's request log (`METHOD /v1.0/path?query -> status`), with filters for what tests count. */
export class GraphLog {
  readonly lines: string[] = [];
  readonly log = (line: string): void => {
    this.lines.push(line);
  };

  /** `GET /users?...` listings (not single users, not checkMemberGroups). */
  userListings(): string[] {
    return this.lines.filter((l) => l.startsWith('GET /v1.0/users?'));
  }

  /**
   * Everything that could change the directory (role checks excepted, which only read), each write
   * inside a `$batch` on its line; the batch itself changes nothing.
   */
  writes(): string[] {
    return this.lines
      .map((l) => l.replace(/^\$batch /, ''))
      .filter((l) => !l.startsWith('GET ') && !/\/checkMemberGroups /.test(l) && !l.startsWith('POST /v1.0/$batch '));
  }

  clear(): void {
    this.lines.length = 0;
  }
}

export interface AuditRow {
  request_id: string | null;
  actor: string;
  action: string;
  source: string | null;
  detail: Record<string, unknown> | null;
}

/** A SQLite store on a temporary file, and a second connection that reads the audit log as stored. */
export class StoreOnDisk {
  private readonly dir = mkdtempSync(join(tmpdir(), 'guest-admin-'));
  readonly file = join(this.dir, 'store.db');
  readonly store = SqliteStore.open(this.file);

  audit(): AuditRow[] {
    const db = new Database(this.file, { readonly: true });
    try {
      const rows = db.prepare('SELECT request_id, actor, action, source, detail FROM audit_log ORDER BY id').all() as (Omit<AuditRow, 'detail'> & {
        detail: string | null;
      })[];
      return rows.map((r) => ({ ...r, detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>) }));
    } finally {
      db.close();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
