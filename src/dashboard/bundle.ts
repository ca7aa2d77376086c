/**
 * Bundles the dashboard page (src/dashboard/page/main.tsx: Preact, uPlot and the page's own
 * TypeScript and CSS) into one `page.js` and one `page.css` with esbuild. `npm run build` runs it
 * once (scripts/build-page.mjs) and the package ships the result, so esbuild is a build tool only;
 * a dashboard started from the TypeScript sources (tests, development) bundles in memory at start.
 */
import { fileURLToPath } from 'node:url';

/** The page's entry point, relative to this module (src/dashboard or dist/dashboard). */
const ENTRY_FROM_SRC = new URL('./page/main.tsx', import.meta.url);
const ENTRY_FROM_DIST = new URL('../../src/dashboard/page/main.tsx', import.meta.url);

/** Bundles the page; resolves with `page.js` and `page.css` by name. */
export async function bundlePage(entry: URL = import.meta.url.endsWith('.ts') ? ENTRY_FROM_SRC : ENTRY_FROM_DIST): Promise<Map<string, Buffer>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { page: fileURLToPath(entry) },
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'eof',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
    charset: 'utf8',
  });
  const files = new Map<string, Buffer>();
  for (const file of result.outputFiles) files.set(file.path.split(/[\\/]/).pop() as string, Buffer.from(file.contents));
  return files;
}
