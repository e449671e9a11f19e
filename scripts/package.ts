/**
 * `npm run package`: fills `manifest/manifest.template.json` from the environment (and `.env`),
 * validates it against Microsoft's official Teams manifest schema, bundled with
 * `@microsoft/app-manifest` so the check runs offline, checks the icons, and writes
 * `build/appPackage.zip` ready to upload to Teams. Any problem is printed and nothing is written.
 */
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import { config as loadDotEnv } from 'dotenv';
import JSZip from 'jszip';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { repoRoot } from './repoRoot';

/**
 * Values used when a variable is not set. The app id only has to stay the same from one upload to
 * the next (Teams treats a new id as a new app); the developer fields are examples to replace.
 */
export const PACKAGE_DEFAULTS = {
  TEAMS_APP_ID: 'b7db5929-4a3c-44b0-b6c1-a92919b265c7',
  DEVELOPER_NAME: 'Example Corp IT',
  DEVELOPER_WEBSITE_URL: 'https://www.example.com/guest-access',
  DEVELOPER_PRIVACY_URL: 'https://www.example.com/privacy',
  DEVELOPER_TERMS_URL: 'https://www.example.com/terms',
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const PLACEHOLDER = /\$\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;
const SCHEMA_HOST = 'https://developer.microsoft.com/';

/** Required size of each icon the manifest names; the outline must also carry transparency. */
const ICONS = {
  color: { width: 192, height: 192, transparent: false },
  outline: { width: 32, height: 32, transparent: true },
} as const;

export interface PackageInputs {
  templatePath: string;
  /** Folder holding the icon files the manifest names. */
  iconsDir: string;
  outFile: string;
  env: Record<string, string | undefined>;
  /** Used as the manifest's `version` unless APP_VERSION is set. */
  defaultVersion: string;
}

export type PackageResult =
  { ok: true; outFile: string; manifest: Record<string, unknown>; warnings: string[] } | { ok: false; errors: string[]; warnings: string[] };

/** Builds the package, or explains every reason it cannot, without writing anything. */
export async function buildAppPackage(inputs: PackageInputs): Promise<PackageResult> {
  const { values, errors, warnings } = readSettings(inputs.env, inputs.defaultVersion);
  if (errors.length > 0) return { ok: false, errors, warnings };

  const template = readFileSync(inputs.templatePath, 'utf8');
  const filled = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      errors.push(`The template uses ${whole}, which has no value: set ${name} or remove it from the template.`);
      return whole;
    }
    // Inserted inside a JSON string, so quotes and backslashes must stay escaped.
    return JSON.stringify(value).slice(1, -1);
  });
  if (errors.length > 0) return { ok: false, errors, warnings };

  let parsed: unknown;
  try {
    parsed = JSON.parse(filled);
  } catch (error) {
    return { ok: false, errors: [`The filled manifest is not JSON: ${(error as Error).message}`], warnings };
  }
  if (!isRecord(parsed)) return { ok: false, errors: ['The manifest must be a JSON object.'], warnings };
  const manifest = parsed;

  errors.push(...(await validateAgainstOfficialSchema(manifest)));
  const icons = isRecord(manifest.icons) ? manifest.icons : {};
  const files: Record<string, Buffer> = {};
  for (const [kind, rule] of Object.entries(ICONS)) {
    const name = icons[kind];
    if (typeof name !== 'string') continue; // The schema check reports a missing icon.
    const file = path.join(inputs.iconsDir, name);
    if (!existsSync(file)) {
      errors.push(`icons.${kind}: ${name} is not in ${inputs.iconsDir}.`);
      continue;
    }
    files[name] = readFileSync(file);
    errors.push(...checkPng(files[name], `icons.${kind} (${name})`, rule));
  }
  if (errors.length > 0) return { ok: false, errors, warnings };

  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [name, data] of Object.entries(files)) zip.file(name, data);
  const archive = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  mkdirSync(path.dirname(inputs.outFile), { recursive: true });
  writeFileSync(inputs.outFile, archive);
  return { ok: true, outFile: inputs.outFile, manifest, warnings };
}

/** Runs the packaging and prints the outcome; returns the process exit code. */
export async function runPackage(inputs: PackageInputs, out: Writable, err: Writable): Promise<number> {
  const result = await buildAppPackage(inputs);
  for (const warning of result.warnings) err.write(`Warning: ${warning}\n`);
  if (!result.ok) {
    err.write(`The app package was not written: ${result.errors.length} problem(s).\n`);
    for (const error of result.errors) err.write(`  - ${error}\n`);
    return 1;
  }
  const bot = Array.isArray(result.manifest.bots) && isRecord(result.manifest.bots[0]) ? result.manifest.bots[0] : {};
  out.write(
    [
      `Wrote ${result.outFile}`,
      `  Manifest ${String(result.manifest.manifestVersion)}, valid against the official schema`,
      `  Teams app id ${String(result.manifest.id)}, version ${String(result.manifest.version)}`,
      `  Bot ${String(bot.botId)}, domain ${JSON.stringify(result.manifest.validDomains)}`,
      'Upload it in the Teams admin center (Teams apps > Manage apps) or in Teams (Apps > Manage your apps > Upload an app); see the README.',
      '',
    ].join('\n'),
  );
  return 0;
}

function readSettings(env: Record<string, string | undefined>, defaultVersion: string) {
  const errors: string[] = [];
  const warnings: string[] = [];
  const read = (key: string): string => (env[key] ?? '').trim();
  const values: Record<string, string> = {};

  const botId = read('MicrosoftAppId');
  if (!botId) errors.push("MicrosoftAppId is empty: set it to the Azure Bot's Microsoft App ID (the app registration's client id).");
  else if (!GUID.test(botId)) errors.push(`MicrosoftAppId "${botId}" is not an application (client) id: expected a GUID.`);
  values.MicrosoftAppId = botId;

  const domain = read('BOT_DOMAIN');
  if (!domain) errors.push('BOT_DOMAIN is empty: set it to the host name of the messaging endpoint, e.g. guest-access.contoso.com.');
  else if (!HOST_NAME.test(domain)) errors.push(`BOT_DOMAIN "${domain}" must be a host name only, e.g. guest-access.contoso.com (no https://, port or path).`);
  values.BOT_DOMAIN = domain;

  const appId = read('TEAMS_APP_ID') || PACKAGE_DEFAULTS.TEAMS_APP_ID;
  if (!GUID.test(appId)) errors.push(`TEAMS_APP_ID "${appId}" must be a GUID.`);
  values.TEAMS_APP_ID = appId;

  const version = read('APP_VERSION') || defaultVersion;
  if (!VERSION.test(version)) errors.push(`APP_VERSION "${version}" must look like 1.2.3.`);
  values.APP_VERSION = version;

  const developerKeys = ['DEVELOPER_NAME', 'DEVELOPER_WEBSITE_URL', 'DEVELOPER_PRIVACY_URL', 'DEVELOPER_TERMS_URL'] as const;
  const defaulted = developerKeys.filter((key) => !read(key));
  for (const key of developerKeys) {
    const value = read(key) || PACKAGE_DEFAULTS[key];
    if (key !== 'DEVELOPER_NAME' && !/^https:\/\/[^\s]+$/.test(value)) errors.push(`${key} "${value}" must be an https:// URL.`);
    values[key] = value;
  }
  if (defaulted.length > 0) {
    warnings.push(`${defaulted.join(', ')} not set: the package uses example values; set them before publishing to your organisation.`);
  }
  return { values, errors, warnings };
}

/** Every schema error, each with the place in manifest.json it concerns. */
async function validateAgainstOfficialSchema(manifest: Record<string, unknown>): Promise<string[]> {
  const schemaUrl = manifest.$schema;
  if (typeof schemaUrl !== 'string' || !schemaUrl.startsWith(SCHEMA_HOST)) {
    return [`$schema must be one of Microsoft's manifest schema URLs (${SCHEMA_HOST}json-schemas/teams/v1.xx/MicrosoftTeams.schema.json).`];
  }
  // The library would download a schema it does not bundle; this check must stay offline.
  const bundled = path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', schemaUrl.slice(SCHEMA_HOST.length));
  if (!existsSync(bundled)) return [`$schema ${schemaUrl} is not bundled with @microsoft/app-manifest, so it cannot be checked offline.`];
  const schema = await AppManifestUtils.fetchSchema(schemaUrl);
  // The library's own types cover every manifest version; the schema decides what is valid.
  const problems = await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest, schema);
  // Each problem reads "<JSON pointer> <message>"; the pointer is empty for the top level.
  return problems.map((problem) => {
    const space = problem.indexOf(' ');
    const pointer = problem.slice(0, space);
    return `manifest.json${pointer || ' (top level)'}: ${problem.slice(space + 1).trim()}`;
  });
}

/** Reads the PNG signature and IHDR chunk: width, height and whether the pixels carry alpha. */
export function readPngHeader(data: Buffer): { width: number; height: number; hasAlpha: boolean } | undefined {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (data.length < 33 || !data.subarray(0, 8).equals(signature) || data.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  const colorType = data.readUInt8(25);
  // Colour types 4 and 6 carry an alpha channel; a tRNS chunk (before the image data) adds
  // transparency to the others.
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20), hasAlpha: colorType === 4 || colorType === 6 || hasChunkBeforeData(data, 'tRNS') };
}

function hasChunkBeforeData(data: Buffer, type: string): boolean {
  let offset = 8;
  while (offset + 8 <= data.length) {
    const chunkType = data.toString('ascii', offset + 4, offset + 8);
    if (chunkType === type) return true;
    if (chunkType === 'IDAT') return false;
    offset += 12 + data.readUInt32BE(offset); // length, type, data, CRC
  }
  return false;
}

function checkPng(data: Buffer, label: string, rule: { width: number; height: number; transparent: boolean }): string[] {
  const header = readPngHeader(data);
  if (!header) return [`${label} is not a PNG file.`];
  const problems: string[] = [];
  if (header.width !== rule.width || header.height !== rule.height) {
    problems.push(`${label} is ${header.width}×${header.height} pixels; Teams needs ${rule.width}×${rule.height}.`);
  }
  if (rule.transparent && !header.hasAlpha) problems.push(`${label} has no transparency; the outline icon must be white on a transparent background.`);
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function main(): Promise<void> {
  loadDotEnv({ quiet: true });
  const root = repoRoot();
  const packageJson: unknown = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const code = await runPackage(
    {
      templatePath: path.join(root, 'manifest', 'manifest.template.json'),
      iconsDir: path.join(root, 'manifest'),
      outFile: path.join(root, 'build', 'appPackage.zip'),
      env: process.env,
      defaultVersion: isRecord(packageJson) && typeof packageJson.version === 'string' ? packageJson.version : '1.0.0',
    },
    process.stdout,
    process.stderr,
  );
  process.exit(code);
}

if (require.main === module) void main();
