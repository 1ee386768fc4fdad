/**
 * Chunk size unless `--chunk-size` says otherwise; counting threads make their workspace
 * this large as they start. Measured again with the SIMD kernel and the copy-free bytes
 * path (docs/benchmarks.md), 1 GiB, two runs each: `analyze` 1.14–1.32 s in 1 MiB
 * chunks, 1.06–1.14 s in 4 MiB, 0.99–1.17 s in 16 MiB; `submit` through Redis
 * 2.94–3.79 s, 2.86–3.32 s and 3.59–3.97 s (and 149 MiB of coordinator RSS against
 * 113 MiB). A larger chunk also makes each retry or dead-letter cover more lines.
 */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
