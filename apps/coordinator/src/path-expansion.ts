import { type Dirent, accessSync, constants } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, UsageError, errorMessage, shellWord } from '@logcluster/core';
import { globRegExp, hasGlobSyntax, unescapeGlob } from './glob.js';

/** One `--include` or `--exclude`, in the order given: grep lets the last that matches decide. */
export interface FileFilter {
  kind: 'include' | 'exclude';
  glob: string;
}

/** How the paths given become the files read, as grep -r and its filters choose them. */
export interface PathSelection {
  /** -r: directories are searched, through every subdirectory; symbolic links met on the way are left alone. */
  recursive: boolean;
  /** -R: -r, following every symbolic link. */
  followLinks: boolean;
  fileFilters: readonly FileFilter[];
  /** --exclude-dir: directories (given, or met while searching) left out. */
  excludeDirs: readonly string[];
  /** Whether -p or -e gave the patterns (else a grep habit may have put one first among the paths). */
  patternsGiven: boolean;
}

export interface ExpandedPaths {
  /** Files to read, and `-`, in order: as given, each directory's files sorted by name. */
  paths: string[];
  /** Whether grep would put each file's name before its count: several paths given, or a directory searched. */
  namesShown: boolean;
  /**
   * What was met while searching directories and left out, as grep warns of it: a
   * directory or file that cannot be read, or a symbolic link to nothing (with -R), which
   * are errors: grep goes on without them and exits 2 at the end, and so does logcluster
   * (see `exitCodeAfterSkips`); or a directory loop (with -R), which is not.
   */
  skipped: Skipped[];
}

export interface Skipped {
  text: string;
  /** An error (exit 2 at the end), not only a notice. */
  error: boolean;
}

/**
 * Turns the paths given into the files to read, before anything is opened:
 * - a path that does not exist but holds glob syntax (`'logs/*.log'`, which the shell
 *   left alone because it was quoted, or has no shell) is expanded as a shell would
 *   (bash with globstar, for `**`), names sorted; it must match something;
 * - with -r or -R, a directory stands for every regular file below it (other kinds,
 *   such as FIFOs and devices, are left out, as grep -r does), named as grep names
 *   them (`dir/sub/file`); with no path at all, the working directory is searched and
 *   its files named without `./`;
 * - `--include`/`--exclude` choose files as grep does: the last filter that matches a
 *   file decides; if none matches, the file is taken unless the first filter is an
 *   `--include`. A file given on the command line is matched by its whole name and by
 *   every part after a `/`, a file met in a directory by its name alone;
 *   `--exclude-dir` works likewise on directories.
 * Standard input (`-`) is never filtered. A missing file given is left for opening to
 * report; what cannot be read below a directory is skipped and said (`skipped`).
 */
export async function expandPaths(given: readonly string[], selection: PathSelection): Promise<ExpandedPaths> {
  await checkFirstPathIsNoPattern(given, selection.patternsGiven);
  const recursive = selection.recursive || selection.followLinks;
  if (given.length === 0 && !recursive)
    throw new UsageError('give at least one path, or - for standard input (-r searches the working directory)');
  const filters = compileFilters(selection);
  const operands: string[] = [];
  for (const path of given) {
    if (path !== '-' && hasGlobSyntax(path) && !(await exists(path))) {
      const matched = await expandGlob(path);
      if (matched.length === 0) throw new InputError(`${path}: no file matches this pattern`);
      operands.push(...matched);
    } else {
      operands.push(path);
    }
  }
  const found: Found = { paths: [], skipped: [] };
  let searchedDirectory = false;
  if (given.length === 0) {
    // The working directory, which no --exclude-dir leaves out (grep's neither).
    searchedDirectory = true;
    await walk({ dir: '.', prefix: '' }, selection.followLinks, filters, found);
  }
  for (const operand of operands) {
    if (operand === '-') {
      found.paths.push(operand);
      continue;
    }
    const info = await stat(operand).catch(() => null);
    if (info?.isDirectory()) {
      if (!recursive) throw new InputError(`${operand}: is a directory (-r searches directories)`);
      if (filters.excludesDirectory(operand, true)) continue;
      searchedDirectory = true;
      // grep names what it finds below `dir//` as below `dir/`.
      await walk({ dir: operand, prefix: `${operand.replace(/\/+$/, '')}/` }, selection.followLinks, filters, found);
    } else if (!filters.excludesFile(operand, true)) {
      found.paths.push(operand);
    }
  }
  if (found.paths.length === 0) throw nothingToSearch(given, operands, searchedDirectory, selection);
  return { paths: found.paths, namesShown: operands.length > 1 || searchedDirectory, skipped: found.skipped };
}

/**
 * The exit code of a run that read every file but those `skipped`: as grep, 2 when some
 * were, unless the run's own code says worse (1 failed, 3 partial).
 */
export function exitCodeAfterSkips(code: number, skipped: readonly Skipped[]): number {
  return code === 0 && skipped.some((entry) => entry.error) ? 2 : code;
}

function nothingToSearch(
  given: readonly string[],
  operands: readonly string[],
  searchedDirectory: boolean,
  selection: PathSelection,
): UsageError {
  const where = given.length === 0 ? 'the working directory' : given.map(shellWord).join(' ');
  const by = [
    selection.fileFilters.length > 0 ? '--include/--exclude' : '',
    selection.excludeDirs.length > 0 ? '--exclude-dir' : '',
  ]
    .filter(Boolean)
    .join(' and ');
  if (searchedDirectory || operands.length === 0)
    return new UsageError(`no files to search in ${where}${by ? ` that ${by} let through` : ''}`);
  return new UsageError(`every path given is left out${by ? ` by ${by}` : ''}`);
}

/**
 * grep takes its first argument for the pattern; logcluster takes patterns from -p or -e
 * only. A first path that does not exist, followed by others, with no pattern given, was
 * most likely meant for one: say how to give it.
 */
async function checkFirstPathIsNoPattern(given: readonly string[], patternsGiven: boolean): Promise<void> {
  const [first, ...rest] = given;
  if (
    patternsGiven ||
    first === undefined ||
    rest.length === 0 ||
    first === '-' ||
    (await exists(first)) ||
    hasGlobSyntax(first)
  )
    return;
  throw new InputError(
    `${first}: no such file; patterns come with -e or -p, not first among the paths as in grep: logcluster … -e ${shellWord(first)} ${rest.map(shellWord).join(' ')}`,
  );
}

interface Found {
  paths: string[];
  skipped: Skipped[];
}

/** A directory to search, and how the files below it are named (`prefix` + their path below it). */
interface Place {
  dir: string;
  prefix: string;
}

/**
 * The files below `place.dir`, sorted by name at each level. With -R, a directory met
 * again below itself (a link to a parent) is a loop: skipped, as grep skips it.
 */
async function walk(
  place: Place,
  followLinks: boolean,
  filters: Filters,
  found: Found,
  ancestors: ReadonlySet<string> = new Set(),
): Promise<void> {
  const shown = place.prefix === '' ? '.' : place.prefix.slice(0, -1);
  const self = await stat(place.dir).catch(() => null);
  const identity = self ? `${self.dev}:${self.ino}` : '';
  if (ancestors.has(identity)) {
    found.skipped.push({ text: `${shown}: recursive directory loop`, error: false });
    return;
  }
  let entries: Dirent[];
  try {
    entries = await readdir(place.dir, { withFileTypes: true });
  } catch (err) {
    found.skipped.push({ text: `${shown}: cannot read the directory: ${reasonOf(err)}`, error: true });
    return;
  }
  const within = new Set(ancestors).add(identity);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(place.dir, entry.name);
    const name = `${place.prefix}${entry.name}`;
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      if (!followLinks) continue;
      const target = await stat(path).catch(() => null);
      if (!target) {
        found.skipped.push({ text: `${name}: a symbolic link to nothing`, error: true });
        continue;
      }
      isDirectory = target.isDirectory();
      isFile = target.isFile();
    }
    if (isDirectory) {
      if (!filters.excludesDirectory(entry.name, false))
        await walk({ dir: path, prefix: `${name}/` }, followLinks, filters, found, within);
    } else if (isFile && !filters.excludesFile(entry.name, false)) {
      const readable = readableOrWhyNot(path);
      if (readable === null) found.paths.push(name);
      else found.skipped.push({ text: `${name}: cannot be read: ${readable}`, error: true });
    }
  }
}

/**
 * Null if the file can be read, else why not. Synchronous: a walk of 100,000 files found
 * nothing else to do meanwhile, and a round trip through libuv's pool per file cost it
 * seconds.
 */
function readableOrWhyNot(path: string): string | null {
  try {
    accessSync(path, constants.R_OK);
    return null;
  } catch (err) {
    return reasonOf(err);
  }
}

/** Why a file or directory could not be read, in words. */
function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such file (gone meanwhile?)';
  return errorMessage(err);
}

interface Filters {
  excludesFile(name: string, onCommandLine: boolean): boolean;
  excludesDirectory(name: string, onCommandLine: boolean): boolean;
}

function compileFilters(selection: PathSelection): Filters {
  const compile = (option: string, glob: string) => {
    try {
      return globRegExp(glob, { shell: false });
    } catch (err) {
      throw new UsageError(`${option} ${shellWord(glob)} is not a glob: ${errorMessage(err)}`, { cause: err });
    }
  };
  const files = selection.fileFilters.map((filter) => ({
    include: filter.kind === 'include',
    regex: compile(`--${filter.kind}`, filter.glob),
  }));
  const dirs = selection.excludeDirs.map((glob) => compile('--exclude-dir', glob));
  return {
    excludesFile: (name, onCommandLine) => {
      if (files.length === 0) return false;
      const names = onCommandLine ? nameSuffixes(name) : [name];
      for (let i = files.length - 1; i >= 0; i--) {
        if (names.some((candidate) => files[i]!.regex.test(candidate))) return !files[i]!.include;
      }
      return files[0]!.include;
    },
    excludesDirectory: (name, onCommandLine) => {
      const names = onCommandLine ? nameSuffixes(name) : [name];
      return dirs.some((regex) => names.some((candidate) => regex.test(candidate)));
    },
  };
}

/** The whole name, and each trailing part of it that starts after a `/` (grep's "name suffixes" of a command-line file). */
function nameSuffixes(name: string): string[] {
  const suffixes = [name];
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    if (i + 1 < name.length && name[i + 1] !== '/') suffixes.push(name.slice(i + 1));
  }
  return suffixes;
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null)) !== null;
}

/**
 * The paths a glob names, as bash expands it (with globstar), sorted: segment by
 * segment, a segment with glob syntax matching the names in the directory reached so far
 * (a leading `.` only when the segment starts with one), `**` any depth of directories
 * (none included), or as the last segment every file and directory below; a glob ending
 * in `/` names directories only.
 */
export async function expandGlob(glob: string): Promise<string[]> {
  const directoriesOnly = glob.endsWith('/');
  const segments = glob.split('/').filter((segment) => segment !== '');
  let current: string[] = [glob.startsWith('/') ? '/' : ''];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const base of current) {
      if (segment === '**') {
        next.push(...(last ? await everythingBelow(base) : await directoriesBelow(base)));
      } else if (!hasGlobSyntax(segment)) {
        const path = `${base}${unescapeGlob(segment)}`;
        if (await exists(path)) next.push(last ? path : `${path}/`);
      } else {
        const regex = globRegExp(segment, { shell: true });
        for (const entry of await entriesOf(base)) {
          if (regex.test(entry.name) && (last || (await isDirectory(`${base}${entry.name}`))))
            next.push(last ? `${base}${entry.name}` : `${base}${entry.name}/`);
        }
      }
    }
    current = next;
  }
  const matched: string[] = [];
  for (const path of current) {
    if (path === '' || path === '/') continue;
    if (!directoriesOnly) matched.push(path.replace(/(.)\/$/, '$1'));
    else if (await isDirectory(path)) matched.push(path.endsWith('/') ? path : `${path}/`);
  }
  return [...new Set(matched)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function entriesOf(base: string): Promise<Dirent[]> {
  return readdir(base === '' ? '.' : base, { withFileTypes: true }).catch(() => []);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() === true;
}

/** `base` and every directory below it (not hidden ones, as `**` in bash), each ending in `/`. */
async function directoriesBelow(base: string): Promise<string[]> {
  const found = [base];
  for (const entry of await entriesOf(base)) {
    if (entry.isDirectory() && !entry.name.startsWith('.'))
      found.push(...(await directoriesBelow(`${base}${entry.name}/`)));
  }
  return found;
}

/** Every file and directory below `base` (not hidden ones), at any depth: what a last `**` names. */
async function everythingBelow(base: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await entriesOf(base)) {
    if (entry.name.startsWith('.')) continue;
    found.push(`${base}${entry.name}`);
    if (entry.isDirectory()) found.push(...(await everythingBelow(`${base}${entry.name}/`)));
  }
  return found;
}
