import type { PoolClient } from 'pg';

/**
 * One schema step for PostgreSQL. Steps are numbered from 1 without gaps, run in order, and are
 * never edited once released: a change to the schema is a new step appended at the end. The table
 * `schema_migrations` records each step that ran.
 */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      -- seq columns keep insertion order for ties (the SQLite store uses rowid for the same).
      CREATE TABLE requests (
        id             text        PRIMARY KEY,
        seq            bigint      GENERATED ALWAYS AS IDENTITY,
        kind           text        NOT NULL,
        state          text        NOT NULL,
        version        integer     NOT NULL CHECK (version >= 1),
        requester_id   text        NOT NULL,
        requester_name text        NOT NULL,
        tenant_id      text        NOT NULL,
        email          text        NOT NULL CHECK (email = lower(email)),
        details        jsonb       NOT NULL,
        context        jsonb,
        decision       jsonb,
        outcome        jsonb,
        created_at     timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL
      );
      CREATE INDEX requests_email_state ON requests (email, state);
      CREATE INDEX requests_requester_created ON requests (requester_id, created_at);
      CREATE INDEX requests_state_created ON requests (state, created_at);

      CREATE TABLE execution_steps (
        request_id text        NOT NULL REFERENCES requests (id),
        step_key   text        NOT NULL,
        seq        bigint      GENERATED ALWAYS AS IDENTITY,
        status     text        NOT NULL CHECK (status IN ('done', 'failed')),
        output     jsonb       NOT NULL,
        error      text,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (request_id, step_key)
      );

      CREATE TABLE jobs (
        id          text        PRIMARY KEY,
        seq         bigint      GENERATED ALWAYS AS IDENTITY,
        request_id  text        NOT NULL UNIQUE REFERENCES requests (id),
        state       text        NOT NULL CHECK (state IN ('queued', 'running', 'done')),
        attempts    integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        run_after   timestamptz NOT NULL,
        lease_owner text,
        lease_until timestamptz,
        last_error  text,
        created_at  timestamptz NOT NULL
      );
      CREATE INDEX jobs_queued ON jobs (run_after) WHERE state = 'queued';
      CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';

      CREATE TABLE conversations (
        key        text        PRIMARY KEY,
        reference  jsonb       NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE settings (
        key        text        PRIMARY KEY,
        value      text        NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE card_messages (
        seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id       text   NOT NULL REFERENCES requests (id),
        role             text   NOT NULL,
        conversation_key text   NOT NULL,
        activity_id      text   NOT NULL,
        UNIQUE (request_id, role, conversation_key, activity_id)
      );
      CREATE INDEX card_messages_conversation_activity ON card_messages (conversation_key, activity_id);

      -- No foreign key on request_id: some entries concern no request (settings changes).
      CREATE TABLE audit_log (
        id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id text,
        actor      text        NOT NULL,
        action     text        NOT NULL,
        source     text,
        detail     jsonb,
        at         timestamptz NOT NULL
      );
      CREATE INDEX audit_log_request ON audit_log (request_id, id);
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $$;
      CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

      -- One row per periodic task: whoever holds the lease runs it, once across every instance.
      CREATE TABLE periodic_tasks (
        name        text        PRIMARY KEY,
        next_run_at timestamptz NOT NULL,
        lease_owner text,
        lease_until timestamptz
      );
    `,
  },
  {
    version: 2,
    name: 'page cursors',
    sql: `
      -- Paging state behind the opaque ids on list cards; short-lived, purged once expired.
      CREATE TABLE page_cursors (
        id         text        PRIMARY KEY,
        owner_id   text        NOT NULL,
        kind       text        NOT NULL,
        state      jsonb       NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX page_cursors_expires_at ON page_cursors (expires_at);
    `,
  },
  {
    version: 3,
    name: 'guest administration cards',
    sql: `
      -- Cards with buttons for one guest, so that a click can be tied to the guest its card was posted for.
      CREATE TABLE guest_card_messages (
        conversation_key text NOT NULL,
        activity_id      text NOT NULL,
        guest_id         text NOT NULL,
        PRIMARY KEY (conversation_key, activity_id)
      );
    `,
  },
  {
    version: 4,
    name: 'job kinds and the outbox',
    sql: `
      -- Jobs carry either a request to execute or an admin's write on a guest (its order in payload).
      ALTER TABLE jobs ADD COLUMN kind text NOT NULL DEFAULT 'request' CHECK (kind IN ('request', 'guest'));
      ALTER TABLE jobs ALTER COLUMN kind DROP DEFAULT;
      ALTER TABLE jobs ADD COLUMN payload jsonb;
      ALTER TABLE jobs ALTER COLUMN request_id DROP NOT NULL;
      ALTER TABLE jobs ADD CONSTRAINT jobs_kind_subject
        CHECK ((kind = 'request' AND request_id IS NOT NULL) OR (kind = 'guest' AND payload IS NOT NULL));

      -- Notices and card updates, written in the transaction of the change they announce and
      -- delivered afterwards, at least once, under a lease like jobs. key makes each one unique.
      CREATE TABLE outbox (
        id           text        PRIMARY KEY,
        seq          bigint      GENERATED ALWAYS AS IDENTITY,
        key          text        NOT NULL UNIQUE,
        kind         text        NOT NULL,
        request_id   text,
        payload      jsonb       NOT NULL,
        state        text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
        attempts     integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        run_after    timestamptz NOT NULL,
        lease_owner  text,
        lease_until  timestamptz,
        last_error   text,
        created_at   timestamptz NOT NULL,
        delivered_at timestamptz
      );
      CREATE INDEX outbox_queued ON outbox (run_after) WHERE state = 'queued';
      CREATE INDEX outbox_running ON outbox (lease_until) WHERE state = 'running';
      CREATE INDEX outbox_request ON outbox (request_id);
    `,
  },
  {
    version: 5,
    name: 'guest job results',
    sql: `
      -- What a guest job ended with, written as it completes, for a caller that asks by the job's
      -- id (the tab) rather than being told through the outbox (a chat card).
      ALTER TABLE jobs ADD COLUMN result jsonb;
    `,
  },
  {
    version: 6,
    name: 'guest lifecycle',
    sql: `
      -- Jobs also carry the steps of a guest's lifecycle (their step in payload).
      ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
      ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('request', 'guest', 'lifecycle'));
      ALTER TABLE jobs DROP CONSTRAINT jobs_kind_subject;
      ALTER TABLE jobs ADD CONSTRAINT jobs_kind_subject
        CHECK ((kind = 'request' AND request_id IS NOT NULL) OR (kind IN ('guest', 'lifecycle') AND payload IS NOT NULL));

      -- What each completed request gave a guest, until when, and how it ended.
      CREATE TABLE grants (
        id            text        PRIMARY KEY,
        seq           bigint      GENERATED ALWAYS AS IDENTITY,
        request_id    text        NOT NULL REFERENCES requests (id),
        guest_id      text        NOT NULL,
        kind          text        NOT NULL CHECK (kind IN ('account', 'group', 'appRole', 'directoryRole')),
        target_id     text        NOT NULL,
        target_name   text        NOT NULL,
        assignment_id text,
        given         integer     NOT NULL CHECK (given IN (0, 1)),
        state         text        NOT NULL CHECK (state IN ('active', 'ending', 'ended', 'failed')),
        ends_at       timestamptz,
        noticed_for   timestamptz,
        ended_at      timestamptz,
        end_reason    text,
        created_at    timestamptz NOT NULL,
        version       integer     NOT NULL CHECK (version >= 1),
        UNIQUE (request_id, kind, target_id)
      );
      CREATE INDEX grants_guest ON grants (guest_id);
      CREATE INDEX grants_active_ends_at ON grants (ends_at) WHERE state = 'active';

      -- The guests the bot looks after, each with a sponsor.
      CREATE TABLE managed_guests (
        guest_id           text        PRIMARY KEY CHECK (guest_id = lower(guest_id)),
        email              text        NOT NULL,
        display_name       text        NOT NULL,
        sponsor_kind       text        NOT NULL CHECK (sponsor_kind IN ('user', 'group')),
        sponsor_id         text        NOT NULL,
        sponsor_name       text        NOT NULL,
        created_by_request text,
        end_state          text        CHECK (end_state IS NULL OR end_state IN ('ending', 'disabled', 'deleted', 'kept', 'failed')),
        ended_at           timestamptz,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        version            integer     NOT NULL CHECK (version >= 1)
      );
      CREATE INDEX managed_guests_sponsor ON managed_guests (sponsor_id, guest_id);

      -- Recertification and cleanup campaigns, and one row per guest each covers.
      CREATE TABLE campaigns (
        id              text        PRIMARY KEY,
        seq             bigint      GENERATED ALWAYS AS IDENTITY,
        kind            text        NOT NULL CHECK (kind IN ('recertification', 'cleanup')),
        state           text        NOT NULL,
        started_by_id   text        NOT NULL,
        started_by_name text        NOT NULL,
        started_at      timestamptz NOT NULL,
        filter          jsonb       NOT NULL,
        due_at          timestamptz,
        conversation    jsonb,
        note            text,
        updated_at      timestamptz NOT NULL,
        version         integer     NOT NULL CHECK (version >= 1)
      );
      CREATE INDEX campaigns_kind_started ON campaigns (kind, started_at);
      CREATE TABLE campaign_items (
        campaign_id     text        NOT NULL REFERENCES campaigns (id),
        guest_id        text        NOT NULL,
        guest_name      text        NOT NULL,
        guest_email     text        NOT NULL,
        sponsor_kind    text        CHECK (sponsor_kind IS NULL OR sponsor_kind IN ('user', 'group')),
        sponsor_id      text,
        sponsor_name    text,
        detail          jsonb       NOT NULL,
        decision        text        CHECK (decision IS NULL OR decision IN ('keep', 'remove')),
        decided_by_id   text,
        decided_by_name text,
        decided_at      timestamptz,
        escalated       integer     NOT NULL DEFAULT 0 CHECK (escalated IN (0, 1)),
        outcome         text,
        PRIMARY KEY (campaign_id, guest_id)
      );
      CREATE INDEX campaign_items_sponsor ON campaign_items (campaign_id, sponsor_id, guest_id);
    `,
  },
  {
    version: 7,
    // A request under an approval policy keeps its stages with it; approval cards remember their stage.
    name: 'approval stages',
    sql: `
      ALTER TABLE requests ADD COLUMN approval jsonb;
      ALTER TABLE card_messages ADD COLUMN stage integer CHECK (stage IS NULL OR stage >= 0);
      `,
  },
  {
    version: 8,
    name: 'batch invitations',
    sql: `
      -- The rows of a batch request (kind 'batch'): one invitation each, with its own state and
      -- what its job has done so far. Their jobs are guest jobs (payload {order: 'batchRow', ...}).
      CREATE TABLE batch_rows (
        request_id   text        NOT NULL REFERENCES requests (id),
        row_no       integer     NOT NULL CHECK (row_no >= 1),
        line         integer     NOT NULL,
        email        text        NOT NULL CHECK (email = lower(email)),
        display_name text        NOT NULL,
        message      text        NOT NULL,
        groups       jsonb       NOT NULL,
        access_until text,
        state        text        NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
        progress     jsonb       NOT NULL,
        error        text,
        updated_at   timestamptz NOT NULL,
        PRIMARY KEY (request_id, row_no)
      );
      CREATE INDEX batch_rows_email ON batch_rows (email);
    `,
  },
  {
    version: 9,
    // One batch gives the same group to many guests: a grant is one per request, guest and target.
    name: 'grants per guest of a batch',
    sql: `
      ALTER TABLE grants DROP CONSTRAINT grants_request_id_kind_target_id_key;
      ALTER TABLE grants ADD CONSTRAINT grants_request_guest_target UNIQUE (request_id, guest_id, kind, target_id);
    `,
  },
];

export interface PostgresMigrationResult {
  /** Schema version before the run. */
  from: number;
  /** Schema version now. */
  to: number;
  /** Steps this run applied (empty when another instance had already applied them). */
  applied: number[];
}

/** First key of the advisory lock that serialises migrations; the second is the schema's name. */
const MIGRATION_LOCK_CLASS = 0x6761; // "ga"

/**
 * Brings the schema named by the connection's search_path up to date, in one transaction held
 * under an advisory lock: instances starting together queue behind each other, and each later one
 * finds the steps already recorded. A database written by a newer release is refused.
 */
export async function migratePostgres(client: PoolClient, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<PostgresMigrationResult> {
  checkNumbering(migrations);
  await client.query('BEGIN');
  try {
    const schema = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    if (!schema.rows[0]?.schema) {
      throw new Error('the search_path names no existing schema: create it, or fix options=-c search_path=... in DATABASE_URL');
    }
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [MIGRATION_LOCK_CLASS]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const current = await client.query<{ version: number }>('SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations');
    const from = current.rows[0]?.version ?? 0;
    const latest = migrations.length;
    if (from > latest) {
      throw new Error(`database schema version ${from} is newer than this release knows (${latest}); refusing to use it`);
    }
    const applied: number[] = [];
    for (const migration of migrations.slice(from)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, latest), applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function checkNumbering(migrations: readonly PostgresMigration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration "${migration.name}" is numbered ${migration.version}, expected ${index + 1}`);
    }
  });
}
