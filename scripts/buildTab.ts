/**
 * Builds the tab into `dist/tab`: type-checks `tab/` against its own configuration (the browser's
 * DOM, not Node), then bundles its three pages with esbuild (whose binary comes with `npm install`,
 * so nothing is downloaded): the tab (`tab.js`, on @microsoft/teams-js), the New request dialog
 * (`dialog.js`, with the Adaptive Cards renderer, kept out of the tab's own bundle) and the local
 * Teams host page. `npm run build`, `npm test`, `npm start` and `npm run local` run it.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';
import { repoRoot } from './repoRoot';

export interface BuiltFile {
  name: string;
  bytes: number;
  gzipBytes: number;
}

export interface TabBuild {
  outDir: string;
  files: BuiltFile[];
}

/**
 * The pages and style sheets copied as they are; the scripts and bundled styles come from esbuild,
 * before these. `index.html` is written last: the step before `npm start` (scripts/buildIfStale.mjs)
 * reads its age as the time the whole build finished, and a build that failed half-way has none.
 */
const STATIC_FILES: ReadonlyArray<[from: string, name: string]> = [
  ['tab/static/dialog.html', 'dialog.html'],
  ['tab/localHost/local-host.html', 'local-host.html'],
  ['tab/localHost/local-host.css', 'local-host.css'],
  ['tab/static/index.html', 'index.html'],
];

const ENTRY_POINTS = {
  tab: 'tab/src/main.ts',
  dialog: 'tab/src/dialog.ts',
  'local-host': 'tab/localHost/host.ts',
};

export class TabTypeErrors extends Error {
  constructor(readonly report: string) {
    super(`The tab's code has type errors:\n${report}`);
    this.name = 'TabTypeErrors';
  }
}

/** Type errors in `tab/`, formatted as tsc prints them; empty when there are none. */
export function typeCheckTab(root: string = repoRoot()): string {
  const configPath = path.join(root, 'tab', 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (read.error) return ts.formatDiagnostics([read.error], formatHost(root));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configPath));
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  return diagnostics.length > 0 ? ts.formatDiagnostics(diagnostics, formatHost(root)) : '';
}

function formatHost(root: string): ts.FormatDiagnosticsHost {
  return { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
}

/** Builds every file of the tab into `outDir` (default `dist/tab`), replacing what was there. */
export async function buildTab(options: { root?: string; outDir?: string; typeCheck?: boolean } = {}): Promise<TabBuild> {
  const root = options.root ?? repoRoot();
  const outDir = options.outDir ?? path.join(root, 'dist', 'tab');
  if (options.typeCheck !== false) {
    const errors = typeCheckTab(root);
    if (errors) throw new TabTypeErrors(errors);
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: ENTRY_POINTS,
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020', 'chrome100', 'edge100', 'firefox100', 'safari15'],
    // Licence notices of the bundled libraries stay in the files.
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  for (const [from, name] of STATIC_FILES) copyFileSync(path.join(root, from), path.join(outDir, name));
  return { outDir, files: bundleSizes(outDir) };
}

/** Each file's size, and gzipped at the level servers and CDNs commonly use. */
export function bundleSizes(dir: string): BuiltFile[] {
  return (
    readdirSync(dir)
      // tsc may put the tab's pure modules that tests import below `dist/tab` too; only the build's own files count.
      .filter((name) => statSync(path.join(dir, name)).isFile())
      .sort()
      .map((name) => {
        const body = readFileSync(path.join(dir, name));
        return { name, bytes: body.length, gzipBytes: gzipSync(body, { level: 6 }).length };
      })
  );
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

async function main(): Promise<void> {
  try {
    const built = await buildTab();
    const scripts = built.files.filter((f) => f.name.endsWith('.js'));
    const sizes = scripts.map((f) => `${f.name} ${kib(f.bytes)} (${kib(f.gzipBytes)} gzipped)`).join(', ');
    process.stdout.write(`Tab built in ${path.relative(process.cwd(), built.outDir) || '.'}: ${sizes}\n`);
  } catch (error) {
    process.stderr.write(`The tab was not built: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
