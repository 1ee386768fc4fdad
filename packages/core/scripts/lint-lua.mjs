// Lints the Redis scripts of src/runs/lua/ with luacheck (Debian/Ubuntu: apt-get install
// lua-check; scripts/setup installs it), each as Redis runs it: with its includes in place,
// so that a name an include defines is known and one nobody uses is reported. Messages
// point at the file and line the text comes from. Without luacheck the lint fails.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { LUA_SOURCES, loadLuaScript, luaScriptFiles } from './lua-loader.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const version = spawnSync('luacheck', ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  process.stderr.write(
    'lint: luacheck is not installed, and the Redis scripts are linted with it ' +
      '(Debian/Ubuntu: apt-get install lua-check, or run scripts/setup)\n',
  );
  process.exit(1);
}

let failed = false;
for (const file of luaScriptFiles()) {
  const { text, origins } = loadLuaScript(new URL(file, LUA_SOURCES));
  // .luacheckrc in this package holds the settings: luacheck finds it from the cwd.
  const result = spawnSync('luacheck', ['--formatter', 'plain', '--codes', '--filename', file, '-'], {
    cwd: root,
    input: text,
    encoding: 'utf8',
  });
  if (result.status === 0) continue;
  failed = true;
  for (const message of result.stdout.split('\n').filter(Boolean)) {
    const [, line, column, text] = /^[^:]*:(\d+):(\d+): (.*)$/.exec(message) ?? [];
    const origin = line === undefined ? undefined : origins[Number(line) - 1];
    if (!origin) {
      process.stderr.write(`${file}: ${message}\n`);
      continue;
    }
    const source = relative(root, fileURLToPath(origin.file));
    const within = source.endsWith(`/${file}`) ? '' : ` (included in ${file})`;
    process.stderr.write(`${source}:${origin.line}:${column}: ${text}${within}\n`);
  }
  if (result.stderr) process.stderr.write(result.stderr);
}
if (failed) process.exit(1);
