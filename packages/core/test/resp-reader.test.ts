import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RespReply, RespProtocolError, RespReader } from '../src/chunk-bytes/resp-reader.js';

/** Replies as a server would send them, with what each command asked for its bulk reply. */
const stream = Buffer.concat([
  Buffer.from('+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:42\r\n$-1\r\n'),
  Buffer.from('$5\r\nhello\r\n'), // into a target of 5
  Buffer.from('$3\r\nabc\r\n'), // a target of 4: only the length
  Buffer.from('$6\r\nfoo\r\nx\r\n'), // no target: CRLF inside the payload
  Buffer.from('$0\r\n\r\n'),
]);

const expected: RespReply[] = [
  { type: 'status', text: 'OK' },
  { type: 'error', text: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
  { type: 'integer', value: 42 },
  { type: 'nil' },
  { type: 'bulk', length: 5, bytes: null },
  { type: 'bulk', length: 3, bytes: null },
  { type: 'bulk', length: 6, bytes: Buffer.from('foo\r\nx') },
  { type: 'bulk', length: 0, bytes: Buffer.alloc(0) },
];

/** A reader fed `pieces` one after another, the way a socket's reads would bring them. */
function readAll(pieces: Uint8Array[], useReadBuffer: boolean) {
  const target5 = new Uint8Array(5);
  const target4 = new Uint8Array(4).fill(7);
  const targets: (Uint8Array | undefined)[] = [
    undefined,
    undefined,
    undefined,
    target5,
    target5,
    target4,
    undefined,
    undefined,
  ];
  const replies: RespReply[] = [];
  const reader = new RespReader(
    (ahead) => targets[replies.length + ahead],
    (reply) => replies.push(reply),
  );
  for (const piece of pieces) {
    if (!useReadBuffer) {
      reader.feed(piece);
      continue;
    }
    // As a socket with `onread` does: each read lands where the reader says, at most as much as fits.
    let at = 0;
    while (at < piece.length) {
      const into = reader.readBuffer();
      const n = Math.min(into.length, piece.length - at);
      into.set(piece.subarray(at, at + n));
      reader.received(into, n);
      at += n;
    }
  }
  return { replies, target5, target4 };
}

describe('RespReader', () => {
  it('reads every kind of reply, a bulk one into its target when the lengths agree', () => {
    for (const useReadBuffer of [false, true]) {
      const { replies, target5, target4 } = readAll([stream], useReadBuffer);
      expect(replies).toEqual(expected);
      expect(Buffer.from(target5).toString()).toBe('hello');
      expect([...target4]).toEqual([7, 7, 7, 7]);
    }
  });

  it('reads the same however the stream is cut into reads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }),
        fc.boolean(),
        (cuts, useReadBuffer) => {
          const points = [...new Set(cuts)].sort((a, b) => a - b);
          const pieces = [0, ...points].map((start, i) => stream.subarray(start, points[i] ?? stream.length));
          const { replies, target5 } = readAll(pieces, useReadBuffer);
          expect(replies).toEqual(expected);
          expect(Buffer.from(target5).toString()).toBe('hello');
        },
      ),
    );
  });

  it('hands out the free part of the target while a payload is coming, so reads land in place', () => {
    const target = new Uint8Array(10);
    const reader = new RespReader(
      () => target,
      () => {},
    );
    reader.feed(Buffer.from('$10\r\n0123'));
    const into = reader.readBuffer();
    expect(into.buffer).toBe(target.buffer);
    expect(into.byteOffset).toBe(4);
    expect(into.length).toBe(6);
  });

  it('reads back-to-back replies into their targets with no byte of a payload passing through scratch', () => {
    const payloads = [100, 70_000, 1, 65_536, 3].map((n, i) => Buffer.alloc(n, i + 1));
    const wire = Buffer.concat(payloads.flatMap((p) => [Buffer.from(`$${p.length}\r\n`), p, Buffer.from('\r\n')]));
    const whole = new Uint8Array(payloads.reduce((sum, p) => sum + p.length, 0));
    let at = 0;
    const targets = payloads.map((p) => whole.subarray(at, (at += p.length)));
    let replies = 0;
    const reader = new RespReader(
      (ahead) => targets[replies + ahead],
      () => replies++,
    );
    // A socket with all of it waiting: every read fills what it is given.
    let direct = 0;
    for (let from = 0; from < wire.length;) {
      const into = reader.readBuffer();
      const n = Math.min(into.length, wire.length - from);
      into.set(wire.subarray(from, from + n));
      if (into.buffer === whole.buffer) direct += n;
      reader.received(into, n);
      from += n;
    }
    expect(replies).toBe(payloads.length);
    expect(direct).toBe(whole.length);
    expect(Buffer.from(whole).equals(Buffer.concat(payloads))).toBe(true);
  });

  it('refuses what is not RESP', () => {
    const reader = new RespReader(
      () => undefined,
      () => {},
    );
    expect(() => reader.feed(Buffer.from('HTTP/1.1 400\r\n'))).toThrow(RespProtocolError);
    reader.reset();
    expect(() => reader.feed(Buffer.from('$3\r\nabcXY'))).toThrow(RespProtocolError);
  });
});
