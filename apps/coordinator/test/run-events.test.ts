import { type RedisClient, connectRedis } from '@logcluster/core';
import { type TestRedis, sleep, startTestRedis } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEvents } from '../src/run-events.js';

let redis: TestRedis;
let client: RedisClient;

beforeAll(async () => {
  redis = await startTestRedis();
  client = await connectRedis(redis.url, { connectionName: 'run-events-test' });
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

async function publish(channel: string, message: string): Promise<void> {
  await client.publish(channel, message);
}

describe('RunEvents', () => {
  it('wakes a wait at any message; an end message says so, once, even when it came while nobody waited', async () => {
    const events = await RunEvents.subscribe(client, 'run-events-test:a');
    try {
      const waiting = events.next(10_000);
      await publish('run-events-test:a', '1');
      expect(await waiting).toBe(false);

      // The run ends while nobody waits: the next wait hears of it at once, the one after does not.
      await publish('run-events-test:a', 'finished');
      // Delivered meanwhile, to RunEvents' own connection: nothing the test can poll shows when.
      await sleep(100);
      const started = Date.now();
      expect(await events.next(10_000)).toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await events.next(200)).toBe(false);
    } finally {
      await events.close();
    }
  });

  it('untilEnd sleeps through ordinary messages and wakes at the end', async () => {
    const events = await RunEvents.subscribe(client, 'run-events-test:b');
    try {
      let settled = false;
      const waiting = events.untilEnd(10_000).then((ended) => ((settled = true), ended));
      for (let i = 0; i < 5; i++) await publish('run-events-test:b', String(i));
      await sleep(100); // time for the messages to arrive: none of them may wake it
      expect(settled).toBe(false);
      await publish('run-events-test:b', 'failed');
      expect(await waiting).toBe(true);
      // Timed out, it says that no end came.
      expect(await events.untilEnd(50)).toBe(false);
    } finally {
      await events.close();
    }
  });

  it('closing releases every wait', async () => {
    const events = await RunEvents.subscribe(client, 'run-events-test:c');
    const waits = [events.next(60_000), events.untilEnd(60_000)];
    await events.close();
    expect(await Promise.all(waits)).toEqual([false, false]);
  });
});
