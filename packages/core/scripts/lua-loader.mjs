// Resolves the `--- @include "<path>"` lines of the Redis scripts in src/runs/lua/ (the
// way bullmq's commands include theirs): used by the build, which writes each script with
// its includes in place into dist/runs/lua/, by the Lua lint, and by the tests.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The folder of the scripts: one file per script, `<name>-<number of keys>.lua`, and includes/. */
export const LUA_SOURCES = new URL('../src/runs/lua/', import.meta.url);

const INCLUDE = /^--- @include "([^"]+)"\s*$/;

/**
 * A script that cannot be built: an include names no file (`UNKNOWN_INCLUDE`), or a file
 * includes itself through others (`INCLUDE_CYCLE`).
 */
export class LuaIncludeError extends Error {
  /**
   * @param {'UNKNOWN_INCLUDE' | 'INCLUDE_CYCLE'} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'LuaIncludeError';
    this.code = code;
  }
}

/** The file names of the scripts in `folder` (a file URL ending in `/`), sorted. */
export function luaScriptFiles(folder = LUA_SOURCES) {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.lua'))
    .sort();
}

/**
 * The script at `file` (a file URL) with its includes in place, and where each of its
 * lines comes from (so that a lint message points at the source). An include names a
 * file relative to the one it is in, without `.lua`. A file goes in once, where it is
 * first included, however many files include it: a fragment that two others need is
 * defined once, before both.
 *
 * @param {URL} file
 * @returns {{ text: string, origins: { file: URL, line: number }[] }}
 */
export function loadLuaScript(file) {
  /** @type {string[]} */
  const lines = [];
  /** @type {{ file: URL, line: number }[]} */
  const origins = [];
  const included = new Set([file.href]);
  /**
   * @param {URL} url
   * @param {string[]} within the files being expanded, outermost first
   */
  const expand = (url, within) => {
    readFileSync(url, 'utf8')
      .replace(/\n$/, '')
      .split('\n')
      .forEach((line, at) => {
        const include = INCLUDE.exec(line)?.[1];
        if (include === undefined) {
          lines.push(line);
          origins.push({ file: url, line: at + 1 });
          return;
        }
        const target = new URL(`${include}.lua`, url);
        const where = `${fileURLToPath(url)}:${at + 1}`;
        if (within.includes(target.href)) {
          const message = `${where}: @include "${include}" names a file that includes this one`;
          throw new LuaIncludeError('INCLUDE_CYCLE', message);
        }
        if (included.has(target.href)) return;
        if (!existsSync(target)) {
          const missing = fileURLToPath(target);
          throw new LuaIncludeError('UNKNOWN_INCLUDE', `${where}: @include "${include}" names no file (${missing})`);
        }
        included.add(target.href);
        expand(target, [...within, target.href]);
      });
  };
  expand(file, [file.href]);
  return { text: `${lines.join('\n')}\n`, origins };
}
