import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type TestRedis, startTestRedis } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LUA_SOURCES } from '../scripts/lua-loader.mjs';
import { type RedisClient, UnexpectedScriptReplyError, connectRedis } from '../src/index.js';
import { LuaScript } from '../src/redis/script.js';
import {
  RecordCode,
  ReplayCode,
  codeAndGeneration,
  expectCode,
  recordOutcome,
  recordResultsScript,
  replayReadiness,
  replyList,
  storeChunksScript,
} from '../src/runs/run-scripts.js';

let redis: TestRedis;
let client: RedisClient;
let dir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  client = await connectRedis(redis.url, { connectionName: 'run-scripts-test' });
  dir = mkdtempSync(join(tmpdir(), 'run-scripts-'));
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The table an include of lua/includes/ defines, as Redis reads it. */
async function luaTable(include: string, table: string): Promise<unknown> {
  const source = readFileSync(new URL(`includes/${include}.lua`, LUA_SOURCES), 'utf8');
  return JSON.parse((await client.eval(`${source}\nreturn cjson.encode(${table})`, 0)) as string);
}

/** A script of one line, run from a file as RunStore's are. */
function scriptOf(name: string, lua: string): LuaScript {
  const file = join(dir, `${name}.lua`);
  writeFileSync(file, `${lua}\n`);
  return new LuaScript(name, () => pathToFileURL(file));
}

function unexpected(read: () => unknown): UnexpectedScriptReplyError {
  try {
    read();
  } catch (err) {
    if (err instanceof UnexpectedScriptReplyError) return err;
    throw err;
  }
  throw new Error('read');
}

describe('the scripts’ codes', () => {
  it('are the same names and numbers in the Lua as in TypeScript', async () => {
    expect(await luaTable('recordCodes', 'RecordCode')).toEqual(RecordCode);
    expect(await luaTable('replayCodes', 'ReplayCode')).toEqual(ReplayCode);
  });

  it('each stand for one outcome', () => {
    expect([1, 0, -1, -2, -3].map((code) => recordOutcome(recordResultsScript, code))).toEqual([
      'recorded',
      'duplicate',
      'run-missing',
      'chunk-unknown',
      'run-failed',
    ]);
    expect([1, 0, -1].map((code) => replayReadiness(code))).toEqual(['ready', 'not-dead', 'bytes-gone']);
  });

  it('are never read as an outcome when unknown: such a reply is an error naming the script and reply', async () => {
    const probe = scriptOf('probe', 'return {{7, 0}}');
    const [code] = codeAndGeneration(probe, replyList(probe, await probe.run(client, [], []), 1)[0]);
    const err = unexpected(() => recordOutcome(probe, code));
    expect(err).toMatchObject({ code: 'UNEXPECTED_SCRIPT_REPLY', exitCode: 1, script: 'probe', reply: 7 });
    expect(err.message).toContain('probe');
    // Bytes missing is storeChunks's answer to handle, never an outcome.
    expect(unexpected(() => recordOutcome(storeChunksScript, RecordCode.BYTES_MISSING))).toMatchObject({
      script: 'storeChunks',
      reply: -4,
    });
    expect(unexpected(() => recordOutcome(recordResultsScript, '1'))).toMatchObject({ reply: '1' });
    expect(unexpected(() => replayReadiness(2))).toMatchObject({ script: 'prepareReplay', reply: 2 });
    const codes = [RecordCode.RECORDED, RecordCode.RUN_MISSING];
    expect(unexpected(() => expectCode(probe, 2, codes))).toMatchObject({ reply: 2 });
    expect(unexpected(() => replyList(probe, [1], 2))).toMatchObject({ reply: [1] });
    expect(unexpected(() => codeAndGeneration(probe, [1, 'x']))).toMatchObject({ reply: [1, 'x'] });
  });
});

describe('LuaScript', () => {
  it('runs by SHA, and sends the script whole to a Redis that does not know it (after a restart)', async () => {
    const script = scriptOf('answer', 'return 42');
    expect(await script.run(client, [], [])).toBe(42);
    await client.script('FLUSH');
    expect(await script.run(client, [], [])).toBe(42);
    expect(await client.script('EXISTS', createHash('sha1').update(script.source).digest('hex'))).toEqual([1]);
  });
});
