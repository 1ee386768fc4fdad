import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../src/command-io.js';
import { serviceLog } from '../src/service-log.js';

function capture(isTTY: boolean): { io: CommandIo; written: () => string } {
  const stream = new PassThrough();
  let written = '';
  stream.on('data', (data: Buffer) => (written += data.toString('utf8')));
  const stderr = Object.assign(stream, { isTTY }) as unknown as NodeJS.WriteStream;
  return {
    io: { stdout: stream, stderr, stdin: stream, signal: new AbortController().signal, shutdownDeadlineMs: 1_000 },
    written: () => written,
  };
}

describe('serviceLog', () => {
  it('writes one JSON object per line when stderr is not a terminal', async () => {
    const { io, written } = capture(false);
    serviceLog('worker', io, { worker: 'w1' }, {}).warn(
      { runId: 'r-1', firstLine: 1, lastLine: 9 },
      'dead-lettered chunk 0.0',
    );
    await new Promise((resolve) => setImmediate(resolve));
    const lines = written().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      service: 'worker',
      worker: 'w1',
      runId: 'r-1',
      firstLine: 1,
      lastLine: 9,
      msg: 'dead-lettered chunk 0.0',
    });
    expect((JSON.parse(lines[0]!) as { time: string }).time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes readable lines on a terminal, or when LOGCLUSTER_LOG_FORMAT=pretty', async () => {
    for (const [isTTY, env] of [
      [true, {}],
      [false, { LOGCLUSTER_LOG_FORMAT: 'pretty' }],
    ] as const) {
      const { io, written } = capture(isTTY);
      serviceLog('dashboard', io, {}, env).info(
        { url: 'http://127.0.0.1:3000/admin/queues', auth: true },
        'dashboard at http://127.0.0.1:3000/admin/queues',
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(written()).toMatch(
        /^\d{4}-\d\d-\d\dT\S+Z INFO {2}dashboard at http:\/\/127\.0\.0\.1:3000\/admin\/queues {2}url=http:\/\/127\.0\.0\.1:3000\/admin\/queues auth=true\n$/,
      );
    }
  });
});
