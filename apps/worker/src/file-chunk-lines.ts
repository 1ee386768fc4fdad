import type { FileChunkJob } from '@logcluster/core';
import type { CountPool } from './count-pool.js';
import type { SharedStorage } from './shared-storage.js';

/** Counts the lines of a chunk on shared storage; null if it cannot be read. */
export type FileChunkLines = (job: FileChunkJob) => Promise<number | null>;

/**
 * The lines of chunks on shared storage, for the record of their dead-lettering: nobody
 * counted them before. (Counting lines only, with no pattern, cannot time out the way
 * the chunk's patterns may have.)
 */
export function fileChunkLines(storage: SharedStorage, pool: CountPool): FileChunkLines {
  return async (job) => {
    try {
      const file = await storage.open(job.path);
      try {
        return (await pool.countFile(file.fd, job.byteOffset, job.byteLength, file.size, [])).lines;
      } finally {
        await file.close();
      }
    } catch {
      return null;
    }
  };
}
