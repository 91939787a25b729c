// Renders the app's icons (public/icons/*.png) from their SVG sources in Debian's Chromium,
// so the PNGs the manifest names always match the drawings. Run after changing an SVG:
//   npx tsx scripts/render-app-icons.ts
import { readFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const iconsDir = path.resolve(import.meta.dirname, "../public/icons");
const renders = [
  { source: "icon.svg", file: "icon-192.png", size: 192 },
  { source: "icon.svg", file: "icon-512.png", size: 512 },
  { source: "icon.svg", file: "apple-touch-icon.png", size: 180 },
  { source: "icon.svg", file: "badge-96.png", size: 96 },
  { source: "maskable.svg", file: "maskable-192.png", size: 192 },
  { source: "maskable.svg", file: "maskable-512.png", size: 512 },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox"] });
try {
  for (const render of renders) {
    const page = await browser.newPage({ viewport: { width: render.size, height: render.size } });
    const svg = readFileSync(path.join(iconsDir, render.source), "utf8");
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace("<svg ", `<svg width="${render.size}" height="${render.size}" `)}</body></html>`);
    await page.screenshot({ path: path.join(iconsDir, render.file), omitBackground: true });
    await page.close();
  }
} finally {
  await browser.close();
}
