import { type Dirent, type Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, UsageError, errorMessage } from '@logcluster/core';
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
}

/**
 * Turns the paths given into the files to read, before anything is opened:
 * - a path that does not exist but holds glob syntax (`'logs/*.log'`, which the shell
 *   left alone because it was quoted, or has no shell) is expanded as a shell would,
 *   names sorted; it must match something;
 * - with -r or -R, a directory stands for every regular file below it (other kinds,
 *   such as FIFOs and devices, are left out, as grep -r does), named as grep names
 *   them (`dir/sub/file`); with no path at all, the working directory is searched and
 *   its files named without `./`;
 * - `--include`/`--exclude` choose files as grep does: the last filter that matches a
 *   file decides; if none matches, the file is taken unless the first filter is an
 *   `--include`. A file given on the command line is matched by its whole name and by
 *   every part after a `/`, a file met in a directory by its name alone;
 *   `--exclude-dir` works likewise on directories.
 * Standard input (`-`) is never filtered. A missing file is left for opening to report.
 */
export async function expandPaths(given: readonly string[], selection: PathSelection): Promise<ExpandedPaths> {
  await checkFirstPathIsNoPattern(given, selection.patternsGiven);
  const recursive = selection.recursive || selection.followLinks;
  if (given.length === 0 && !recursive) throw new UsageError('give at least one path, or - for standard input (-r searches the working directory)');
  const filters = compileFilters(selection);
  const operands: string[] = [];
  for (const path of given.length === 0 && recursive ? ['.'] : given) {
    if (path !== '-' && hasGlobSyntax(path) && !(await exists(path))) {
      const matched = await expandGlob(path);
      if (matched.length === 0) throw new InputError(`${path}: no file matches this pattern`);
      operands.push(...matched);
    } else {
      operands.push(path);
    }
  }
  const paths: string[] = [];
  let searchedDirectory = given.length === 0 && recursive;
  for (const operand of operands) {
    if (operand === '-') {
      paths.push(operand);
      continue;
    }
    const info = await stat(operand).catch(() => null);
    if (info?.isDirectory()) {
      if (!recursive) throw new InputError(`${operand}: is a directory (-r searches directories)`);
      if (filters.excludesDirectory(operand, true)) continue;
      searchedDirectory = true;
      const prefix = given.length === 0 ? '' : operand.endsWith('/') ? operand : `${operand}/`;
      await walk(operand, prefix, selection.followLinks, filters, paths);
    } else if (!filters.excludesFile(operand, true)) {
      paths.push(operand);
    }
  }
  if (paths.length === 0) {
    throw new UsageError(
      operands.length === 0 || searchedDirectory ? `no files to search in ${given.length === 0 ? 'the working directory' : given.join(' ')}${filters.any ? ' that --include/--exclude let through' : ''}` : 'every file given is left out by --include/--exclude',
    );
  }
  return { paths, namesShown: operands.length > 1 || searchedDirectory };
}

/**
 * grep takes its first argument for the pattern; logcluster takes patterns from -p or -e
 * only. A first path that does not exist, followed by others, with no pattern given, was
 * most likely meant for one: say how to give it.
 */
async function checkFirstPathIsNoPattern(given: readonly string[], patternsGiven: boolean): Promise<void> {
  const [first, ...rest] = given;
  if (patternsGiven || first === undefined || rest.length === 0 || first === '-' || (await exists(first)) || hasGlobSyntax(first)) return;
  const quoted = first.includes("'") ? `"${first}"` : `'${first}'`;
  throw new InputError(`${first}: no such file; patterns come with -e or -p, not first among the paths as in grep: logcluster … -e ${quoted} ${rest.join(' ')}`);
}

/** The files below `dir`, sorted by name at each level, each named `prefix` + its path below `dir`. */
async function walk(dir: string, prefix: string, followLinks: boolean, filters: Filters, into: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InputError(`${prefix || dir}: cannot read the directory: ${errorMessage(err)}`, { cause: err });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    let kind: Stats | Dirent = entry;
    if (entry.isSymbolicLink()) {
      if (!followLinks) continue;
      const target = await stat(path).catch(() => null);
      if (!target) continue;
      kind = target;
    }
    if (kind.isDirectory()) {
      if (!filters.excludesDirectory(entry.name, false)) await walk(path, `${prefix}${entry.name}/`, followLinks, filters, into);
    } else if (kind.isFile() && !filters.excludesFile(entry.name, false)) {
      into.push(`${prefix}${entry.name}`);
    }
  }
}

interface Filters {
  any: boolean;
  excludesFile(name: string, onCommandLine: boolean): boolean;
  excludesDirectory(name: string, onCommandLine: boolean): boolean;
}

function compileFilters(selection: PathSelection): Filters {
  const files = selection.fileFilters.map((filter) => ({ include: filter.kind === 'include', regex: globRegExp(filter.glob, { shell: false }) }));
  const dirs = selection.excludeDirs.map((glob) => globRegExp(glob, { shell: false }));
  return {
    any: files.length > 0,
    excludesFile: (name, onCommandLine) => {
      if (files.length === 0) return false;
      const names = onCommandLine ? nameSuffixes(name) : [name];
      for (let i = files.length - 1; i >= 0; i--) {
        if (names.some((candidate) => files[i]!.regex.test(candidate))) return !files[i]!.include;
      }
      return files[0]!.include;
    },
    excludesDirectory: (name, onCommandLine) => {
      const names = onCommandLine ? nameSuffixes(name.replace(/\/+$/, '')) : [name];
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
 * The paths a glob names, as a shell expands it, sorted: segment by segment, a segment
 * with glob syntax matching the names in the directory so far (a leading `.` only when
 * the segment starts with one), `**` any depth of directories (none included).
 */
async function expandGlob(glob: string): Promise<string[]> {
  const absolute = glob.startsWith('/');
  const segments = glob.split('/').filter((segment) => segment !== '');
  let current: string[] = [absolute ? '/' : ''];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const base of current) {
      if (segment === '**') {
        next.push(...(await directoriesBelow(base)));
      } else if (!hasGlobSyntax(segment)) {
        const path = `${base}${unescapeGlob(segment)}`;
        if (await exists(path)) next.push(last ? path : `${path}/`);
      } else {
        const regex = globRegExp(segment, { shell: true });
        const entries = await readdir(base === '' ? '.' : base, { withFileTypes: true }).catch(() => []);
        const names = entries
          .filter((entry) => regex.test(entry.name) && (last || entry.isDirectory() || entry.isSymbolicLink()))
          .map((entry) => entry.name)
          .sort();
        for (const name of names) next.push(last ? `${base}${name}` : `${base}${name}/`);
      }
    }
    current = next;
  }
  return current.filter((path) => path !== '' && path !== '/');
}

/** `base` and every directory below it (not hidden ones, as `**` in a shell), each ending in `/`. */
async function directoriesBelow(base: string): Promise<string[]> {
  const found = [base];
  const entries = await readdir(base === '' ? '.' : base, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    found.push(...(await directoriesBelow(`${base}${entry.name}/`)));
  }
  return found;
}
