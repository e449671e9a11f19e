/**
 * The README's Security section names, for every promise, the tests that keep it. This checks that
 * each named file exists and holds each named test, so a renamed or deleted test cannot leave a
 * promise in the README that nothing proves any more.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

function securityRows(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Security\n'), readme.indexOf('\n### What is out of the bot'));
  return section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Promise') && !line.startsWith('|---'));
}

/** `file` › "name", "name"; `file` › "name" … from the row's last cell. */
function citations(row: string): { file: string; names: string[] }[] {
  const proof = row.split(' | ').at(-1) ?? '';
  return proof.split(/;\s*/).flatMap((part) => {
    const file = /`(test\/[^`]+)`/.exec(part)?.[1];
    if (!file) return [];
    return [{ file, names: [...part.matchAll(/"([^"]+)"/g)].map((m) => m[1]) }];
  });
}

describe("the README's Security section", () => {
  const rows = securityRows();

  it('has promises, each with at least one named test', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((row) => citations(row).every((c) => c.names.length === 0))).toEqual([]);
  });

  it('names only test files that exist and tests that are in them', () => {
    const missing: string[] = [];
    for (const row of rows) {
      for (const { file, names } of citations(row)) {
        const full = path.join(root, file);
        if (!existsSync(full)) {
          missing.push(`${file} does not exist`);
          continue;
        }
        const source = readFileSync(full, 'utf8').replace(/\\'/g, "'");
        missing.push(...names.filter((name) => !source.includes(name)).map((name) => `${file} has no test "${name}"`));
      }
    }
    expect(missing).toEqual([]);
  });
});
