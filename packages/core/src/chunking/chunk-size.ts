/**
 * Chunk size unless `--chunk-size` says otherwise; counting threads make their workspace
 * this large as they start. The fastest through Redis and as fast as any for files read
 * directly (docs/benchmarks.md, "Defaults: chunk size and in-flight bound"); a larger
 * chunk also makes each retry or dead-letter cover more lines.
 */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
