/**
 * The layer boundaries in eslint.config.mjs: services/ never imports bot/ or cards/, production
 * code never imports simulator/, and the tab's browser code imports none of the server's folders. The fixtures in test/lint/fixtures/ (kept out of the compiler, jest
 * and the normal lint run) are linted as though they sat in those folders, through ESLint's Node API.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const RESTRICTED = '@typescript-eslint/no-restricted-imports';

interface LintMessage {
  ruleId: string | null;
  message: string;
  line: number;
  fatal: boolean;
}
interface LintResult {
  file: string;
  as?: string;
  messages: LintMessage[];
}

/** Lints each file (or its text, as though it were at `as`) with the project's ESLint configuration. */
function lint(requests: { file: string; as?: string }[]): LintResult[] {
  const run = spawnSync(process.execPath, [join(ROOT, 'test', 'lint', 'lintAs.mjs'), JSON.stringify(requests)], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ESLint did not run (exit ${String(run.status)}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as LintResult[];
}

/** The boundary errors of one result, as "line: message". */
function boundaryErrors(result: LintResult | undefined): string[] {
  return (result?.messages ?? []).filter((m) => m.ruleId === RESTRICTED).map((m) => `${m.line}: ${m.message}`);
}

describe('layer boundaries (ESLint)', () => {
  it('reports every import of bot/, cards/ and simulator/ from a file in services/, type-only ones included', () => {
    const [result] = lint([{ file: 'test/lint/fixtures/services-imports-bot.ts', as: 'services/requests/notifyApprovers.ts' }]);

    expect(boundaryErrors(result)).toEqual([
      expect.stringMatching(/^3: .*'\.\.\/\.\.\/bot\/app'.*services\/ must not import bot\//),
      expect.stringMatching(/^4: .*'\.\.\/\.\.\/cards\/adaptiveCard'.*services\/ must not import cards\//),
      expect.stringMatching(/^5: .*'\.\.\/\.\.\/cards\/approvalCard'.*services\/ must not import cards\//),
      expect.stringMatching(/^6: .*'\.\.\/\.\.\/simulator\/server'.*production code must not import simulator\//),
    ]);
  });

  it('reports imports of simulator/ from bot/ and from cards/', () => {
    const [inBot, inCards] = lint([
      { file: 'test/lint/fixtures/bot-imports-simulator.ts', as: 'bot/commands/demoDirectory.ts' },
      { file: 'test/lint/fixtures/bot-imports-simulator.ts', as: 'cards/demoCard.ts' },
    ]);

    for (const result of [inBot, inCards]) {
      expect(boundaryErrors(result)).toEqual([
        expect.stringMatching(/^3: .*simulator\/server.*production code must not import simulator\//),
        expect.stringMatching(/^4: .*simulator\/seed.*production code must not import simulator\//),
      ]);
    }
  });

  it('lets services/ import its own folders and packages whose names contain bot or cards', () => {
    const [result] = lint([{ file: 'test/lint/fixtures/services-imports-within.ts', as: 'services/requests/withinBounds.ts' }]);

    expect(result?.messages.filter((m) => m.fatal)).toEqual([]);
    expect(boundaryErrors(result)).toEqual([]);
  });

  it('lets scripts/ and benchmarks wire the simulator in, checked with the type-aware rules on the real files', () => {
    const results = lint([{ file: 'scripts/start.ts' }, { file: 'bench/guestListing.ts' }]);

    for (const result of results) {
      expect({ file: result.file, fatal: result.messages.filter((m) => m.fatal) }).toEqual({ file: result.file, fatal: [] });
      expect({ file: result.file, boundaryErrors: boundaryErrors(result) }).toEqual({ file: result.file, boundaryErrors: [] });
    }
  });

  it("reports every import of the server's folders from the tab's browser code, and lets it import its own", () => {
    const [result] = lint([{ file: 'test/lint/fixtures/tab-imports-server.ts', as: 'tab/src/views/serverCode.ts' }]);

    expect(boundaryErrors(result)).toEqual([
      expect.stringMatching(/^3: .*bot\/tab\/views.*tab\/ must not import bot\//),
      expect.stringMatching(/^4: .*cards\/adaptiveCard.*tab\/ must not import cards\//),
      expect.stringMatching(/^5: .*services\/requests\/model.*tab\/ must not import services\//),
      expect.stringMatching(/^6: .*simulator.*tab\/ must not import simulator\//),
      expect.stringMatching(/^7: .*scripts\/buildTab.*tab\/ must not import scripts\//),
    ]);
  });

  it("lints the tab's real files with the type-aware rules under the tab's own tsconfig.json, finding nothing", () => {
    const results = lint([{ file: 'tab/src/main.ts' }, { file: 'tab/src/views/guests.ts' }, { file: 'tab/localHost/host.ts' }]);

    for (const result of results) expect({ file: result.file, messages: result.messages }).toEqual({ file: result.file, messages: [] });
  });

  it('leaves the fixtures out of the normal lint run', () => {
    const [result] = lint([{ file: 'test/lint/fixtures/services-imports-bot.ts' }]);

    expect(result?.messages.map((m) => m.message)).toEqual([expect.stringContaining('ignored')]);
  });
});
