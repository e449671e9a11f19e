/**
 * Runs before `npm start` and the other npm scripts that run compiled code: builds as `npm run build`
 * does (tsconfig.build.json, then the tab's bundles with dist/scripts/buildTab.js) when dist/ or
 * dist/tab is missing or older than a source file (the tab's own sources in tab/ included), so that
 * a fresh clone starts with one command while a deployed build starts as it is. Plain JavaScript,
 * because it runs before anything is compiled; TypeScript is needed only when something must be
 * built, so an install without devDependencies runs the build it was deployed with.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const builtEntry = join(root, 'dist', 'scripts', 'start.js');
/** Written last by the tab's build (scripts/buildTab.ts), so its age says when the whole build finished. */
const builtTab = join(root, 'dist', 'tab', 'index.html');
const sourceFolders = ['bot', 'cards', 'services', 'simulator', 'scripts', 'tab'];
const buildSettings = ['tsconfig.json', 'tsconfig.build.json'];

/** The most recently changed source (TypeScript, JSON, and the tab's pages and styles) under `dir`, or undefined when there is none. */
function newestSource(dir) {
  let newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const candidate = entry.isDirectory() ? newestSource(path) : /\.(ts|json|html|css)$/.test(entry.name) ? { path, ms: statSync(path).mtimeMs } : undefined;
    if (candidate && (!newest || candidate.ms > newest.ms)) newest = candidate;
  }
  return newest;
}

function newestOfAll() {
  const candidates = [
    ...sourceFolders.filter((folder) => existsSync(join(root, folder))).map((folder) => newestSource(join(root, folder))),
    ...buildSettings.filter((file) => existsSync(join(root, file))).map((file) => ({ path: join(root, file), ms: statSync(join(root, file)).mtimeMs })),
  ].filter((candidate) => candidate !== undefined);
  return candidates.reduce((newest, candidate) => (candidate.ms > newest.ms ? candidate : newest));
}

function typescriptCompiler() {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

const builtMs = existsSync(builtEntry) && existsSync(builtTab) ? Math.min(statSync(builtEntry).mtimeMs, statSync(builtTab).mtimeMs) : undefined;
const newest = newestOfAll();
if (builtMs !== undefined && builtMs >= newest.ms) process.exit(0);

const reason =
  builtMs !== undefined
    ? `${relative(root, newest.path)} is newer than the build in dist/`
    : existsSync(builtEntry)
      ? "dist/tab has no build of the tab's pages yet"
      : 'dist/ has no build yet';
const tsc = typescriptCompiler();
if (tsc === undefined) {
  if (builtMs === undefined) {
    process.stderr.write(
      `Not started: ${reason}, and TypeScript is not installed here (an install without devDependencies). ` +
        'Build where they are installed (npm ci && npm run build) and deploy dist/ with the code, or install with devDependencies.\n',
    );
    process.exit(1);
  }
  // A deployment may well touch the sources after its build (unpacking, copying); what it built is what it runs.
  process.stderr.write(`Note: ${reason}, and TypeScript is not installed here to rebuild it: running the build as it is.\n`);
  process.exit(0);
}

process.stderr.write(`Compiling the production build (${reason}): tsc -p tsconfig.build.json && node dist/scripts/buildTab.js, as npm run build does\n`);
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
const bundled = spawnSync(process.execPath, [join(root, 'dist', 'scripts', 'buildTab.js')], { stdio: 'inherit' });
process.exit(bundled.status ?? 1);
