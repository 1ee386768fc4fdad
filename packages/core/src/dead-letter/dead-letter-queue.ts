import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { chunkJobId } from '../contract/job.js';
import { joinJobId } from '../contract/join-spec.js';
import { DEAD_LETTER_QUEUE, type DeadLetterEntry, deadLetterId, parseDeadLetterEntry } from './dead-letter-entry.js';

/** A dead-letter entry as it sits in the queue. */
export interface DeadLetterItem {
  id: string;
  entry: DeadLetterEntry;
  /** When it was added to the dead-letter queue (ms since the epoch). */
  addedAt: number;
}

/** The dead-letter queue: a BullMQ queue of its own, so that it shows in Bull Board. */
export class DeadLetterQueue {
  readonly queue: Queue<DeadLetterEntry>;
  private closing: Promise<void> | undefined;

  constructor(connection: RedisClient, prefix: string) {
    this.queue = new Queue<DeadLetterEntry>(DEAD_LETTER_QUEUE, { connection, prefix });
    this.queue.on('error', () => {});
  }

  /** Adds an entry; adding the same dead-lettering again changes nothing. */
  async add(entry: DeadLetterEntry): Promise<string> {
    const { chunk, join } = entry;
    // A join's partition is dead-lettered once per round: its id is its reduce job's.
    const id = chunk
      ? deadLetterId(chunkJobId(chunk), chunk.generation)
      : join
        ? deadLetterId(joinJobId(join), 1)
        : deadLetterId(entry.jobId);
    const name = chunk
      ? `chunk ${chunk.source}.${chunk.seq} of ${chunk.runId}`
      : join
        ? `join partition ${join.partition} of ${join.runId}`
        : `invalid job ${entry.jobId}`;
    await this.queue.add(name, entry, { jobId: id, removeOnComplete: true, removeOnFail: true });
    return id;
  }

  async get(id: string): Promise<DeadLetterItem | null> {
    const job = await this.queue.getJob(id);
    const entry = job ? parseDeadLetterEntry(job.data) : null;
    return job && entry ? { id, entry, addedAt: job.timestamp } : null;
  }

  /** How many entries there are. */
  async size(): Promise<number> {
    const counts = await this.queue.getJobCounts('wait', 'prioritized');
    return (counts.wait ?? 0) + (counts.prioritized ?? 0);
  }

  /** Every entry, oldest first. */
  async list(): Promise<DeadLetterItem[]> {
    const items: DeadLetterItem[] = [];
    const pageSize = 500;
    for (let start = 0; ; start += pageSize) {
      const jobs = await this.queue.getJobs(['wait', 'prioritized'], start, start + pageSize - 1, true);
      for (const job of jobs) {
        const entry = parseDeadLetterEntry(job.data);
        if (job.id && entry) items.push({ id: job.id, entry, addedAt: job.timestamp });
      }
      if (jobs.length < pageSize) break;
    }
    return items;
  }

  /** Removes an entry; true if it was there. */
  async remove(id: string): Promise<boolean> {
    return (await this.queue.remove(id)) === 1;
  }

  /** Removes entries older than `ageMs`: the retention of dead letters. */
  async removeOlderThan(ageMs: number): Promise<number> {
    return (await this.queue.clean(ageMs, 10_000, 'wait')).length;
  }

  close(): Promise<void> {
    return (this.closing ??= this.queue.close());
  }
}
