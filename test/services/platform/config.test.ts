import { ConfigError, configWarnings, loadConfig, type LocalDefaults } from '../../../services/platform/config';

const local: LocalDefaults = {
  tenantId: '00000000-0000-0000-0000-0000000000001',
  approverGroupId: '6c1f6c0e-2a55-4c59-9d4f-0b1d7a5e0001',
  adminGroupId: '6c1f6c0e-2a55-4c59-9d4f-0b1d7a5e0002',
};
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '11111111-2222-3333-4444-555555555555';

function problemsOf(env: Record<string, string>, defaults?: LocalDefaults): string[] {
  try {
    loadConfig(env, defaults);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('loadConfig', () => {
  it('runs in local mode with the simulated directory when nothing is set', () => {
    const config = loadConfig({}, local);
    expect(config.directoryMode).toBe('simulated');
    expect(config.microsoftAppId).toBe('');
    expect(config.port).toBe(3978);
    expect(config.expectedTenantId).toBe(local.tenantId);
    expect(config.approverGroupId).toBe(local.approverGroupId);
    expect(config.sqlitePath).toBe('./data/guest-access.db');
    expect(config.inviteRedirectUrl).toBe('https://myapps.microsoft.com');
    expect(config.assignableDirectoryRoles).toEqual([]);
  });

  it('keeps app owners from deciding invitations unless APP_OWNERS_MAY_INVITE turns it on', () => {
    expect(loadConfig({}, local).appOwnersMayInvite).toBe(false);
    expect(loadConfig({ APP_OWNERS_MAY_INVITE: 'true' }, local).appOwnersMayInvite).toBe(true);
    expect(problemsOf({ APP_OWNERS_MAY_INVITE: 'sometimes' }, local)).toEqual(['APP_OWNERS_MAY_INVITE "sometimes" must be true or false.']);
  });

  it('uses a loopback GRAPH_BASE_URL without credentials', () => {
    const config = loadConfig({ GRAPH_BASE_URL: 'http://127.0.0.1:5001/v1.0' }, local);
    expect(config.directoryMode).toBe('loopback');
    expect(config.graphBaseUrl).toBe('http://127.0.0.1:5001');
  });

  it('uses the real tenant when Azure credentials are set', () => {
    const config = loadConfig({
      MicrosoftAppId: APP,
      MicrosoftAppPassword: 'secret',
      MicrosoftAppTenantId: TENANT,
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: APP,
      AZURE_CLIENT_SECRET: 'secret',
      APPROVER_GROUP_ID: local.approverGroupId,
      ADMIN_GROUP_ID: local.adminGroupId,
    });
    expect(config.directoryMode).toBe('tenant');
    expect(config.graphBaseUrl).toBe('https://graph.microsoft.com');
    expect(config.microsoftAppType).toBe('SingleTenant');
    expect(config.expectedTenantId).toBe(TENANT);
  });

  it("checks the app's Graph permissions at start against a tenant, and against a simulator only when asked", () => {
    const tenant = {
      MicrosoftAppId: APP,
      MicrosoftAppPassword: 'bot-secret',
      MicrosoftAppTenantId: TENANT,
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: APP,
      AZURE_CLIENT_SECRET: 'secret',
      APPROVER_GROUP_ID: local.approverGroupId,
      ADMIN_GROUP_ID: local.adminGroupId,
    };
    expect(loadConfig(tenant)).toMatchObject({ graphPermissionCheck: true, graphClientId: APP });
    expect(loadConfig({ ...tenant, GRAPH_PERMISSION_CHECK: 'false' }).graphPermissionCheck).toBe(false);
    const demoApp = 'a15e4210-9d57-491a-bc27-b814607a2496';
    expect(loadConfig({ GRAPH_BASE_URL: 'http://127.0.0.1:5001' }, { ...local, botAppId: demoApp })).toMatchObject({
      graphPermissionCheck: false,
      graphClientId: demoApp,
    });
    expect(loadConfig({ GRAPH_PERMISSION_CHECK: 'true' }, local).graphPermissionCheck).toBe(true);
    expect(problemsOf({ ...tenant, GRAPH_PERMISSION_CHECK: 'maybe', AZURE_CLIENT_ID: 'bot' })).toEqual([
      'AZURE_CLIENT_ID "bot" is not an application (client) id: expected a GUID.',
      'GRAPH_PERMISSION_CHECK "maybe" must be true or false.',
    ]);
  });

  it('names every problem at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MicrosoftAppId: APP,
      GRAPH_BASE_URL: 'http://graph.example.com',
      ALLOWED_GUEST_DOMAINS: 'fabrikam.com, not a domain',
      BLOCKED_GUEST_DOMAINS: 'fabrikam.com',
      ASSIGNABLE_DIRECTORY_ROLES: 'Guest Inviter',
      INVITE_REDIRECT_URL: 'http://example.com',
      LOG_LEVEL: 'loud',
    });
    const text = problems.join('\n');
    expect(text).toContain('PORT "eighty"');
    expect(text).toContain('MicrosoftAppId is set but MicrosoftAppPassword is empty');
    expect(text).toContain('MicrosoftAppTenantId is empty');
    expect(text).toContain('GRAPH_BASE_URL');
    expect(text).toContain('"not a domain"');
    expect(text).toContain('fabrikam.com is in both');
    expect(text).toContain('ASSIGNABLE_DIRECTORY_ROLES entry "Guest Inviter"');
    expect(text).toContain('INVITE_REDIRECT_URL');
    expect(text).toContain('LOG_LEVEL');
    expect(text).toContain('APPROVER_GROUP_ID is empty');
  });

  it('requires the approver and admin groups for a real tenant', () => {
    const problems = problemsOf({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: 'x' }, local);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringContaining('APPROVER_GROUP_ID is empty'), expect.stringContaining('ADMIN_GROUP_ID is empty')]),
    );
  });

  it('refuses a password without an app id', () => {
    expect(problemsOf({ MicrosoftAppPassword: 'x' }, local)).toEqual([expect.stringContaining('MicrosoftAppPassword is set but MicrosoftAppId is empty')]);
  });

  it('reads domain lists case-insensitively and without a leading @', () => {
    const config = loadConfig({ ALLOWED_GUEST_DOMAINS: '@Fabrikam.com; contoso.com' }, local);
    expect(config.allowedGuestDomains).toEqual(['fabrikam.com', 'contoso.com']);
  });

  it('uses SQLite, a 14-day request timeout and the default worker timings when nothing is set', () => {
    const config = loadConfig({}, local);
    expect(config).toMatchObject({
      databaseUrl: '',
      requestTimeoutDays: 14,
      workerLeaseSeconds: 30,
      workerPollMs: 1000,
      workerBackoffBaseMs: 2000,
      workerMaxAttempts: 8,
      directoryReplicationWaitSeconds: 300,
    });
  });

  it('reads DATABASE_URL, the request timeout and the worker timings', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgresql://bot:s3cret@db.internal:5432/guest_access?options=-c%20search_path%3Dbot',
        REQUEST_TIMEOUT_DAYS: '7',
        WORKER_LEASE_SECONDS: '2',
        WORKER_POLL_MS: '50',
        WORKER_BACKOFF_BASE_MS: '20',
        WORKER_MAX_ATTEMPTS: '30',
        DIRECTORY_REPLICATION_WAIT_SECONDS: '0',
      },
      local,
    );
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://bot:s3cret@db.internal:5432/guest_access?options=-c%20search_path%3Dbot',
      requestTimeoutDays: 7,
      workerLeaseSeconds: 2,
      workerPollMs: 50,
      workerBackoffBaseMs: 20,
      workerMaxAttempts: 30,
      directoryReplicationWaitSeconds: 0,
    });
  });

  it('names bad store and timing settings without echoing the database password', () => {
    const problems = problemsOf(
      {
        DATABASE_URL: 'mysql://bot:s3cret@db.internal/guest_access',
        REQUEST_TIMEOUT_DAYS: '0',
        WORKER_LEASE_SECONDS: '1.5',
        WORKER_POLL_MS: 'fast',
        WORKER_BACKOFF_BASE_MS: '-5',
        WORKER_MAX_ATTEMPTS: '1000',
        DIRECTORY_REPLICATION_WAIT_SECONDS: '2h',
      },
      local,
    );
    const text = problems.join('\n');
    expect(problems).toHaveLength(7);
    expect(text).toContain('DIRECTORY_REPLICATION_WAIT_SECONDS "2h" must be a whole number of seconds from 0 to 3600');
    expect(text).toContain('DATABASE_URL must start with postgres:// or postgresql://');
    expect(text).toContain('REQUEST_TIMEOUT_DAYS "0" must be a whole number of days from 1 to 365');
    expect(text).toContain('WORKER_LEASE_SECONDS "1.5"');
    expect(text).toContain('WORKER_POLL_MS "fast"');
    expect(text).toContain('WORKER_BACKOFF_BASE_MS "-5"');
    expect(text).toContain('WORKER_MAX_ATTEMPTS "1000"');
    expect(text).not.toContain('s3cret');

    expect(problemsOf({ DATABASE_URL: 'not a url with s3cret' }, local)).toEqual([expect.stringContaining('DATABASE_URL is not a URL')]);
    expect(problemsOf({ DATABASE_URL: 'postgres://bot:s3cret@db.internal' }, local)).toEqual([expect.stringContaining('names no database')]);
    expect(problemsOf({ DATABASE_URL: 'postgres://db.internal/bot', SQLITE_PATH: './x.db' }, local)).toEqual([
      expect.stringContaining('DATABASE_URL and SQLITE_PATH are both set'),
    ]);
  });

  describe('Graph for a real tenant without a Bot Framework app id', () => {
    const groups = { APPROVER_GROUP_ID: local.approverGroupId, ADMIN_GROUP_ID: local.adminGroupId, MicrosoftAppTenantId: TENANT };
    const unauthenticated = 'set for a real tenant but MicrosoftAppId is empty';

    it.each([
      ['AZURE_* client credentials', { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: 'x' }],
      ['a certificate alone', { AZURE_CLIENT_CERTIFICATE_PATH: '/etc/bot/graph.pem' }],
      ['an https GRAPH_BASE_URL', { GRAPH_BASE_URL: 'https://graph.microsoft.com' }],
    ])('refuses to start with %s, explaining what anyone could do', (_case, graph) => {
      const problems = problemsOf({ ...groups, ...graph });
      expect(problems).toEqual([expect.stringContaining(unauthenticated)]);
      expect(problems[0]).toContain('choose from.aadObjectId, the tenant and the serviceUrl');
      expect(problems[0]).toContain('Set MicrosoftAppId and MicrosoftAppPassword');
    });

    it('is one of the collected problems, next to the others', () => {
      const problems = problemsOf({ AZURE_CLIENT_ID: APP, LOG_LEVEL: 'loud' });
      expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(unauthenticated), expect.stringContaining('LOG_LEVEL "loud"')]));
    });

    it('starts with an app id, and with a loopback simulator without one', () => {
      expect(
        problemsOf({ ...groups, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: 'x', MicrosoftAppId: APP, MicrosoftAppPassword: 'y' }),
      ).toEqual([]);
      expect(problemsOf({ GRAPH_BASE_URL: 'http://127.0.0.1:5001' }, local)).toEqual([]);
    });
  });

  describe('HOST', () => {
    it('listens on loopback only in local mode and on every interface with an app id', () => {
      expect(loadConfig({}, local).host).toBe('127.0.0.1');
      expect(loadConfig({ MicrosoftAppId: APP, MicrosoftAppPassword: 'x', MicrosoftAppTenantId: TENANT }, local).host).toBe('0.0.0.0');
    });

    it('takes an IP address and refuses anything else', () => {
      expect(loadConfig({ HOST: '0.0.0.0' }, local).host).toBe('0.0.0.0');
      expect(loadConfig({ HOST: '::1' }, local).host).toBe('::1');
      expect(problemsOf({ HOST: 'my laptop' }, local)).toEqual([expect.stringContaining('HOST "my laptop" must be an IP address')]);
    });

    it('warns when a bot without an app id listens beyond this machine', () => {
      expect(configWarnings(loadConfig({ HOST: '0.0.0.0' }, local))).toEqual([expect.stringContaining('HOST is 0.0.0.0 and MicrosoftAppId is empty')]);
      expect(configWarnings(loadConfig({ HOST: '127.0.0.2' }, local))).toEqual([]);
      expect(configWarnings(loadConfig({ MicrosoftAppId: APP, MicrosoftAppPassword: 'x', MicrosoftAppTenantId: TENANT }, local))).toEqual([]);
    });
  });

  it('limits each person to 30 requests an hour and 5 searches a second (burst 10), and an instance to 64 turns, by default', () => {
    expect(loadConfig({}, local)).toMatchObject({ requestsPerUserPerHour: 30, searchesPerUserPerSecond: 5, searchBurstPerUser: 10, maxConcurrentTurns: 64 });
    const tuned = loadConfig(
      { REQUESTS_PER_USER_PER_HOUR: '100', SEARCHES_PER_USER_PER_SECOND: '2', SEARCH_BURST_PER_USER: '0', MAX_CONCURRENT_TURNS: '8' },
      local,
    );
    expect(tuned).toMatchObject({ requestsPerUserPerHour: 100, searchesPerUserPerSecond: 2, searchBurstPerUser: 0, maxConcurrentTurns: 8 });
    const problems = problemsOf(
      { REQUESTS_PER_USER_PER_HOUR: '0', SEARCHES_PER_USER_PER_SECOND: 'many', SEARCH_BURST_PER_USER: '-1', MAX_CONCURRENT_TURNS: '1.5' },
      local,
    );
    expect(problems).toEqual([
      expect.stringContaining('REQUESTS_PER_USER_PER_HOUR "0"'),
      expect.stringContaining('SEARCHES_PER_USER_PER_SECOND "many"'),
      expect.stringContaining('SEARCH_BURST_PER_USER "-1"'),
      expect.stringContaining('MAX_CONCURRENT_TURNS "1.5"'),
    ]);
  });

  it('keeps role answers for 60 seconds by default, for ROLE_CACHE_SECONDS when set, and 0 means not at all', () => {
    expect(loadConfig({}, local).roleCacheSeconds).toBe(60);
    expect(loadConfig({ ROLE_CACHE_SECONDS: '15' }, local).roleCacheSeconds).toBe(15);
    expect(loadConfig({ ROLE_CACHE_SECONDS: '0' }, local).roleCacheSeconds).toBe(0);
    expect(problemsOf({ ROLE_CACHE_SECONDS: '1m' }, local)).toEqual(['ROLE_CACHE_SECONDS "1m" must be a whole number of seconds from 0 to 3600.']);
    expect(problemsOf({ ROLE_CACHE_SECONDS: '7200' }, local)).toEqual(['ROLE_CACHE_SECONDS "7200" must be a whole number of seconds from 0 to 3600.']);
  });

  it('ends access after 90 days by default (at most 365), tells sponsors 7 days ahead, disables guests at the end and recertifies only when asked', () => {
    expect(loadConfig({}, local)).toMatchObject({
      guestAccessDefaultDays: 90,
      guestAccessMaxDays: 365,
      guestAccessNoEnd: false,
      guestExpiryNoticeDays: 7,
      guestEndAction: 'disable',
      recertifyDays: 0,
      recertifyGraceDays: 14,
      cleanupGuestsPerMinute: 30,
    });
    expect(loadConfig({ GUEST_ACCESS_MAX_DAYS: '30' }, local).guestAccessDefaultDays).toBe(30);
    expect(loadConfig({ GUEST_END_ACTION: 'Delete', RECERTIFY_DAYS: '180', GUEST_ACCESS_NO_END: 'true' }, local)).toMatchObject({
      guestEndAction: 'delete',
      recertifyDays: 180,
      guestAccessNoEnd: true,
    });
  });

  it('names lifecycle settings that contradict each other or are out of range', () => {
    expect(
      problemsOf(
        { GUEST_ACCESS_DEFAULT_DAYS: '120', GUEST_ACCESS_MAX_DAYS: '60', GUEST_END_ACTION: 'archive', RECERTIFY_DAYS: '10', RECERTIFY_GRACE_DAYS: '10' },
        local,
      ),
    ).toEqual([
      'GUEST_ACCESS_DEFAULT_DAYS (120) is longer than GUEST_ACCESS_MAX_DAYS (60): the date a form suggests must be one it allows.',
      'GUEST_END_ACTION "archive" must be one of: disable, delete, none.',
      'RECERTIFY_GRACE_DAYS (10) must be shorter than RECERTIFY_DAYS (10): a campaign would still be open when the next one starts.',
    ]);
    expect(problemsOf({ GUEST_EXPIRY_NOTICE_DAYS: '0' }, local)).toEqual(['GUEST_EXPIRY_NOTICE_DAYS "0" must be a whole number of days from 1 to 365.']);
  });

  it('ConfigError message lists each problem on its own line', () => {
    const error = new ConfigError(['first', 'second']);
    expect(error.message).toBe('The configuration has 2 problem(s):\n  - first\n  - second');
  });
});
