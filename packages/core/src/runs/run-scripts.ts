import { UnexpectedScriptReplyError } from '../errors.js';
import type { RedisKeys } from '../redis/keys.js';
import { LuaScript } from '../redis/script.js';
import type { RecordOutcome, ReplayReadiness } from './chunk-records.js';

/*
 * The scripts that change a run's state: one file each in lua/, `<name>-<keys>.lua`, whose
 * header names its KEYS, ARGV and replies; the fragments they share are in lua/includes/.
 * Each runs atomically in Redis, which is what makes counting exactly-once: a chunk's
 * state is set in the same step as its counts are added, so a second delivery of the
 * chunk changes nothing. Each is also safe to run twice, which is what ioredis does with
 * a command whose reply a reconnect lost.
 *
 * A chunk's state: absent (never enqueued) → queued → done | dead, and a replay takes
 * dead → replaying → done | dead. Each time a chunk is dead-lettered its generation (in
 * the generations hash) goes up, so every dead-lettering has an id of its own. Settled
 * chunks fold behind their source's watermark, and a compacted run's are all done
 * (lua/includes/chunkStates.lua). The counters the scripts change are those of
 * count-fields.ts.
 *
 * A job's chunks are stored together, as one pack (`RedisKeys.chunkPack`): it is
 * deleted when every chunk in it is counted, and it expires after the dead-letter
 * retention once every chunk in it is counted or dead-lettered, some dead.
 */

/**
 * A script of lua/ as the build writes it into dist/runs/lua/, its includes in place
 * (scripts/build-lua.mjs), found through the package's exports as the WebAssembly kernel
 * is: from dist/, from the apps' bundles and from the Docker image alike.
 */
function runScript(name: string, keys: number): LuaScript {
  return new LuaScript(name, () => new URL(import.meta.resolve(`@logcluster/core/lua/${name}-${keys}.lua`)));
}

export const storeChunksScript = runScript('storeChunks', 5);
export const recordResultsScript = runScript('recordResults', 10);
export const recordDeadLetterScript = runScript('recordDeadLetter', 7);
export const recordLostChunkScript = runScript('recordLostChunk', 7);
export const sealRunScript = runScript('sealRun', 2);
export const failRunScript = runScript('failRun', 1);
export const prepareReplayScript = runScript('prepareReplay', 7);
export const dropChunkBytesScript = runScript('dropChunkBytes', 3);
export const recordSpikeScript = runScript('recordSpike', 2);
export const compactRunScript = runScript('compactRun', 10);
export const recordJoinPartitionScript = runScript('recordJoinPartition', 3);
export const prepareJoinReplayScript = runScript('prepareJoinReplay', 2);
export const startJoinTickScript = runScript('startJoinTick', 3);
export const applyJoinTickScript = runScript('applyJoinTick', 3);

/** What a script that records a chunk, a seal or a spike answers: lua/includes/recordCodes.lua, by the same names. */
export const RecordCode = {
  RECORDED: 1,
  DUPLICATE: 0,
  RUN_MISSING: -1,
  CHUNK_UNKNOWN: -2,
  RUN_FAILED: -3,
  BYTES_MISSING: -4,
} as const;

/** What prepareReplay answers: lua/includes/replayCodes.lua, by the same names. */
export const ReplayCode = { READY: 1, NOT_DEAD: 0, BYTES_GONE: -1 } as const;

const RECORD_OUTCOMES: ReadonlyMap<number, RecordOutcome> = new Map([
  [RecordCode.RECORDED, 'recorded'],
  [RecordCode.DUPLICATE, 'duplicate'],
  [RecordCode.RUN_MISSING, 'run-missing'],
  [RecordCode.CHUNK_UNKNOWN, 'chunk-unknown'],
  [RecordCode.RUN_FAILED, 'run-failed'],
]);

const REPLAY_READINESS: ReadonlyMap<number, ReplayReadiness> = new Map([
  [ReplayCode.READY, 'ready'],
  [ReplayCode.NOT_DEAD, 'not-dead'],
  [ReplayCode.BYTES_GONE, 'bytes-gone'],
]);

/** The outcome a RecordCode in `script`'s reply stands for; any other reply is an UnexpectedScriptReplyError. */
export function recordOutcome(script: LuaScript, code: unknown): RecordOutcome {
  return decode(script, code, RECORD_OUTCOMES);
}

/** What prepareReplay's reply says; any reply but a ReplayCode is an UnexpectedScriptReplyError. */
export function replayReadiness(code: unknown): ReplayReadiness {
  return decode(prepareReplayScript, code, REPLAY_READINESS);
}

/** Checks that `script` answered one of `codes`, and gives its answer back. */
export function expectCode<Code extends number>(script: LuaScript, reply: unknown, codes: readonly Code[]): Code {
  if (!codes.includes(reply as Code)) throw new UnexpectedScriptReplyError(script.name, reply);
  return reply as Code;
}

/** `script`'s reply as the list it answers (one item per chunk). */
export function replyList(script: LuaScript, reply: unknown, length: number): unknown[] {
  if (!Array.isArray(reply) || reply.length !== length) throw new UnexpectedScriptReplyError(script.name, reply);
  return reply as unknown[];
}

/** A `{code, generation}` pair of `script`'s reply. */
export function codeAndGeneration(script: LuaScript, reply: unknown): [code: unknown, generation: number] {
  const [code, generation] = replyList(script, reply, 2);
  if (typeof generation !== 'number') throw new UnexpectedScriptReplyError(script.name, reply);
  return [code, generation];
}

function decode<T>(script: LuaScript, code: unknown, meanings: ReadonlyMap<number, T>): T {
  const meaning = typeof code === 'number' ? meanings.get(code) : undefined;
  if (meaning === undefined) throw new UnexpectedScriptReplyError(script.name, code);
  return meaning;
}

/** The KEYS the chunk scripts share (see their headers), with the chunk's pack as the fifth. */
export function chunkScriptKeys(keys: RedisKeys, runId: string, pack: string): string[] {
  return [
    keys.run(runId),
    keys.counts(runId),
    keys.chunkStates(runId),
    keys.deadLetters(runId),
    pack,
    keys.deadGenerations(runId),
    keys.chunkLines(runId),
  ];
}
