// One CommonJS file from a workspace's compiled ES modules (after tsc), as both apps
// ship their hot entry points: a process or thread then loads one module instead of
// dozens or hundreds. Each app's scripts/bundle.mjs says why its bundle is CommonJS.
import { build } from 'esbuild';

const RESOLVE =
  "const __logclusterResolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;";
const URL_OF_FILE = "const __logclusterUrl = require('node:url').pathToFileURL(__filename).href;";

/**
 * Bundles `entry` (a path in dist/) into `outfile`, with a source map. What our sources
 * ask of import.meta is answered in CommonJS: import.meta.resolve through require.resolve,
 * which honours the same package exports, and, with `importMetaUrl`, import.meta.url as
 * the bundle's own file URL. Other esbuild options (external, supported, …) pass through.
 */
export function bundleCjs({ entry, outfile, importMetaUrl = false, ...options }) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    // Error class names show in messages, stacks and dead-letter entries.
    keepNames: true,
    define: {
      ...(importMetaUrl ? { 'import.meta.url': '__logclusterUrl' } : {}),
      'import.meta.resolve': '__logclusterResolve',
    },
    banner: { js: importMetaUrl ? `${URL_OF_FILE} ${RESOLVE}` : RESOLVE },
    sourcemap: true,
    logLevel: 'warning',
    ...options,
  });
}
