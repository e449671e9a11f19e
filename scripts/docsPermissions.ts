/**
 * `npm run docs:permissions`: rewrites the README's Microsoft Graph permission table from the
 * declaration in services/directory/permissions.ts. A test fails while the two differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withPermissionsSection } from '../services/directory/permissions';
import { repoRoot } from './repoRoot';

const readmePath = path.join(repoRoot(), 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = withPermissionsSection(before);
if (after === before) {
  process.stdout.write('README.md: the Graph permission table is up to date.\n');
} else {
  writeFileSync(readmePath, after);
  process.stdout.write('README.md: the Graph permission table was rewritten from services/directory/permissions.ts.\n');
}
