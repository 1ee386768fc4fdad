/*
 * Globs, as grep and the shell read them: `*` (any characters), `?` (one character),
 * `[…]` (one of a set: ranges, `!` or `^` to negate, `]` first taken as itself, POSIX
 * classes such as `[[:digit:]]`), and `\` to take the next character as itself.
 */

/** Whether the text holds a glob character that is not escaped (a `[` only with its `]`). */
export function hasGlobSyntax(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '*' || char === '?') return true;
    else if (char === '[' && bracketEnd(text, i) !== -1) return true;
  }
  return false;
}

/** The text with its escapes taken away: what a glob without glob characters names. */
export function unescapeGlob(text: string): string {
  return text.replace(/\\(.)/gs, '$1');
}

export interface GlobOptions {
  /**
   * Read as the shell reads a path's segment: the glob matches a name, wildcards never
   * match a leading `.` (hidden files are named to be found). Otherwise as grep's
   * `--include`/`--exclude` (fnmatch without flags): `*` and `?` match `/` and a leading `.` too.
   */
  shell: boolean;
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  blank: ' \\t',
  digit: '0-9',
  lower: 'a-z',
  punct: '!-/:-@\\[-`{-~',
  space: ' \\t\\n\\r\\f\\v',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
};

/** The glob as an anchored regular expression. */
export function globRegExp(glob: string, options: GlobOptions): RegExp {
  const any = options.shell ? '[^/]' : '[^]';
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '\\' && i + 1 < glob.length) {
      source += escapeForRegExp(glob[++i]!);
    } else if (char === '*') {
      source += `${any}*`;
    } else if (char === '?') {
      source += any;
    } else if (char === '[' && bracketEnd(glob, i) !== -1) {
      const end = bracketEnd(glob, i);
      source += bracketSource(glob.slice(i + 1, end));
      i = end;
    } else {
      source += escapeForRegExp(char);
    }
  }
  // The shell's wildcards leave a leading dot alone.
  const hidden = options.shell && /^[*?[]/.test(glob) ? '(?!\\.)' : '';
  return new RegExp(`^${hidden}${source}$`, 'u');
}

/** Where the bracket expression opened at `open` closes, or -1 if it does not. */
function bracketEnd(text: string, open: number): number {
  let i = open + 1;
  if (text[i] === '!' || text[i] === '^') i++;
  if (text[i] === ']') i++;
  for (; i < text.length; i++) {
    if (text[i] === '[' && text[i + 1] === ':') {
      const close = text.indexOf(':]', i + 2);
      if (close !== -1) {
        i = close + 1;
        continue;
      }
    }
    if (text[i] === ']') return i;
  }
  return -1;
}

/** The inside of `[…]` as a regex class. */
function bracketSource(inside: string): string {
  let i = 0;
  let negated = false;
  if (inside[0] === '!' || inside[0] === '^') {
    negated = true;
    i = 1;
  }
  let body = '';
  for (; i < inside.length; i++) {
    const char = inside[i]!;
    if (char === '[' && inside[i + 1] === ':') {
      const close = inside.indexOf(':]', i + 2);
      const name = close === -1 ? undefined : inside.slice(i + 2, close);
      const members = name === undefined ? undefined : POSIX_CLASSES[name];
      if (members !== undefined) {
        body += members;
        i = close + 1;
        continue;
      }
    }
    if (char === '\\' && i + 1 < inside.length) body += escapeForClass(inside[++i]!);
    else if (char === '-' && body !== '' && i + 1 < inside.length) body += '-';
    else body += escapeForClass(char);
  }
  return `[${negated ? '^' : ''}${body}]`;
}

function escapeForRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function escapeForClass(char: string): string {
  return /[\\\]^[-]/.test(char) ? `\\${char}` : char;
}
