// Writes each Redis script of src/runs/lua/ into dist/runs/lua/ with its includes in place
// (run after tsc): RunStore runs the files there, found through the package's "./lua/*"
// export, from dist/, from the apps' bundles and from the Docker image alike. An include
// that names no file fails the build.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { LUA_SOURCES, loadLuaScript, luaScriptFiles } from './lua-loader.mjs';

const target = new URL('../dist/runs/lua/', import.meta.url);
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const file of luaScriptFiles()) {
  writeFileSync(new URL(file, target), loadLuaScript(new URL(file, LUA_SOURCES)).text);
}
