import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTab, type TabBuild } from '../../scripts/buildTab';

/** The main bundle's budget: Teams loads it on every open of the tab. */
const TAB_BUNDLE_GZIP_BUDGET = 100 * 1024;

describe("the tab's build", () => {
  let dir: string;
  let built: TabBuild;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'guest-access-tab-build-'));
    built = await buildTab({ outDir: dir });
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every page, script and style sheet the server serves', () => {
    expect(built.files.map((f) => f.name)).toEqual([
      'dialog.css',
      'dialog.html',
      'dialog.js',
      'index.html',
      'local-host.css',
      'local-host.html',
      'local-host.js',
      'tab.css',
      'tab.js',
    ]);
  });

  it('writes index.html last, whose age the step before npm start takes for the time the whole build finished', () => {
    const writtenAt = (name: string) => statSync(path.join(dir, name)).mtimeMs;
    const last = writtenAt('index.html');
    for (const file of built.files) expect({ file: file.name, afterIndex: writtenAt(file.name) > last }).toEqual({ file: file.name, afterIndex: false });
  });

  it("keeps the tab's own bundle within its budget, with the card renderer only in the dialog's", () => {
    const tab = built.files.find((f) => f.name === 'tab.js')!;
    expect(tab.gzipBytes).toBeLessThanOrEqual(TAB_BUNDLE_GZIP_BUDGET);
    expect(readFileSync(path.join(dir, 'tab.js'), 'utf8')).not.toContain('ac-adaptiveCard');
    expect(readFileSync(path.join(dir, 'dialog.js'), 'utf8')).toContain('ac-adaptiveCard');
  });

  it('has pages with no inline script or style, only files of their own', () => {
    for (const page of ['index.html', 'dialog.html', 'local-host.html']) {
      const html = readFileSync(path.join(dir, page), 'utf8');
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) {
        expect(attributes).toMatch(/\bsrc="[a-z-]+\.js"/);
        expect(body.trim()).toBe('');
      }
      expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
      expect(html).not.toMatch(/https?:\/\//);
    }
  });
});
