import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Chunk,
  type MultilineSpec,
  type PatternSpec,
  chunkStream,
  createChunkCounter,
  createEventCounter,
  eventStartTest,
  multilineSpecOf,
} from '../src/index.js';

/** Kafka's broker log: an event starts with `[date time]`; stack lines are tab-indented, or `Caused by:`. */
const STARTS: MultilineSpec = multilineSpecOf('start:^\\[\\d{4}-');
const CONTINUES: MultilineSpec = multilineSpecOf('^(\\t|Caused by:|\\s*\\.\\.\\. \\d+ more)');

const MESSAGES = [
  'INFO [KafkaServer id=1] started (kafka.server.KafkaServer)',
  'ERROR [ReplicaFetcher replicaId=1, leaderId=2, fetcherId=0] Error for partition orders-3 (kafka.server.ReplicaFetcherThread)',
  'WARN [Controller id=1] Timeout waiting for broker 2 (kafka.controller.KafkaController)',
  'ERROR [Log partition=payments-0] Could not flush log (kafka.log.Log)',
  'INFO [GroupCoordinator 1]: Stabilized group checkout generation 4 (kafka.coordinator.group.GroupCoordinator)',
];
const STACK = [
  'org.apache.kafka.common.errors.NotLeaderOrFollowerException: This server is not the leader for that topic-partition.',
  '\tat kafka.server.ReplicaManager.getPartitionOrException(ReplicaManager.scala:1024)',
  '\tat kafka.server.ReplicaFetcherThread.processPartitionData(ReplicaFetcherThread.scala:188)',
  'Caused by: java.util.concurrent.TimeoutException: Timeout after 30000 ms',
  '\tat java.base/java.util.concurrent.CompletableFuture.timedGet(CompletableFuture.java:1960)',
  '\t... 12 more',
];

/** A log of events: a dated line, then some stack lines (the exception line only in start mode, where it continues too). */
const logArbitrary = (spec: MultilineSpec) =>
  fc
    .record({
      orphans: fc.integer({ min: 0, max: 2 }),
      events: fc.array(
        fc.record({
          message: fc.integer({ min: 0, max: MESSAGES.length - 1 }),
          stack: fc.array(fc.integer({ min: spec.starts ? 0 : 1, max: STACK.length - 1 }), { maxLength: 8 }),
          crlf: fc.boolean(),
        }),
        { minLength: 1, maxLength: 60 },
      ),
      endsWithNewline: fc.boolean(),
    })
    .map(({ orphans, events, endsWithNewline }) => {
      const lines: string[] = [];
      for (let k = 0; k < orphans; k++) lines.push(STACK[1 + k]!);
      events.forEach((event, i) => {
        const second = String(i % 60).padStart(2, '0');
        lines.push(`[2024-03-12 10:15:${second},123] ${MESSAGES[event.message]}${event.crlf ? '\r' : ''}`);
        for (const at of event.stack) lines.push(STACK[at]!);
      });
      return Buffer.from(lines.join('\n') + (endsWithNewline ? '\n' : ''));
    });

/** The plain reading: lines as grep splits them, grouped into events, each pattern tested on each line. */
function plainEvents(data: Buffer, spec: MultilineSpec, patterns: readonly string[], invert = false) {
  const text = data.toString('utf8');
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  const starts = eventStartTest(spec);
  const events: string[][] = [];
  lines.forEach((line, i) => {
    if (i === 0 || starts(line)) events.push([line]);
    else events.at(-1)!.push(line);
  });
  const holds = (event: string[], pattern: string) => event.some((line) => line.includes(pattern));
  const matched = (event: string[], pattern: string) =>
    invert ? event.every((line) => !line.includes(pattern)) : holds(event, pattern);
  return {
    events: events.length,
    matches: patterns.map((pattern) => events.filter((event) => matched(event, pattern)).length),
    any: events.filter((event) =>
      invert
        ? event.every((line) => patterns.every((pattern) => !line.includes(pattern)))
        : patterns.some((pattern) => holds(event, pattern)),
    ).length,
  };
}

function* pieces(data: Buffer, sizes: number[], flushes = false): Generator<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    yield data.subarray(at, at + size);
    if (flushes && i % 3 === 2) yield Buffer.alloc(0);
    at += size;
  }
}

async function chunksOf(
  data: Buffer,
  spec: MultilineSpec,
  chunkSize: number,
  readSizes: number[],
  options: { maxLineSize?: number; flushes?: boolean } = {},
): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  const stream = chunkStream(pieces(data, readSizes, options.flushes), {
    chunkSize,
    maxLineSize: options.maxLineSize ?? 1 << 30,
    sourceName: 'server.log',
    eventStarts: eventStartTest(spec),
  });
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Events counted chunk by chunk, as workers count them, summed. */
function countedEvents(chunks: readonly Chunk[], spec: MultilineSpec, patterns: PatternSpec[]) {
  const counter = createChunkCounter(patterns);
  const events = createEventCounter(spec, patterns, counter);
  const total = { events: 0, matches: patterns.map(() => 0), any: 0 };
  for (const chunk of chunks) {
    const found = events(chunk.bytes, counter(chunk.bytes, chunk.lineCount), chunk.byteOffset === 0);
    total.events += found.events;
    found.matches.forEach((count, p) => (total.matches[p]! += count));
    total.any += found.any ?? 0;
  }
  return total;
}

const literals = (texts: string[], invert = false): PatternSpec[] =>
  texts.map((pattern) => ({ pattern, regex: false, ignoreCase: false, ...(invert ? { invert: true } : {}) }));

describe('multiline events', () => {
  for (const [mode, spec] of [
    ['start:<regex>', STARTS],
    ['<regex> of continuation lines', CONTINUES],
  ] as const) {
    it(`with ${mode}: chunks are cut where events start, and the events counted chunk by chunk are the plain reading's`, async () => {
      await fc.assert(
        fc.asyncProperty(
          logArbitrary(spec),
          fc.integer({ min: 16, max: 3000 }),
          fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 5 }),
          fc.boolean(),
          fc.boolean(),
          async (data, chunkSize, readSizes, flushes, invert) => {
            const chunks = await chunksOf(data, spec, chunkSize, readSizes, { flushes });
            expect(Buffer.concat(chunks.map((chunk) => chunk.bytes)).equals(data)).toBe(true);
            const startsEvent = eventStartTest(spec);
            // No event is cut: every chunk but the first starts with a line that starts one.
            for (const chunk of chunks.slice(1)) {
              const firstLine = chunk.bytes.toString('utf8').split('\n')[0]!;
              expect(startsEvent(firstLine)).toBe(true);
            }
            const texts = ['ERROR', 'Timeout', 'NotLeader'];
            const expected = plainEvents(data, spec, texts, invert);
            expect(countedEvents(chunks, spec, literals(texts, invert))).toEqual(expected);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('an event longer than a chunk makes a larger chunk, as a long line does', async () => {
    const stack = Array.from({ length: 200 }, (_, i) => `\tat frame${i}(Frame.java:${i})`).join('\n');
    const data = Buffer.from(`[2024-03-12 10:00:00,000] ERROR big\n${stack}\n[2024-03-12 10:00:01,000] INFO after\n`);
    const chunks = await chunksOf(data, STARTS, 256, [100]);
    expect(chunks.map((chunk) => chunk.lineCount)).toEqual([201, 1]);
    expect(countedEvents(chunks, STARTS, literals(['ERROR', 'frame199']))).toEqual({
      events: 2,
      matches: [1, 1],
      any: 1,
    });
  });

  it('an event longer than --max-line-size is cut inside: its rest adds lines, not events', async () => {
    const stack = Array.from({ length: 200 }, (_, i) => `\tat frame${i}(Frame.java:${i})`).join('\n');
    const data = Buffer.from(`[2024-03-12 10:00:00,000] ERROR big\n${stack}\n[2024-03-12 10:00:01,000] INFO after\n`);
    const chunks = await chunksOf(data, STARTS, 256, [100], { maxLineSize: 1024 });
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((chunk) => chunk.bytes.length <= 1024)).toBe(true);
    expect(Buffer.concat(chunks.map((chunk) => chunk.bytes)).equals(data)).toBe(true);
    // The event is counted once, in the chunk where it starts, with what that chunk holds of it.
    expect(countedEvents(chunks, STARTS, literals(['ERROR', 'INFO']))).toEqual({ events: 2, matches: [1, 1], any: 2 });
  });

  it('a flush holds the last event back until a flush finds nothing new (a followed file gone quiet)', async () => {
    const flush = Buffer.alloc(0);
    const input = [
      Buffer.from('[2024-03-12 10:00:00,000] ERROR first\n\tat a(A.java:1)\n[2024-03-12 10:00:01,000] ERROR second\n'),
      flush,
      Buffer.from('\tat b(B.java:2)\n'),
      flush,
      flush,
      Buffer.from('\tat c(C.java:3)\n[2024-03-12 10:00:02,000] INFO third\n'),
    ];
    const chunks: Chunk[] = [];
    const stream = chunkStream(input, {
      chunkSize: 1 << 20,
      maxLineSize: 1 << 30,
      sourceName: 'server.log',
      eventStarts: eventStartTest(STARTS),
    });
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.bytes.toString())).toEqual([
      // The first flush: the first event only; the second may go on.
      '[2024-03-12 10:00:00,000] ERROR first\n\tat a(A.java:1)\n',
      // It did, then the file was quiet for a flush: the event is sent.
      '[2024-03-12 10:00:01,000] ERROR second\n\tat b(B.java:2)\n',
      // A line that continues it after that is counted as a line of its source, not as an event.
      '\tat c(C.java:3)\n[2024-03-12 10:00:02,000] INFO third\n',
    ]);
    const counted = countedEvents(chunks, STARTS, literals(['ERROR', 'c(C.java']));
    expect(counted.events).toBe(3);
    expect(counted.matches).toEqual([2, 0]);
  });

  it('the first line of a source starts an event whatever it holds; of any other chunk, only if it starts one', () => {
    const patterns = literals(['at']);
    const counter = createChunkCounter(patterns);
    const events = createEventCounter(STARTS, patterns, counter);
    const bytes = Buffer.from('\tat a(A.java:1)\n\tat b(B.java:2)\n[2024-03-12 10:00:00,000] INFO x\n');
    expect(events(bytes, counter(bytes), true)).toEqual({ events: 2, matches: [1] });
    expect(events(bytes, counter(bytes), false)).toEqual({ events: 1, matches: [0] });
  });

  it('a --multiline regex that does not compile is refused as a -E pattern is', () => {
    expect(() => eventStartTest(multilineSpecOf('start:^[('))).toThrow(/invalid regular expression/);
    expect(multilineSpecOf('start:^\\[')).toEqual({ pattern: '^\\[', starts: true });
    expect(multilineSpecOf('^\\s')).toEqual({ pattern: '^\\s', starts: false });
  });
});
