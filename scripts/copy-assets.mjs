// Copies non-TypeScript assets (Lua scripts, dashboard page) next to the compiled files.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';

const ASSET_EXTENSIONS = new Set(['.lua', '.html', '.css']);
const isBrowserAssets = (dir) => dir.replaceAll('\\', '/').endsWith('dashboard/assets');
// The page's sources are bundled by scripts/build-page.mjs into dashboard/assets, not copied.
const isPageSources = (dir) => dir.replaceAll('\\', '/').endsWith('dashboard/page');
const copyAssets = (from, to) => {
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    if (statSync(source).isDirectory()) {
      if (!isPageSources(source)) copyAssets(source, target);
    }
    // The dashboard's browser scripts are plain .js files served as they are (tsc does not touch them).
    else if (ASSET_EXTENSIONS.has(extname(name)) || (isBrowserAssets(from) && name.endsWith('.js'))) cpSync(source, target);
  }
};
if (existsSync('src')) copyAssets('src', 'dist');
