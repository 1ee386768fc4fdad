import { type FSWatcher, watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { InputError, type SourceCheckpoint, UsageError } from '@logcluster/core';
import { FileSlots } from './file-slots.js';
import { followedFile } from './follow-input.js';
import { hasGlobSyntax } from './glob.js';
import type { Input } from './inputs.js';
import { expandGlob } from './path-expansion.js';

/** How often the globs are expanded again to find new files (fs events make it sooner). */
const DISCOVER_MS = 250;
/** A followed file whose path has been missing this long is finished (deleted, or rotated away for good). */
const END_WHEN_GONE_MS = 5_000;
/** `--max-open-files` unless the process may open fewer. */
export const DEFAULT_MAX_OPEN_FILES = 1_000;
/** Descriptors left to everything but followed files (Redis connections, the bundle, stdio). */
const OTHER_DESCRIPTORS = 64;

export interface FollowSetOptions {
  /** Stops following: every file is read to its end, then its source ends, and no more are found. */
  stop: AbortSignal;
  flushMs: number;
  notice: (message: string) => void;
  /** At most this many followed files open at once (`--max-open-files`). */
  maxOpenFiles: number;
  discoverMs?: number;
  endWhenGoneMs?: number;
}

/**
 * The paths and globs of `submit --follow` when they are several, or globs: the files
 * they match now and those that come to match later (found within `discoverMs`, sooner
 * through fs events), each a source of its own followed like `tail -F` (rotation,
 * truncation: follow-reader.ts) and finished once its path has been gone for
 * `endWhenGoneMs`. A file already read under another name (a rotated `app.log.1` that
 * the glob also matches) is not a new source: files are told apart by device and inode,
 * so nothing is counted twice. The open files are capped, and the slots shared fairly
 * (file-slots.ts).
 */
export class FollowSet {
  /** Paths followed now (a finished one may come back as a new source). */
  private readonly followed = new Set<string>();
  /** Every file (device:inode) read by any follower so far. */
  private readonly known = new Set<string>();
  private readonly slots: FileSlots;
  private readonly watchers: FSWatcher[] = [];
  /** The paths and globs each path was found by (a followed join's sides come from them). */
  private readonly foundBy = new Map<string, Set<string>>();
  private wake: (() => void) | null = null;

  private constructor(
    private readonly patterns: readonly string[],
    private readonly options: FollowSetOptions,
  ) {
    this.slots = new FileSlots(options.maxOpenFiles);
  }

  /**
   * Checks the paths and globs, and gives the files they match now as the first
   * sources. A path that is no glob must be a regular file; a glob may match nothing yet.
   */
  static async open(
    patterns: readonly string[],
    options: FollowSetOptions,
  ): Promise<{ set: FollowSet; first: Input[] }> {
    if (patterns.includes('-'))
      throw new UsageError('--follow of standard input (-) follows it alone: give no other path with it');
    const set = new FollowSet(patterns, options);
    const first: Input[] = [];
    for (const pattern of patterns) {
      if (isGlob(pattern) && !(await exists(pattern))) continue;
      const found = await stat(pattern).catch((err: NodeJS.ErrnoException) => {
        throw new InputError(err.code === 'ENOENT' ? `${pattern}: no such file` : `${pattern}: ${err.message}`, {
          cause: err,
        });
      });
      if (found.isDirectory())
        throw new InputError(`${pattern}: is a directory (to follow the files in it, give a glob: '${pattern}/*.log')`);
      if (!found.isFile()) throw new InputError(`${pattern}: not a regular file (to follow a pipe, give - alone)`);
    }
    for (const path of await set.matches()) {
      const input = await set.source(path);
      if (input) first.push(input);
    }
    for (const pattern of patterns.filter(isGlob)) {
      if (!(await exists(pattern)) && (await expandGlob(pattern)).length === 0)
        options.notice(`${pattern} matches no file yet: following it as files appear`);
    }
    set.watchDirectories();
    return { set, first };
  }

  /**
   * The set of a followed run taken up again: the run's sources, in order, each going on
   * from its checkpoint (the file it names found again by device, inode and first bytes,
   * at its path or renamed in its directory; follow-reader.ts), then files that come to
   * match, as when it started.
   */
  static resume(
    patterns: readonly string[],
    sources: readonly string[],
    checkpoints: ReadonlyMap<number, SourceCheckpoint>,
    options: FollowSetOptions,
  ): { set: FollowSet; first: Input[] } {
    const set = new FollowSet(patterns, options);
    for (const { file } of checkpoints.values()) if (file) set.known.add(`${file.dev}:${file.ino}`);
    const first = sources.map((path, source) => {
      const checkpoint = checkpoints.get(source);
      set.followed.add(path);
      return set.follow(path, checkpoint);
    });
    set.watchDirectories();
    return { set, first };
  }

  /** Files that came to match since the last look, as sources, until following stops. */
  async *discovered(): AsyncGenerator<Input> {
    const { stop } = this.options;
    try {
      while (!stop.aborted) {
        await this.nextLook();
        if (stop.aborted) return;
        for (const path of await this.matches()) {
          const input = await this.source(path);
          if (input) yield input;
        }
      }
    } finally {
      for (const watcher of this.watchers) watcher.close();
    }
  }

  /** The regular files the paths and globs name now, in order, each once. */
  private async matches(): Promise<string[]> {
    const paths: string[] = [];
    for (const pattern of this.patterns) {
      const found = isGlob(pattern) && !(await exists(pattern)) ? await expandGlob(pattern) : [pattern];
      for (const path of found) {
        let by = this.foundBy.get(path);
        if (!by) this.foundBy.set(path, (by = new Set()));
        by.add(pattern);
      }
      paths.push(...found);
    }
    return [...new Set(paths)];
  }

  /** The paths and globs that found `path` (a source's name), as given. */
  patternsOf(path: string): string[] {
    return [...(this.foundBy.get(path) ?? [])];
  }

  /** `path` as a new source, or null if it is followed already, is no regular file, or is a file read already. */
  private async source(path: string): Promise<Input | null> {
    if (this.followed.has(path)) return null;
    const found = await stat(path, { bigint: true }).catch(() => null);
    if (!found?.isFile() || this.known.has(`${found.dev}:${found.ino}`)) return null;
    this.followed.add(path);
    return this.follow(path);
  }

  /** `path` followed as a source (from `checkpoint`, when a run is taken up again). */
  private follow(path: string, checkpoint?: SourceCheckpoint): Input {
    return followedFile(path, {
      stop: this.options.stop,
      flushMs: this.options.flushMs,
      notice: this.options.notice,
      slots: this.slots,
      onFile: (dev, ino) => this.known.add(`${dev}:${ino}`),
      endWhenGoneMs: this.options.endWhenGoneMs ?? END_WHEN_GONE_MS,
      onEnd: () => this.followed.delete(path),
      goneIsEmpty: true,
      ...(checkpoint?.file ? { start: checkpoint.file } : {}),
      ...(checkpoint ? { from: checkpoint.byteOffset } : {}),
    });
  }

  /** Waits for the next look: `discoverMs`, or sooner when a watched directory changed, or following stops. */
  private async nextLook(): Promise<void> {
    const { stop } = this.options;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.options.discoverMs ?? DISCOVER_MS);
      stop.addEventListener('abort', done);
      this.wake = done;
    });
  }

  /** Watches the directory each glob starts in, so that a file created there is found at once. */
  private watchDirectories(): void {
    for (const dir of new Set(this.patterns.filter(isGlob).map(globBase))) {
      try {
        const watcher = watch(dir || '.', { persistent: false }, () => this.wake?.());
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // Not there yet, or no events here: the periodic look finds the files.
      }
    }
  }
}

/**
 * `--max-open-files`'s default: DEFAULT_MAX_OPEN_FILES, or the process's limit on open
 * files (its soft RLIMIT_NOFILE, from /proc/self/limits) less what else it needs.
 */
export async function defaultMaxOpenFiles(): Promise<number> {
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  if (soft === undefined) return DEFAULT_MAX_OPEN_FILES;
  return Math.max(1, Math.min(DEFAULT_MAX_OPEN_FILES, Number(soft) - OTHER_DESCRIPTORS));
}

function isGlob(pattern: string): boolean {
  return hasGlobSyntax(pattern);
}

/** The directory a glob's first segment with glob syntax is in (`''` for the working directory). */
function globBase(pattern: string): string {
  const segments = pattern.split('/');
  const first = segments.findIndex((segment) => hasGlobSyntax(segment));
  return segments.slice(0, first).join('/') || (pattern.startsWith('/') ? '/' : '');
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}
