import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { bundlePage } from './bundle.js';

/** A static file of the page, loaded once at start. */
export interface Asset {
  /** Its Content-Type. */
  contentType: string;
  /** Its bytes. */
  body: Buffer;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

const SAFE_NAME = /^[a-z0-9][a-z0-9.-]*\.(html|css|js)$/;

/** The folder of the page's files: `assets/` beside this module (in src/ or dist/). */
export const ASSETS_DIR = new URL('./assets/', import.meta.url);

/** The files the page needs; the dashboard refuses to start without them. */
export const REQUIRED_ASSETS = ['page.html', 'page.css', 'page.js'] as const;

/** Whether this module runs from the TypeScript sources (tests, development) rather than dist/. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

const cache = new Map<string, Promise<Map<string, Asset>>>();

/**
 * Loads every `.html`, `.css` and `.js` file of the assets folder, keyed by URL path
 * (`/page.js`; `page.html` is also `/`). Only these exact paths are ever served. Run from the
 * sources, the bundle (`page.js`, `page.css`) is built in memory; from dist/, `npm run build` made it.
 * @throws Error naming the missing file when a required asset is absent (e.g. a build that did not bundle the page).
 */
export const loadAssets = (dir: URL = ASSETS_DIR): Promise<Map<string, Asset>> => {
  let loaded = cache.get(dir.href);
  if (loaded === undefined) {
    loaded = readAssets(dir);
    cache.set(dir.href, loaded);
    loaded.catch(() => cache.delete(dir.href));
  }
  return loaded;
};

const readAssets = async (dir: URL): Promise<Map<string, Asset>> => {
  const assets = new Map<string, Asset>();
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    names = [];
  }
  for (const name of names.filter((n) => SAFE_NAME.test(n))) {
    const contentType = TYPES[extname(name)];
    if (contentType === undefined) continue;
    assets.set(`/${name}`, { contentType, body: await readFile(new URL(name, dir)) });
  }
  if (FROM_SOURCE && dir.href === ASSETS_DIR.href && !assets.has('/page.js')) {
    for (const [name, body] of await bundlePage()) assets.set(`/${name}`, { contentType: TYPES[extname(name)] as string, body });
  }
  const missing = REQUIRED_ASSETS.filter((name) => !assets.has(`/${name}`));
  if (missing.length > 0) {
    throw new Error(`dashboard assets missing in ${dir.pathname}: ${missing.join(', ')} (npm run build bundles the page)`);
  }
  const page = assets.get('/page.html');
  if (page) assets.set('/', page);
  return assets;
};
