import { constants } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { ChunkMissingError, SharedPathError } from '@logcluster/core';

/** An open file of the shared storage, for the length of one chunk. */
export interface SharedFile {
  fd: number;
  size: number;
  close(): Promise<void>;
}

/**
 * The files this worker may read for chunks that come as a path on shared storage:
 * those under `--shared-root` (symlinks resolved first, so none leads out), and, when an
 * allow-list is given (`analyze` gives its inputs' real paths), only those. Anything else
 * is refused.
 */
export class SharedStorage {
  private constructor(
    private readonly root: string | null,
    private readonly allowed: ReadonlySet<string> | null,
  ) {}

  /** `allowedFiles`: real paths (symlinks resolved, as `analyze` found them when it checked its inputs). */
  static async create(root: string | undefined, allowedFiles?: readonly string[]): Promise<SharedStorage> {
    if (root === undefined) return new SharedStorage(null, null);
    if (!isAbsolute(root)) throw new SharedPathError(`--shared-root must be an absolute path (got "${root}")`);
    const realRoot = await realpath(root).catch((err: unknown) => {
      throw new SharedPathError(`--shared-root ${root} cannot be resolved: ${(err as Error).message}`);
    });
    const allowed = allowedFiles ? new Set(allowedFiles) : null;
    return new SharedStorage(realRoot, allowed);
  }

  /** The root, or null when this worker reads no shared storage. */
  get rootPath(): string | null {
    return this.root;
  }

  async open(relative: string): Promise<SharedFile> {
    const { path, noFollow } = await this.resolve(relative);
    let handle: FileHandle;
    try {
      handle = await open(path, noFollow ? constants.O_RDONLY | constants.O_NOFOLLOW : 'r');
    } catch (err) {
      throw new ChunkMissingError(`${path} cannot be opened for a chunk: ${(err as Error).message}`, { cause: err });
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw new SharedPathError(`refused to read ${path}: not a regular file`);
    }
    return { fd: handle.fd, size: stat.size, close: () => handle.close() };
  }

  /**
   * Where a chunk's path may be opened, or why not (`SharedPathError`, `ChunkMissingError`).
   * A file of the allow-list is a real path already: it is opened as it is, refusing a
   * symlink put in its place since (`noFollow`). Any other path is resolved first, so that
   * no symlink leads out of the root.
   */
  async resolve(relative: string): Promise<{ path: string; noFollow: boolean }> {
    if (this.root === null) {
      throw new SharedPathError(
        `a chunk of ${relative} is to be read from shared storage, and this worker has no --shared-root`,
      );
    }
    const requested = resolve(this.root, relative);
    if (this.allowed?.has(requested) === true) return { path: requested, noFollow: true };
    let real: string;
    try {
      real = await realpath(requested);
    } catch (err) {
      throw new ChunkMissingError(`${requested} cannot be read for a chunk: ${(err as Error).message}`, { cause: err });
    }
    const inside = real === this.root || real.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep);
    if (!inside || (this.allowed && !this.allowed.has(real))) {
      throw new SharedPathError(
        `refused to read ${relative}: it resolves to ${real}, outside what this worker may read (${this.root})`,
      );
    }
    return { path: real, noFollow: false };
  }
}
