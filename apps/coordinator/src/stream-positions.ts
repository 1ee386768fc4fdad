import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { FileCheckpoint } from '@logcluster/core';

/** Bytes of a file's beginning hashed to tell it from another that got the same inode number. */
export const FINGERPRINT_BYTES = 256;

/** A file as a checkpoint names it: device, inode and the hash of its first bytes. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  fingerprint: string;
  fingerprintLength: number;
}

/** A stretch of a followed source's stream read from one file, from `fileOffset` on. */
interface Segment {
  streamStart: number;
  file: FileIdentity;
  fileOffset: number;
}

/**
 * Where each byte of a followed source's stream came from: the stream is the files the
 * path named one after the other (rotation), or the same file again from its start
 * (truncation), so a stream offset maps to a file and an offset in it. The follower says
 * where each stretch begins (`begin`) and how far it has read (`advance`); a checkpoint
 * asks where a chunk's end lies (`at`).
 */
export class StreamPositions {
  private segments: Segment[] = [];

  constructor(private streamOffset = 0) {}

  /** From the stream's next byte on, the bytes come from `file`, at `fileOffset`. */
  begin(file: FileIdentity, fileOffset: number): void {
    const last = this.segments.at(-1);
    // A stretch that got no byte is replaced.
    if (last && last.streamStart === this.streamOffset) this.segments.pop();
    this.segments.push({ streamStart: this.streamOffset, file, fileOffset });
  }

  advance(bytes: number): void {
    this.streamOffset += bytes;
  }

  /**
   * The file and offset of stream byte `offset` (a chunk's end: the next byte to read), or
   * null if no file is known for it. Stretches wholly before it are forgotten: checkpoints
   * only move forward.
   */
  at(offset: number): FileCheckpoint | null {
    let found = -1;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      if (this.segments[i]!.streamStart <= offset) {
        found = i;
        break;
      }
    }
    if (found === -1) return null;
    if (found > 0) this.segments = this.segments.slice(found);
    const { file, streamStart, fileOffset } = this.segments[0]!;
    return {
      dev: file.dev.toString(),
      ino: file.ino.toString(),
      fingerprint: file.fingerprint,
      fingerprintLength: file.fingerprintLength,
      offset: fileOffset + (offset - streamStart),
    };
  }
}

/** The identity of the file open as `handle`: its device and inode, and the hash of its first bytes. */
export async function fileIdentity(
  handle: FileHandle,
  dev: bigint,
  ino: bigint,
  length = FINGERPRINT_BYTES,
): Promise<FileIdentity> {
  const first = Buffer.alloc(length);
  const { bytesRead } = await handle.read(first, 0, length, 0);
  return { dev, ino, ...fingerprintOf(first.subarray(0, bytesRead)) };
}

/** The hash of a file's first bytes, and how many they were. */
export function fingerprintOf(bytes: Buffer): { fingerprint: string; fingerprintLength: number } {
  return { fingerprint: createHash('sha1').update(bytes).digest('hex'), fingerprintLength: bytes.length };
}

/** Whether the file open as `handle` (device `dev`, inode `ino`) is the one `checkpoint` names. */
export async function isCheckpointFile(
  handle: FileHandle,
  dev: bigint,
  ino: bigint,
  checkpoint: FileCheckpoint,
): Promise<boolean> {
  if (dev.toString() !== checkpoint.dev || ino.toString() !== checkpoint.ino) return false;
  const identity = await fileIdentity(handle, dev, ino, checkpoint.fingerprintLength);
  return identity.fingerprintLength === checkpoint.fingerprintLength && identity.fingerprint === checkpoint.fingerprint;
}
