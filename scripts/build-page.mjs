// Bundles the dashboard page into dist/dashboard/assets (page.js, page.css) with esbuild, after tsc
// compiled dist/dashboard/bundle.js. No CDN: the package ships the bundle and works offline.
import { mkdirSync, writeFileSync } from 'node:fs';
import { bundlePage } from '../dist/dashboard/bundle.js';

const out = new URL('../dist/dashboard/assets/', import.meta.url);
mkdirSync(out, { recursive: true });
for (const [name, body] of await bundlePage()) {
  writeFileSync(new URL(name, out), body);
  console.log(`dashboard: ${name} ${(body.length / 1024).toFixed(1)} KiB`);
}
