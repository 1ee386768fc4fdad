/*
 * Two sources that share request ids, as a gateway and a service behind it write them
 * (JSON lines), with what real ones have: the service's clock 250 ms ahead, lines out of
 * order, lines written twice, requests the service never saw, service lines for requests
 * the gateway never logged, lines without the key or without a timestamp. And the join
 * of the SPEC computed plainly from the files, pair by pair, as the reference.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { JoinReport } from '@logcluster/core';
import { seededRandom } from '@logcluster/test-support';

/** Writes `gateway` and `service` with about `requests` requests; returns nothing: the files are the data. */
export function writeJoinLogs(gateway: string, service: string, requests: number, seed = 1): void {
  const next = seededRandom(seed);
  const start = Date.parse('2026-12-06T10:00:00Z');
  const gatewayLines: string[] = [];
  const serviceLines: string[] = [];
  for (let i = 0; i < requests; i++) {
    const at = start + i * 40 + Math.floor(next() * 30);
    const id = `req-${(i * 7919) % 1_000_003}`;
    const status = next() < 0.12 ? 500 + Math.floor(next() * 4) : 200;
    const gatewayRecord: Record<string, unknown> = {
      ts: new Date(at).toISOString(),
      request_id: id,
      status,
      path: '/api/orders',
      duration_ms: Math.floor(next() * 900),
    };
    if (next() < 0.01) delete gatewayRecord.request_id;
    if (next() < 0.005) delete gatewayRecord.ts;
    gatewayLines.push(JSON.stringify(gatewayRecord));
    if (next() < 0.02) gatewayLines.push(JSON.stringify(gatewayRecord)); // written twice
    // The service sees most requests, one to three lines each, its clock 250 ms ahead.
    if (next() < 0.8) {
      const lines = 1 + Math.floor(next() * 3);
      for (let k = 0; k < lines; k++) {
        const serviceRecord: Record<string, unknown> = {
          time: new Date(at + 250 + Math.floor(next() * 3_000)).toISOString(),
          req: id,
          level: next() < 0.35 ? 'error' : 'info',
          msg: k === 0 ? 'query started' : 'query failed: timeout',
        };
        if (next() < 0.01) delete serviceRecord.time;
        serviceLines.push(JSON.stringify(serviceRecord));
      }
    }
    // A request the gateway never logged.
    if (next() < 0.03)
      serviceLines.push(
        JSON.stringify({ time: new Date(at + 100).toISOString(), req: `orphan-${i}`, level: 'error', msg: 'retry' }),
      );
  }
  // Out of order: one line in twenty swaps places with the one after it.
  for (const lines of [gatewayLines, serviceLines])
    for (let i = 0; i + 1 < lines.length; i++) if (next() < 0.05) [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
  writeFileSync(gateway, `${gatewayLines.join('\n')}\n`);
  writeFileSync(service, `${serviceLines.join('\n')}\n`);
}

/** One side of the reference join: its file, key field, time field and a test of each record. */
export interface PlainSide {
  file: string;
  key: string;
  time: string;
  select: (record: Record<string, unknown>) => boolean;
}

/** The gateway's failed requests (status 500 and above), keyed by `request_id`, timed by `ts`. */
export const failedRequests = (file: string): PlainSide => ({
  file,
  key: 'request_id',
  time: 'ts',
  select: (record) => Number(record.status) >= 500,
});

/** The service's errors, keyed by `req`, timed by `time`. */
export const serviceErrors = (file: string): PlainSide => ({
  file,
  key: 'req',
  time: 'time',
  select: (record) => record.level === 'error',
});

/** The flags of the same join: `--left` the failed requests, `--right` the service's errors. */
export const joinFlags = (gateway: string, service: string): string[] => [
  '--format',
  'json',
  '--left',
  gateway,
  '--left-key',
  'request_id',
  '--left-where',
  'status>=500',
  '--right',
  service,
  '--right-key',
  'req',
  '--right-where',
  'level=error',
];

/** 1-2-5 steps from 1 ms below 2 s, then 2 s: the report's buckets for --within 2s. */
export const BOUNDS_2S = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];

interface PlainEvent {
  key: string;
  time: number | null;
  line: number;
}

function eventsOf(side: PlainSide): PlainEvent[] {
  return readFileSync(side.file, 'utf8')
    .split('\n')
    .flatMap((text, i): PlainEvent[] => {
      if (text === '') return [];
      const record = JSON.parse(text) as Record<string, unknown>;
      const key = record[side.key];
      if (typeof key !== 'string' || !side.select(record)) return [];
      const time = record[side.time];
      return [{ key, time: typeof time === 'string' ? Date.parse(time) : null, line: i + 1 }];
    });
}

/**
 * The join, pair by pair: every left event against every right event of its key. The
 * figures and the examples of the report (`offsets` with the report's own bounds).
 */
export function plainJoin(
  left: PlainSide,
  right: PlainSide,
  withinMs: number | undefined,
  bounds: (number | null)[],
): Omit<JoinReport, 'key' | 'within' | 'partitions'> {
  const leftEvents = eventsOf(left);
  const rightEvents = eventsOf(right);
  const byKey = new Map<string, { left: PlainEvent[]; right: PlainEvent[] }>();
  for (const [events, side] of [
    [leftEvents, 'left'],
    [rightEvents, 'right'],
  ] as const)
    for (const event of events) {
      let entry = byKey.get(event.key);
      if (!entry) byKey.set(event.key, (entry = { left: [], right: [] }));
      entry[side].push(event);
    }
  const offsets = bounds.map(() => 0);
  let pairs = 0;
  let untimedPairs = 0;
  let matchedKeys = 0;
  const figures = {
    left: { events: 0, matchedEvents: 0, keys: 0, unmatchedKeys: 0 },
    right: { events: 0, matchedEvents: 0, keys: 0, unmatchedKeys: 0 },
  };
  const keys = [...byKey.keys()].sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const matched: JoinReport['examples']['matched'] = [];
  const leftOnly: JoinReport['examples']['leftOnly'] = [];
  const rightOnly: JoinReport['examples']['rightOnly'] = [];
  const ref = (file: string, event: PlainEvent) => ({
    source: file,
    line: event.line,
    time: event.time === null ? null : new Date(event.time).toISOString(),
  });
  for (const key of keys) {
    const { left: l, right: r } = byKey.get(key)!;
    const leftHit = l.map(() => false);
    const rightHit = r.map(() => false);
    let keyPairs = 0;
    let firstPair: [PlainEvent, PlainEvent] | undefined;
    l.forEach((a, i) =>
      r.forEach((b, j) => {
        const timed = a.time !== null && b.time !== null;
        const offset = timed ? Math.abs(b.time! - a.time!) : null;
        if (withinMs !== undefined && (offset === null || offset > withinMs)) return;
        keyPairs++;
        leftHit[i] = true;
        rightHit[j] = true;
        firstPair ??= [a, b];
        if (offset === null) untimedPairs++;
        else offsets[bounds.findIndex((bound) => bound === null || offset <= bound)]!++;
      }),
    );
    pairs += keyPairs;
    if (keyPairs > 0) {
      matchedKeys++;
      const [a, b] = firstPair!;
      matched.push({
        key,
        offsetMs: a.time !== null && b.time !== null ? Math.abs(b.time - a.time) : null,
        left: ref(left.file, a),
        right: ref(right.file, b),
      });
    }
    for (const [side, events, hits, only, file] of [
      ['left', l, leftHit, leftOnly, left.file],
      ['right', r, rightHit, rightOnly, right.file],
    ] as const) {
      if (events.length === 0) continue;
      const hitCount = hits.filter(Boolean).length;
      figures[side].events += events.length;
      figures[side].matchedEvents += hitCount;
      figures[side].keys++;
      if (hitCount === 0) {
        figures[side].unmatchedKeys++;
        only.push({ key, events: events.length, first: ref(file, events[0]!) });
      }
    }
  }
  const side = (f: (typeof figures)['left']) => ({ ...f, unmatchedEvents: f.events - f.matchedEvents });
  return {
    left: side(figures.left),
    right: side(figures.right),
    matchedKeys,
    pairs,
    offsets: bounds.map((upToMs, k) => ({ upToMs, pairs: offsets[k]! })),
    ...(withinMs === undefined ? { untimedPairs } : {}),
    examples: { matched: matched.slice(0, 5), leftOnly: leftOnly.slice(0, 5), rightOnly: rightOnly.slice(0, 5) },
  };
}

/** The lines of the left events in no pair (a timed left event with no right event of its key within `withinMs`). */
export function unmatchedLeftLines(left: PlainSide, right: PlainSide, withinMs: number): Set<number> {
  const rightTimes = new Map<string, number[]>();
  for (const event of eventsOf(right))
    if (event.time !== null) rightTimes.set(event.key, [...(rightTimes.get(event.key) ?? []), event.time]);
  return new Set(
    eventsOf(left)
      .filter(
        (event) =>
          event.time === null ||
          !(rightTimes.get(event.key) ?? []).some((time) => Math.abs(time - event.time!) <= withinMs),
      )
      .map((event) => event.line),
  );
}
