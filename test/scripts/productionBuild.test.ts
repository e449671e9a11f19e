/**
 * `npm run build` and `npm start` as a deployment uses them: the production build compiles only what
 * runs and bundles the tab, what runs needs only the production dependencies (the tab's bundler is a
 * build tool, never loaded by what runs), and the step before `npm start` builds when it must (a
 * source of the server or of the tab newer than the build) and otherwise starts what was deployed,
 * without TypeScript.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
const PRODUCTION_FOLDERS = ['bot', 'cards', 'services', 'simulator', 'scripts'];

interface PackageJson {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

function parsedConfig(file: string): ts.ParsedCommandLine {
  const problems: string[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, file),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => problems.push(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  );
  if (!parsed) throw new Error(`${file} could not be read: ${problems.join('; ')}`);
  return parsed;
}

/** The top folder of a file in the repository ("services" for services/store/openStore.ts). */
const topFolder = (file: string) => relative(ROOT, file).split(/[\\/]/)[0];

/** The modules a file loads when it runs: imports and exports that are not type-only, require() and import(). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      // TypeScript drops an import whose every name is a type, so it loads nothing at run time.
      const onlyTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name &&
            bindings !== undefined &&
            ts.isNamedImports(bindings) &&
            bindings.elements.length > 0 &&
            bindings.elements.every((e) => e.isTypeOnly)));
      if (!onlyTypes) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const [specifier] = node.arguments;
      if (specifier && ts.isStringLiteral(specifier)) found.push(specifier.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every package that running `entries` loads, following the project's own files from import to import. */
function packagesLoadedBy(entries: string[]): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = entries.map((entry) => join(ROOT, entry));
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file) || file.endsWith('.json')) continue;
    seen.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        const found = [`${target}.ts`, join(target, 'index.ts'), target].find((candidate) => /\.(ts|json)$/.test(candidate) && existsSync(candidate));
        if (!found) throw new Error(`${relative(ROOT, file)} imports ${specifier}, which is not a file of the project`);
        queue.push(found);
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        if (!packages.has(name)) packages.set(name, relative(ROOT, file));
      }
    }
  }
  return packages;
}

describe('npm run build', () => {
  it('compiles bot, cards, services, simulator and scripts into dist/, and nothing of test/ or bench/', () => {
    const build = parsedConfig('tsconfig.build.json');
    // The files imports pull in count as well as those the configuration names.
    const program = ts.createProgram({ rootNames: build.fileNames, options: build.options });
    const compiled = program
      .getSourceFiles()
      .map((f) => resolve(f.fileName))
      .filter((f) => f.startsWith(ROOT) && !f.includes('/node_modules/'));

    expect(build.options.outDir).toBe(join(ROOT, 'dist'));
    expect([...new Set(compiled.map(topFolder))].sort()).toEqual([...PRODUCTION_FOLDERS].sort());
    expect(build.options.types).toEqual(['node']);
    // A build with type errors writes nothing, so a broken build is never deployed.
    expect(build.options.noEmitOnError).toBe(true);
    expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  }, 120_000);

  it('then bundles the tab into dist/tab with the build tool it just compiled', () => {
    expect(packageJson.scripts.build).toBe('tsc -p tsconfig.build.json && node dist/scripts/buildTab.js');
    expect(parsedConfig('tsconfig.build.json').fileNames.map((f) => relative(ROOT, f))).toContain('scripts/buildTab.ts');
  });

  it('leaves type checking of the tests and benchmarks to npm test, over everything but the lint fixtures', () => {
    const all = parsedConfig('tsconfig.json').fileNames.map((f) => relative(ROOT, f));

    expect([...new Set(all.map((f) => f.split('/')[0]))].sort()).toEqual([...PRODUCTION_FOLDERS, 'test', 'bench'].sort());
    expect(all.filter((f) => f.startsWith('test/lint/fixtures/'))).toEqual([]);
    // The tab is type-checked (under tab/tsconfig.json) and bundled before jest, whose browser tests serve it.
    expect(packageJson.scripts.test).toBe(
      'tsc -p tsconfig.json && npm run --silent lint && npm run --silent format:check && node dist/scripts/buildTab.js && jest',
    );
  });
});

describe('npm start, npm run migrate and npm run check-permissions', () => {
  it('load only production dependencies, never a devDependency', () => {
    const loaded = packagesLoadedBy(['scripts/start.ts', 'scripts/migrate.ts', 'scripts/checkPermissions.ts']);
    const notProduction = [...loaded].filter(([name]) => !(name in packageJson.dependencies)).map(([name, by]) => `${name} (loaded by ${by})`);

    expect(loaded.has('botbuilder')).toBe(true);
    // The tab's API and pages are part of what runs: its token check is loaded, its bundler is not.
    expect(loaded.has('jose')).toBe(true);
    expect(notProduction).toEqual([]);
  });

  it("leave esbuild and typescript to the tab's build tool, where the same check finds them", () => {
    const loaded = packagesLoadedBy(['scripts/buildTab.ts']);

    expect([...loaded.keys()].filter((name) => !(name in packageJson.dependencies)).sort()).toEqual(['esbuild', 'typescript']);
    expect(['esbuild', 'typescript'].every((name) => name in packageJson.devDependencies)).toBe(true);
  });

  it('run the compiled JavaScript with node, the compiler kept to the step before', () => {
    expect(packageJson.scripts.start).toMatch(/^node (--\S+ )*dist\/scripts\/start\.js$/);
    expect(packageJson.scripts.prestart).toBe('node scripts/buildIfStale.mjs');
    for (const script of ['migrate', 'check-permissions'])
      expect(packageJson.scripts[script]).toMatch(/^node scripts\/buildIfStale\.mjs && node dist\/scripts\/\S+\.js$/);
  });
});

describe('the step before npm start (scripts/buildIfStale.mjs)', () => {
  let dir: string;
  beforeEach(() => {
    // A project of its own: two sources, a test, a tab with a stand-in for its bundler, and the
    // repository's build settings and script.
    dir = mkdtempSync(join(tmpdir(), 'build-if-stale-'));
    for (const folder of ['scripts', 'bot', 'test', 'tab']) mkdirSync(join(dir, folder));
    for (const file of ['tsconfig.json', 'tsconfig.build.json', 'scripts/buildIfStale.mjs']) copyFileSync(join(ROOT, file), join(dir, file));
    writeFileSync(join(dir, 'package.json'), '{ "name": "build-if-stale-fixture", "private": true }\n');
    writeFileSync(join(dir, 'bot', 'greeting.ts'), "export const greeting = 'hello';\n");
    writeFileSync(join(dir, 'scripts', 'start.ts'), "import { greeting } from '../bot/greeting';\nprocess.stdout.write(greeting);\n");
    writeFileSync(join(dir, 'test', 'greeting.test.ts'), "import { greeting } from '../bot/greeting';\nexport const checked: string = greeting;\n");
    writeFileSync(join(dir, 'tab', 'index.html'), '<p>first</p>\n');
    // Bundles the tab as scripts/buildTab.ts does, in miniature: its page last, into dist/tab.
    writeFileSync(
      join(dir, 'scripts', 'buildTab.ts'),
      "import { copyFileSync, mkdirSync } from 'node:fs';\nimport { join } from 'node:path';\n" +
        "const root = join(__dirname, '..', '..');\nmkdirSync(join(root, 'dist', 'tab'), { recursive: true });\n" +
        "copyFileSync(join(root, 'tab', 'index.html'), join(root, 'dist', 'tab', 'index.html'));\n",
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const buildIfStale = () => spawnSync(process.execPath, [join(dir, 'scripts', 'buildIfStale.mjs')], { cwd: dir, encoding: 'utf8' });
  const builtEntry = () => join(dir, 'dist', 'scripts', 'start.js');
  const builtTab = () => join(dir, 'dist', 'tab', 'index.html');
  /** Gives the build a time and a source a later one, as an edit after the build would. */
  const editAfterBuild = (file: string, text?: string) => {
    for (const built of [builtEntry(), builtTab()]) utimesSync(built, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    if (text !== undefined) writeFileSync(join(dir, file), text);
    utimesSync(join(dir, file), new Date(), new Date());
  };
  /** A build made elsewhere and deployed: the compiled start script and the tab's page. */
  const deployedBuild = () => {
    mkdirSync(join(dir, 'dist', 'scripts'), { recursive: true });
    writeFileSync(builtEntry(), "process.stdout.write('hello');\n");
    mkdirSync(join(dir, 'dist', 'tab'), { recursive: true });
    writeFileSync(builtTab(), '<p>deployed</p>\n');
  };

  it('compiles a missing build with the build configuration and bundles the tab, leaving the tests out, then does nothing while it is fresh', () => {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

    const first = buildIfStale();
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('Compiling the production build (dist/ has no build yet): tsc -p tsconfig.build.json && node dist/scripts/buildTab.js');
    expect(existsSync(builtEntry())).toBe(true);
    expect(existsSync(join(dir, 'dist', 'bot', 'greeting.js'))).toBe(true);
    expect(readFileSync(builtTab(), 'utf8')).toBe('<p>first</p>\n');
    expect(existsSync(join(dir, 'dist', 'test'))).toBe(false);

    expect(buildIfStale()).toMatchObject({ status: 0, stderr: '' });

    editAfterBuild('bot/greeting.ts');
    expect(buildIfStale()).toMatchObject({ status: 0, stderr: expect.stringContaining('(bot/greeting.ts is newer than the build in dist/)') });
  }, 60_000);

  it('rebuilds when a source of the tab is newer than the build, or the tab was never bundled', () => {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    expect(buildIfStale().status).toBe(0);

    editAfterBuild('tab/index.html', '<p>edited</p>\n');
    const stale = buildIfStale();
    expect(stale).toMatchObject({ status: 0, stderr: expect.stringContaining('(tab/index.html is newer than the build in dist/)') });
    expect(readFileSync(builtTab(), 'utf8')).toBe('<p>edited</p>\n');
    expect(buildIfStale()).toMatchObject({ status: 0, stderr: '' });

    rmSync(join(dir, 'dist', 'tab'), { recursive: true });
    const unbundled = buildIfStale();
    expect(unbundled).toMatchObject({ status: 0, stderr: expect.stringContaining("(dist/tab has no build of the tab's pages yet)") });
    expect(readFileSync(builtTab(), 'utf8')).toBe('<p>edited</p>\n');
  }, 60_000);

  it('refuses to start with type errors, writing nothing', () => {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'bot', 'greeting.ts'), 'export const greeting: number = "hello";\n');

    const run = buildIfStale();

    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain("Type 'string' is not assignable to type 'number'");
    expect(existsSync(builtEntry())).toBe(false);
  }, 60_000);

  it('without TypeScript (an install without devDependencies) starts the deployed build, even one older than its sources', () => {
    deployedBuild();

    expect(buildIfStale()).toMatchObject({ status: 0, stderr: '' });

    editAfterBuild('bot/greeting.ts');
    const stale = buildIfStale();
    expect(stale.status).toBe(0);
    expect(stale.stderr).toBe(
      'Note: bot/greeting.ts is newer than the build in dist/, and TypeScript is not installed here to rebuild it: running the build as it is.\n',
    );
    editAfterBuild('tab/index.html');
    expect(buildIfStale()).toMatchObject({ status: 0, stderr: expect.stringContaining('Note: tab/index.html is newer than the build in dist/') });
    expect(readFileSync(builtTab(), 'utf8')).toBe('<p>deployed</p>\n');
  });

  it("without TypeScript, refuses a deployed build that lacks the tab's pages, and says how to build", () => {
    deployedBuild();
    rmSync(join(dir, 'dist', 'tab'), { recursive: true });

    const run = buildIfStale();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Not started: dist/tab has no build of the tab's pages yet, and TypeScript is not installed here");
    expect(run.stderr).toContain('npm ci && npm run build');
  });

  it('without TypeScript and without a build, refuses to start and says how to build', () => {
    const run = buildIfStale();

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Not started: dist/ has no build yet, and TypeScript is not installed here (an install without devDependencies).');
    expect(run.stderr).toContain('npm ci && npm run build');
  });
});
