/**
 * Lints files with the project's eslint.config.mjs through ESLint's Node API and prints the
 * messages as JSON, for test/lint/boundaries.test.ts. It runs as a process of its own because ESLint
 * loads its configuration with import(), which jest's module sandbox does not offer.
 *
 * argv[2] is a JSON list of { file, as? }: `file` (relative to the repository) is linted as it is,
 * type-aware rules included, or, with `as`, its text is linted as though it were at `as`, so that a
 * fixture kept out of the build shows what the rules say about a file in bot/, cards/ or services/.
 * A fixture at a path that is not on disk has no TypeScript program, so the type-aware rules are
 * left out for those; the boundary rules do not need types.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const requests = JSON.parse(process.argv[2] ?? '[]');
const asItIs = new ESLint({ cwd: root });
const asThoughElsewhere = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });

const results = [];
for (const { file, as } of requests) {
  const [result] = as
    ? await asThoughElsewhere.lintText(await readFile(join(root, file), 'utf8'), { filePath: join(root, as) })
    : await asItIs.lintFiles([join(root, file)]);
  results.push({ file, as, messages: result.messages.map(({ ruleId, message, line, fatal }) => ({ ruleId, message, line, fatal: fatal === true })) });
}
process.stdout.write(JSON.stringify(results));
