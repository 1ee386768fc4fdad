import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LUA_SOURCES, LuaIncludeError, loadLuaScript, luaScriptFiles } from '../scripts/lua-loader.mjs';
import * as runScripts from '../src/runs/run-scripts.js';
import { LuaScript } from '../src/redis/script.js';

const dirs: string[] = [];
let dir: string;

/** Writes `files` (path → text) under a fresh folder, `dir`; returns the URL of the first. */
function scriptsOf(files: Record<string, string>): URL {
  dir = mkdtempSync(join(tmpdir(), 'lua-loader-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return pathToFileURL(join(dir, Object.keys(files)[0]!));
}

function includeError(file: URL): LuaIncludeError {
  try {
    loadLuaScript(file);
  } catch (err) {
    if (err instanceof LuaIncludeError) return err;
    throw err;
  }
  throw new Error('loaded');
}

describe('loadLuaScript', () => {
  afterAll(() => {
    for (const made of dirs) rmSync(made, { recursive: true, force: true });
  });

  it('puts each include in place of its line, relative to the file naming it, and says where each line is from', () => {
    const file = scriptsOf({
      'main-1.lua': '-- main\n--- @include "includes/a"\nreturn a()\n',
      'includes/a.lua': '--- @include "b"\nlocal function a() return b() end\n',
      'includes/b.lua': 'local function b() return 1 end\n',
    });
    const { text, origins } = loadLuaScript(file);
    expect(text).toBe('-- main\nlocal function b() return 1 end\nlocal function a() return b() end\nreturn a()\n');
    expect(origins.map(({ file: from, line }) => `${from.pathname.slice(dir.length + 1)}:${line}`)).toEqual([
      'main-1.lua:1',
      'includes/b.lua:1',
      'includes/a.lua:2',
      'main-1.lua:3',
    ]);
  });

  it('puts a file included twice, directly or through another, in once: where it is first included', () => {
    const includes = ['sums', 'lines', 'sums'].map((name) => `--- @include "includes/${name}"\n`).join('');
    const file = scriptsOf({
      'main-1.lua': `${includes}return 1\n`,
      'includes/sums.lua': 'local function add() end\n',
      'includes/lines.lua': '--- @include "sums"\nlocal function addLines() add() end\n',
    });
    expect(loadLuaScript(file).text).toBe('local function add() end\nlocal function addLines() add() end\nreturn 1\n');
  });

  it('fails on an include that names no file, saying which line of which file', () => {
    const file = scriptsOf({ 'main-1.lua': 'local x = 1\n--- @include "includes/nope"\nreturn x\n' });
    const err = includeError(file);
    expect(err.code).toBe('UNKNOWN_INCLUDE');
    expect(err.message).toContain(`${join(dir, 'main-1.lua')}:2`);
    expect(err.message).toContain(join(dir, 'includes', 'nope.lua'));
  });

  it('fails on a file that includes itself through another', () => {
    const file = scriptsOf({
      'main-1.lua': '--- @include "includes/a"\nreturn 1\n',
      'includes/a.lua': '--- @include "b"\n',
      'includes/b.lua': '--- @include "a"\n',
    });
    expect(includeError(file).code).toBe('INCLUDE_CYCLE');
  });
});

describe('the Redis scripts in src/runs/lua/', () => {
  const files = luaScriptFiles();
  const scripts = Object.values(runScripts).filter((value): value is LuaScript => value instanceof LuaScript);

  it('are one file per script, named with its number of keys, with a header of its KEYS, ARGV and replies (after a flags line, if any)', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(file).toMatch(/^[a-z][A-Za-z]*-\d+\.lua$/);
      // A script may start with Redis 7's flags line (`#!lua flags=…`), then its header.
      const text = readFileSync(new URL(file, LUA_SOURCES), 'utf8');
      const header = /^(?:#!lua flags=[a-z,-]+\n)?--\[\[\n([\s\S]*?)\n\]\]\n/.exec(text)?.[1] ?? '';
      expect(header, file).toMatch(/^ {2}KEYS$/m);
      expect(header, file).toMatch(/^ {2}ARGV$/m);
      expect(header, file).toMatch(/^ {2}Returns /m);
    }
  });

  it('have includes that each say what they hold', () => {
    for (const file of luaScriptFiles(new URL('includes/', LUA_SOURCES))) {
      expect(readFileSync(new URL(`includes/${file}`, LUA_SOURCES), 'utf8'), file).toMatch(/^-- \S/);
    }
  });

  it('are those RunStore runs, as the build wrote them: includes in place', () => {
    const names = files.map((file) => file.replace(/-\d+\.lua$/, ''));
    expect(scripts.map((script) => script.name).sort()).toEqual(names.sort());
    for (const script of scripts) {
      const file = files.find((name) => name.startsWith(`${script.name}-`))!;
      expect(script.source, file).toBe(loadLuaScript(new URL(file, LUA_SOURCES)).text);
    }
  });
});
