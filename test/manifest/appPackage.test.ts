import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import JSZip from 'jszip';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { PNG } from 'pngjs';
import { createCommands } from '../../bot/commands';
import { ACCENT_COLOR } from '../../scripts/drawIcons';
import { buildAppPackage, PACKAGE_DEFAULTS, runPackage, type PackageInputs } from '../../scripts/package';

const ROOT = path.join(__dirname, '..', '..');
const MANIFEST_DIR = path.join(ROOT, 'manifest');
const BOT_ID = '6f1c2f0e-3d7a-4c55-9a8e-2b4f7d9c1e0a';

const ENV = {
  MicrosoftAppId: BOT_ID,
  BOT_DOMAIN: 'guest-access.contoso.com',
  DEVELOPER_NAME: 'Contoso IT',
  DEVELOPER_WEBSITE_URL: 'https://intranet.contoso.com/guest-access',
  DEVELOPER_PRIVACY_URL: 'https://intranet.contoso.com/privacy',
  DEVELOPER_TERMS_URL: 'https://intranet.contoso.com/terms',
};

/** Collects what a script prints. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('the Teams app package (npm run package)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'guest-access-package-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function inputs(overrides: Partial<PackageInputs> = {}): PackageInputs {
    return {
      templatePath: path.join(MANIFEST_DIR, 'manifest.template.json'),
      iconsDir: MANIFEST_DIR,
      outFile: path.join(dir, 'build', 'appPackage.zip'),
      env: ENV,
      defaultVersion: '0.1.0',
      ...overrides,
    };
  }

  async function readPackage(file: string): Promise<{ names: string[]; manifest: Record<string, unknown>; zip: JSZip }> {
    const zip = await JSZip.loadAsync(readFileSync(file));
    const text = await zip.file('manifest.json')!.async('string');
    return { names: Object.keys(zip.files).sort(), manifest: JSON.parse(text) as Record<string, unknown>, zip };
  }

  it('writes a zip holding the filled manifest and both icons, with nothing else', async () => {
    const err = new Capture();
    const code = await runPackage(inputs(), new Capture(), err);
    expect(err.text).toBe('');
    expect(code).toBe(0);

    const { names, manifest, zip } = await readPackage(path.join(dir, 'build', 'appPackage.zip'));
    expect(names).toEqual(['color.png', 'manifest.json', 'outline.png']);
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(manifest).toMatchObject({
      id: PACKAGE_DEFAULTS.TEAMS_APP_ID,
      version: '0.1.0',
      validDomains: ['guest-access.contoso.com'],
      developer: { name: 'Contoso IT', privacyUrl: 'https://intranet.contoso.com/privacy' },
      icons: { color: 'color.png', outline: 'outline.png' },
    });
    expect(await zip.file('color.png')!.async('nodebuffer')).toEqual(readFileSync(path.join(MANIFEST_DIR, 'color.png')));
  });

  it('produces a manifest that the official schema accepts, checked again here without the script', async () => {
    await buildAppPackage(inputs());
    const { manifest } = await readPackage(path.join(dir, 'build', 'appPackage.zip'));
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${String(manifest.manifestVersion)}/MicrosoftTeams.schema.json`);
    const schema = await AppManifestUtils.fetchSchema(String(manifest.$schema));
    expect(await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest, schema)).toEqual([]);
  });

  it('declares the bot in personal and team scopes, without files, with the commands each scope offers', async () => {
    const result = await buildAppPackage(inputs());
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const [bot] = result.manifest.bots as Array<{
      botId: string;
      scopes: string[];
      supportsFiles: boolean;
      commandLists: Array<{ scopes: string[]; commands: Array<{ title: string; description: string }> }>;
    }>;
    expect(bot.botId).toBe(BOT_ID);
    expect(bot.scopes).toEqual(['personal', 'team']);
    expect(bot.supportsFiles).toBe(false);

    const titles = (scope: string) => bot.commandLists.find((list) => list.scopes.includes(scope))?.commands.map((c) => c.title);
    expect(titles('personal')).toEqual(['invite', 'request app', 'my requests', 'pending', 'guests', 'guest', 'resend', 'revoke', 'audit', 'help']);
    expect(titles('team')).toEqual(['set approvals channel', 'pending', 'guests', 'guest', 'audit', 'help']);

    // Every listed command is one the bot answers, and each has a one-line description.
    const usages = createCommands().map((command) => command.usage);
    for (const command of bot.commandLists.flatMap((list) => list.commands)) {
      expect(usages.some((usage) => usage === command.title || usage.startsWith(`${command.title} `))).toBe(true);
      expect(command.description).toMatch(/^[^\n]{10,128}$/);
    }
  });

  it("declares the personal tab on the bot's domain, keeps the chat and About as tabs, and names the app registration for tab SSO", async () => {
    const result = await buildAppPackage(inputs());
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.manifest.staticTabs).toEqual([
      { entityId: 'requests', name: 'Requests', contentUrl: 'https://guest-access.contoso.com/tab/', scopes: ['personal'] },
      { entityId: 'conversations', scopes: ['personal'] },
      { entityId: 'about', scopes: ['personal'] },
    ]);
    // Teams asks Entra for a token whose audience is this app id, for the Application ID URI below.
    expect(result.manifest.webApplicationInfo).toEqual({ id: BOT_ID, resource: `api://guest-access.contoso.com/botid-${BOT_ID}` });
    // The tab's host is one of the valid domains, as Teams requires of a tab's pages.
    expect(result.manifest.validDomains).toContain('guest-access.contoso.com');
  });

  it('ships a 192×192 colour icon on the accent colour and a 32×32 outline that is white on transparent', () => {
    const color = PNG.sync.read(readFileSync(path.join(MANIFEST_DIR, 'color.png')));
    expect([color.width, color.height]).toEqual([192, 192]);
    const template = JSON.parse(readFileSync(path.join(MANIFEST_DIR, 'manifest.template.json'), 'utf8')) as { accentColor: string };
    expect(template.accentColor).toBe(ACCENT_COLOR);
    const corner = [...color.data.subarray(0, 3)].map((v) => v.toString(16).padStart(2, '0')).join('');
    expect(`#${corner}`.toUpperCase()).toBe(ACCENT_COLOR);

    const outline = PNG.sync.read(readFileSync(path.join(MANIFEST_DIR, 'outline.png')));
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let visible = 0;
    let transparent = 0;
    for (let i = 0; i < outline.data.length; i += 4) {
      const [r, g, b, a] = outline.data.subarray(i, i + 4);
      if (a === 0) transparent += 1;
      else {
        visible += 1;
        expect([r, g, b]).toEqual([255, 255, 255]);
      }
    }
    expect(visible).toBeGreaterThan(100);
    expect(transparent).toBeGreaterThan(100);
  });

  it('refuses a manifest the schema rejects, prints every error, and writes nothing', async () => {
    const template = readFileSync(path.join(MANIFEST_DIR, 'manifest.template.json'), 'utf8')
      .replace('"short": "Guest Access"', '"short": "Guest Access for every guest you will ever invite"')
      .replace('"scopes": ["personal", "team"]', '"scopes": ["personal", "everyone"]')
      .replace(/"accentColor": "[^"]*",/, '');
    const broken = path.join(dir, 'broken.template.json');
    writeFileSync(broken, template);

    const err = new Capture();
    const code = await runPackage(inputs({ templatePath: broken }), new Capture(), err);

    expect(code).toBe(1);
    expect(err.text).toContain('The app package was not written: 3 problem(s).');
    expect(err.text).toContain("  - manifest.json (top level): must have required property 'accentColor'");
    expect(err.text).toContain('  - manifest.json/name/short: must NOT have more than 30 characters');
    expect(err.text).toContain('  - manifest.json/bots/0/scopes/1: must be equal to one of the allowed values');
    expect(existsSync(path.join(dir, 'build', 'appPackage.zip'))).toBe(false);
  });

  it('names each missing or malformed setting instead of packaging', async () => {
    const err = new Capture();
    const code = await runPackage(
      inputs({ env: { BOT_DOMAIN: 'https://guest-access.contoso.com/api/messages', TEAMS_APP_ID: 'guest-access', APP_VERSION: 'v2' } }),
      new Capture(),
      err,
    );
    expect(code).toBe(1);
    expect(err.text).toContain('MicrosoftAppId is empty');
    expect(err.text).toContain('BOT_DOMAIN "https://guest-access.contoso.com/api/messages" must be a host name only');
    expect(err.text).toContain('TEAMS_APP_ID "guest-access" must be a GUID');
    expect(err.text).toContain('APP_VERSION "v2" must look like 1.2.3');
    expect(err.text).toContain('Warning: DEVELOPER_NAME, DEVELOPER_WEBSITE_URL, DEVELOPER_PRIVACY_URL, DEVELOPER_TERMS_URL not set');
    expect(existsSync(path.join(dir, 'build', 'appPackage.zip'))).toBe(false);
  });

  it('refuses icons of the wrong size', async () => {
    const icons = path.join(dir, 'icons');
    mkdirSync(icons);
    copyFileSync(path.join(MANIFEST_DIR, 'outline.png'), path.join(icons, 'color.png'));
    copyFileSync(path.join(MANIFEST_DIR, 'outline.png'), path.join(icons, 'outline.png'));

    const result = await buildAppPackage(inputs({ iconsDir: icons }));

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual(['icons.color (color.png) is 32×32 pixels; Teams needs 192×192.']);
  });
});
