import type { Database } from 'better-sqlite3';

/**
 * One schema step. Steps run in list order and are never edited once released: a change to the
 * schema is a new step appended at the end. `PRAGMA user_version` holds how many steps have run.
 */
export interface Migration {
  name: string;
  sql: string;
  /** Run after `sql`, for what SQL alone cannot say (rebuilding a table with whatever columns it has by then). */
  run?: (db: Database) => void;
}

/**
 * Lets the jobs table hold lifecycle jobs. SQLite cannot change a CHECK constraint in place, so the
 * table is rebuilt from its own stored definition with the two checks widened: every column it has
 * when this step runs (whichever steps added them) is kept, in order, with its rows and indexes.
 */
function widenJobKinds(db: Database): void {
  const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").get();
  if (!table) throw new Error('migration "guest lifecycle": the jobs table is missing');
  const widened = table.sql
    .replace("CHECK (kind IN ('request', 'guest'))", "CHECK (kind IN ('request', 'guest', 'lifecycle'))")
    .replace("(kind = 'guest' AND payload IS NOT NULL)", "(kind IN ('guest', 'lifecycle') AND payload IS NOT NULL)");
  if (!widened.includes("'lifecycle')") || !widened.includes("kind IN ('guest', 'lifecycle')")) {
    throw new Error('migration "guest lifecycle": the jobs table is not the one this step expects; its kind checks were not found');
  }
  const columns = db
    .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('jobs')")
    .all()
    .map((c) => `"${c.name}"`)
    .join(', ');
  const indexes = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL").all();
  db.exec(widened.replace(/^CREATE TABLE\s+("jobs"|jobs)/i, 'CREATE TABLE jobs_rebuilt'));
  db.exec(`INSERT INTO jobs_rebuilt (${columns}) SELECT ${columns} FROM jobs ORDER BY rowid`);
  db.exec('DROP TABLE jobs');
  db.exec('ALTER TABLE jobs_rebuilt RENAME TO jobs');
  for (const index of indexes) db.exec(index.sql);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'initial schema',
    sql: `
      CREATE TABLE requests (
        id             TEXT    PRIMARY KEY,
        kind           TEXT    NOT NULL,
        state          TEXT    NOT NULL,
        version        INTEGER NOT NULL CHECK (version >= 1),
        requester_id   TEXT    NOT NULL,
        requester_name TEXT    NOT NULL,
        tenant_id      TEXT    NOT NULL,
        email          TEXT    NOT NULL CHECK (email = lower(email)),
        details        TEXT    NOT NULL CHECK (json_valid(details)),
        context        TEXT             CHECK (context IS NULL OR json_valid(context)),
        decision       TEXT             CHECK (decision IS NULL OR json_valid(decision)),
        outcome        TEXT             CHECK (outcome IS NULL OR json_valid(outcome)),
        created_at     TEXT    NOT NULL,
        updated_at     TEXT    NOT NULL
      );
      CREATE INDEX requests_email_state ON requests (email, state);
      CREATE INDEX requests_requester_created ON requests (requester_id, created_at);
      CREATE INDEX requests_state_created ON requests (state, created_at);

      CREATE TABLE execution_steps (
        request_id TEXT NOT NULL REFERENCES requests (id),
        step_key   TEXT NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        output     TEXT NOT NULL CHECK (json_valid(output)),
        error      TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (request_id, step_key)
      );

      CREATE TABLE jobs (
        id          TEXT    PRIMARY KEY,
        request_id  TEXT    NOT NULL UNIQUE REFERENCES requests (id),
        state       TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done')),
        attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        run_after   TEXT    NOT NULL,
        lease_owner TEXT,
        lease_until TEXT,
        last_error  TEXT,
        created_at  TEXT    NOT NULL
      );
      CREATE INDEX jobs_state_run_after ON jobs (state, run_after);
      CREATE INDEX jobs_state_lease_until ON jobs (state, lease_until);

      CREATE TABLE conversations (
        key        TEXT PRIMARY KEY,
        reference  TEXT NOT NULL CHECK (json_valid(reference)),
        updated_at TEXT NOT NULL
      );

      CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE card_messages (
        request_id       TEXT NOT NULL REFERENCES requests (id),
        role             TEXT NOT NULL,
        conversation_key TEXT NOT NULL,
        activity_id      TEXT NOT NULL,
        UNIQUE (request_id, role, conversation_key, activity_id)
      );

      -- No foreign key on request_id: some entries concern no request (settings changes).
      CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,
        source     TEXT,
        detail     TEXT CHECK (detail IS NULL OR json_valid(detail)),
        at         TEXT NOT NULL
      );
      CREATE INDEX audit_log_request ON audit_log (request_id, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only');
      END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only');
      END;
    `,
  },
  {
    name: 'periodic task leases and card lookup by message',
    sql: `
      -- One row per periodic task (request expiry, ...): whoever holds the lease runs it, once
      -- across every process sharing the database.
      CREATE TABLE periodic_tasks (
        name        TEXT PRIMARY KEY,
        next_run_at TEXT NOT NULL,
        lease_owner TEXT,
        lease_until TEXT
      );
      CREATE INDEX card_messages_conversation_activity ON card_messages (conversation_key, activity_id);
    `,
  },
  {
    name: 'page cursors',
    sql: `
      -- Paging state behind the opaque ids on list cards; short-lived, purged once expired.
      CREATE TABLE page_cursors (
        id         TEXT PRIMARY KEY,
        owner_id   TEXT NOT NULL,
        kind       TEXT NOT NULL,
        state      TEXT NOT NULL CHECK (json_valid(state)),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX page_cursors_expires_at ON page_cursors (expires_at);
    `,
  },
  {
    name: 'guest administration cards',
    sql: `
      -- Cards with buttons for one guest, so that a click can be tied to the guest its card was posted for.
      CREATE TABLE guest_card_messages (
        conversation_key TEXT NOT NULL,
        activity_id      TEXT NOT NULL,
        guest_id         TEXT NOT NULL,
        PRIMARY KEY (conversation_key, activity_id)
      );
    `,
  },
  {
    name: 'job kinds and the outbox',
    sql: `
      -- Jobs carry either a request to execute or an admin's write on a guest (its order in
      -- payload). SQLite cannot relax NOT NULL in place, so the table is rebuilt in the same order.
      CREATE TABLE jobs_with_kinds (
        id          TEXT    PRIMARY KEY,
        kind        TEXT    NOT NULL CHECK (kind IN ('request', 'guest')),
        request_id  TEXT    UNIQUE REFERENCES requests (id),
        payload     TEXT    CHECK (payload IS NULL OR json_valid(payload)),
        state       TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done')),
        attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        run_after   TEXT    NOT NULL,
        lease_owner TEXT,
        lease_until TEXT,
        last_error  TEXT,
        created_at  TEXT    NOT NULL,
        CHECK ((kind = 'request' AND request_id IS NOT NULL) OR (kind = 'guest' AND payload IS NOT NULL))
      );
      INSERT INTO jobs_with_kinds (id, kind, request_id, state, attempts, run_after, lease_owner, lease_until, last_error, created_at)
        SELECT id, 'request', request_id, state, attempts, run_after, lease_owner, lease_until, last_error, created_at
        FROM jobs ORDER BY rowid;
      DROP TABLE jobs;
      ALTER TABLE jobs_with_kinds RENAME TO jobs;
      CREATE INDEX jobs_state_run_after ON jobs (state, run_after);
      CREATE INDEX jobs_state_lease_until ON jobs (state, lease_until);

      -- Notices and card updates, written in the transaction of the change they announce and
      -- delivered afterwards, at least once, under a lease like jobs. key makes each one unique.
      CREATE TABLE outbox (
        id           TEXT    PRIMARY KEY,
        key          TEXT    NOT NULL UNIQUE,
        kind         TEXT    NOT NULL,
        request_id   TEXT,
        payload      TEXT    NOT NULL CHECK (json_valid(payload)),
        state        TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
        attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        run_after    TEXT    NOT NULL,
        lease_owner  TEXT,
        lease_until  TEXT,
        last_error   TEXT,
        created_at   TEXT    NOT NULL,
        delivered_at TEXT
      );
      CREATE INDEX outbox_state_run_after ON outbox (state, run_after);
      CREATE INDEX outbox_request ON outbox (request_id);
    `,
  },
  {
    name: 'guest job results',
    sql: `
      -- What a guest job ended with, written as it completes, for a caller that asks by the job's
      -- id (the tab) rather than being told through the outbox (a chat card).
      ALTER TABLE jobs ADD COLUMN result TEXT CHECK (result IS NULL OR json_valid(result));
    `,
  },
  {
    name: 'guest lifecycle',
    sql: `
      -- What each completed request gave a guest, until when, and how it ended.
      CREATE TABLE grants (
        id            TEXT    PRIMARY KEY,
        request_id    TEXT    NOT NULL REFERENCES requests (id),
        guest_id      TEXT    NOT NULL,
        kind          TEXT    NOT NULL CHECK (kind IN ('account', 'group', 'appRole', 'directoryRole')),
        target_id     TEXT    NOT NULL,
        target_name   TEXT    NOT NULL,
        assignment_id TEXT,
        given         INTEGER NOT NULL CHECK (given IN (0, 1)),
        state         TEXT    NOT NULL CHECK (state IN ('active', 'ending', 'ended', 'failed')),
        ends_at       TEXT,
        noticed_for   TEXT,
        ended_at      TEXT,
        end_reason    TEXT,
        created_at    TEXT    NOT NULL,
        version       INTEGER NOT NULL CHECK (version >= 1),
        UNIQUE (request_id, kind, target_id)
      );
      CREATE INDEX grants_guest ON grants (guest_id);
      CREATE INDEX grants_state_ends_at ON grants (state, ends_at);

      -- The guests the bot looks after, each with a sponsor.
      CREATE TABLE managed_guests (
        guest_id           TEXT    PRIMARY KEY CHECK (guest_id = lower(guest_id)),
        email              TEXT    NOT NULL,
        display_name       TEXT    NOT NULL,
        sponsor_kind       TEXT    NOT NULL CHECK (sponsor_kind IN ('user', 'group')),
        sponsor_id         TEXT    NOT NULL,
        sponsor_name       TEXT    NOT NULL,
        created_by_request TEXT,
        end_state          TEXT    CHECK (end_state IS NULL OR end_state IN ('ending', 'disabled', 'deleted', 'kept', 'failed')),
        ended_at           TEXT,
        created_at         TEXT    NOT NULL,
        updated_at         TEXT    NOT NULL,
        version            INTEGER NOT NULL CHECK (version >= 1)
      );
      CREATE INDEX managed_guests_sponsor ON managed_guests (sponsor_id, guest_id);

      -- Recertification and cleanup campaigns, and one row per guest each covers.
      CREATE TABLE campaigns (
        id              TEXT    PRIMARY KEY,
        kind            TEXT    NOT NULL CHECK (kind IN ('recertification', 'cleanup')),
        state           TEXT    NOT NULL,
        started_by_id   TEXT    NOT NULL,
        started_by_name TEXT    NOT NULL,
        started_at      TEXT    NOT NULL,
        filter          TEXT    NOT NULL CHECK (json_valid(filter)),
        due_at          TEXT,
        conversation    TEXT    CHECK (conversation IS NULL OR json_valid(conversation)),
        note            TEXT,
        updated_at      TEXT    NOT NULL,
        version         INTEGER NOT NULL CHECK (version >= 1)
      );
      CREATE INDEX campaigns_kind_started ON campaigns (kind, started_at);
      CREATE TABLE campaign_items (
        campaign_id     TEXT    NOT NULL REFERENCES campaigns (id),
        guest_id        TEXT    NOT NULL,
        guest_name      TEXT    NOT NULL,
        guest_email     TEXT    NOT NULL,
        sponsor_kind    TEXT    CHECK (sponsor_kind IS NULL OR sponsor_kind IN ('user', 'group')),
        sponsor_id      TEXT,
        sponsor_name    TEXT,
        detail          TEXT    NOT NULL CHECK (json_valid(detail)),
        decision        TEXT    CHECK (decision IS NULL OR decision IN ('keep', 'remove')),
        decided_by_id   TEXT,
        decided_by_name TEXT,
        decided_at      TEXT,
        escalated       INTEGER NOT NULL DEFAULT 0 CHECK (escalated IN (0, 1)),
        outcome         TEXT,
        PRIMARY KEY (campaign_id, guest_id)
      );
      CREATE INDEX campaign_items_sponsor ON campaign_items (campaign_id, sponsor_id, guest_id);
    `,
    run: widenJobKinds,
  },
  {
    // A request under an approval policy keeps its stages (who decided each, escalation) with it,
    // and each approval card remembers the stage it was posted for, so a refresh shows that stage.
    name: 'approval stages',
    sql: `
      ALTER TABLE requests ADD COLUMN approval TEXT CHECK (approval IS NULL OR json_valid(approval));
      ALTER TABLE card_messages ADD COLUMN stage INTEGER CHECK (stage IS NULL OR stage >= 0);
      `,
  },
  {
    name: 'batch invitations',
    sql: `
      -- The rows of a batch request (kind 'batch'): one invitation each, with its own state and
      -- what its job has done so far. Their jobs are guest jobs (payload {order: 'batchRow', ...}).
      CREATE TABLE batch_rows (
        request_id   TEXT    NOT NULL REFERENCES requests (id),
        row_no       INTEGER NOT NULL CHECK (row_no >= 1),
        line         INTEGER NOT NULL,
        email        TEXT    NOT NULL CHECK (email = lower(email)),
        display_name TEXT    NOT NULL,
        message      TEXT    NOT NULL,
        groups       TEXT    NOT NULL CHECK (json_valid(groups)),
        access_until TEXT,
        state        TEXT    NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
        progress     TEXT    NOT NULL CHECK (json_valid(progress)),
        error        TEXT,
        updated_at   TEXT    NOT NULL,
        PRIMARY KEY (request_id, row_no)
      );
      CREATE INDEX batch_rows_email ON batch_rows (email);
    `,
  },
  {
    // One batch gives the same group to many guests: a grant is one per request, guest and target.
    // SQLite cannot change a table's UNIQUE constraint in place, so the table is rebuilt with its rows.
    name: 'grants per guest of a batch',
    sql: `
      CREATE TABLE grants_rebuilt (
        id            TEXT    PRIMARY KEY,
        request_id    TEXT    NOT NULL REFERENCES requests (id),
        guest_id      TEXT    NOT NULL,
        kind          TEXT    NOT NULL CHECK (kind IN ('account', 'group', 'appRole', 'directoryRole')),
        target_id     TEXT    NOT NULL,
        target_name   TEXT    NOT NULL,
        assignment_id TEXT,
        given         INTEGER NOT NULL CHECK (given IN (0, 1)),
        state         TEXT    NOT NULL CHECK (state IN ('active', 'ending', 'ended', 'failed')),
        ends_at       TEXT,
        noticed_for   TEXT,
        ended_at      TEXT,
        end_reason    TEXT,
        created_at    TEXT    NOT NULL,
        version       INTEGER NOT NULL CHECK (version >= 1),
        UNIQUE (request_id, guest_id, kind, target_id)
      );
      -- rowid is kept: grants of one moment are listed in the order they were recorded.
      INSERT INTO grants_rebuilt (rowid, id, request_id, guest_id, kind, target_id, target_name, assignment_id, given, state,
                                  ends_at, noticed_for, ended_at, end_reason, created_at, version)
        SELECT rowid, id, request_id, guest_id, kind, target_id, target_name, assignment_id, given, state,
               ends_at, noticed_for, ended_at, end_reason, created_at, version
        FROM grants ORDER BY rowid;
      DROP TABLE grants;
      ALTER TABLE grants_rebuilt RENAME TO grants;
      CREATE INDEX grants_guest ON grants (guest_id);
      CREATE INDEX grants_state_ends_at ON grants (state, ends_at);
    `,
  },
];

export interface MigrationResult {
  /** Schema version before `migrate` ran. */
  from: number;
  /** Schema version now (always `migrations.length`). */
  to: number;
}

function schemaVersion(db: Database): number {
  const value = db.pragma('user_version', { simple: true });
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`unexpected PRAGMA user_version: ${String(value)}`);
  }
  return value;
}

/**
 * Runs the steps the database has not run yet, all in one write transaction, and records the new
 * version. Running it again is a no-op. A database written by a newer release (more steps than this
 * code knows) is refused rather than used.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const run = db.transaction((): MigrationResult => {
    // Read inside the (immediate) transaction so two processes opening the file at once cannot
    // both run the same step.
    const from = schemaVersion(db);
    if (from > migrations.length) {
      throw new Error(`database schema version ${from} is newer than this release knows (${migrations.length}); refusing to use it`);
    }
    for (const migration of migrations.slice(from)) {
      db.exec(migration.sql);
      migration.run?.(db);
    }
    if (from < migrations.length) {
      // PRAGMA takes no bound parameters; the value is an integer we computed.
      db.pragma(`user_version = ${migrations.length}`);
    }
    return { from, to: migrations.length };
  });
  return run.immediate();
}
