/**
 * Draws the Teams app icons into `manifest/` (run once by hand; the PNGs are committed):
 * `color.png`, 192×192, a person with a key on the app's accent colour, and `outline.png`,
 * 32×32, the same shapes in white on a transparent background. Chromium renders the SVG below,
 * so the edges are anti-aliased like any other icon.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/drawIcons.js   (needs Debian's chromium)
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from './repoRoot';

/** Also the manifest's `accentColor`, so the tile and the icon's background match. */
export const ACCENT_COLOR = '#3F51B5';
const KEY_COLOR = '#FFC83D';

/**
 * The symbol sits in the middle of the 192 px tile, leaving the padding Teams expects around the
 * colour icon's artwork. The key is drawn twice: first wide in the background colour, so that it
 * stands apart from the person where they overlap.
 */
const KEY_192 = 'M140 81 L140 146 M140 126 L155 126 M140 142 L152 142';
const COLOR_SVG = `
<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192" viewBox="0 0 192 192">
  <rect width="192" height="192" fill="${ACCENT_COLOR}"/>
  <circle cx="80" cy="72" r="24" fill="#FFFFFF"/>
  <path d="M34 152 C34 118 54 104 80 104 C106 104 126 118 126 152 Z" fill="#FFFFFF"/>
  <g stroke-linecap="round" stroke-linejoin="round" fill="none">
    <circle cx="140" cy="64" r="16" stroke="${ACCENT_COLOR}" stroke-width="19"/>
    <path d="${KEY_192}" stroke="${ACCENT_COLOR}" stroke-width="19"/>
    <circle cx="140" cy="64" r="16" stroke="${KEY_COLOR}" stroke-width="9"/>
    <path d="${KEY_192}" stroke="${KEY_COLOR}" stroke-width="9"/>
  </g>
</svg>`;

/** The same figure for 32 px, in white only, with everything else transparent. */
const OUTLINE_SVG = `
<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">
  <circle cx="11" cy="9" r="5.5" fill="#FFFFFF"/>
  <path d="M1 29 C1 21 5 17.5 11 17.5 C17 17.5 21 21 21 29 Z" fill="#FFFFFF"/>
  <g stroke="#FFFFFF" stroke-linecap="round" stroke-linejoin="round" fill="none" stroke-width="2.2">
    <circle cx="26" cy="6.5" r="3.4"/>
    <path d="M26 10 L26 28.5 M26 23 L29.5 23 M26 27.5 L29 27.5"/>
  </g>
</svg>`;

async function render(svg: string, size: number, executablePath: string): Promise<Buffer> {
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    // A string, not a function: this project compiles without the DOM's types.
    const dataUrl = await page.evaluate<string>(`(async () => {
      const image = new Image();
      image.src = 'data:image/svg+xml;base64,' + btoa(${JSON.stringify(svg)});
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = ${size};
      canvas.height = ${size};
      canvas.getContext('2d').drawImage(image, 0, 0, ${size}, ${size});
      return canvas.toDataURL('image/png');
    })()`);
    return Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    process.stderr.write(`Chromium is not at ${executablePath}: apt-get install -y chromium, or set CHROMIUM_PATH.\n`);
    process.exit(1);
  }
  const dir = path.join(repoRoot(), 'manifest');
  writeFileSync(path.join(dir, 'color.png'), await render(COLOR_SVG, 192, executablePath));
  writeFileSync(path.join(dir, 'outline.png'), await render(OUTLINE_SVG, 32, executablePath));
  process.stdout.write(`Wrote ${path.join('manifest', 'color.png')} and ${path.join('manifest', 'outline.png')}.\n`);
}

if (require.main === module) void main();
