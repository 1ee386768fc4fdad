import { escapeRegExp } from './pattern.js';

/*
 * Ignore-case for literals, as GNU grep -i does it in a UTF-8 locale. Measured on grep
 * 3.8 (C.UTF-8) against every code point: an ASCII letter matches its other case, and
 * two letters match one more character each — `i` the dotless ı (U+0131) and `s` the long
 * ſ (U+017F), whose upper cases are I and S. Nothing else folds to an ASCII letter (not
 * the Kelvin sign, which JavaScript's /iu would fold to k).
 */
const EXTRA_COUNTERPARTS: Record<string, string> = { i: 'ı', s: 'ſ' };

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Whether ignore-case matching of `text` can run on bytes read as Latin-1 with
 * JavaScript's non-Unicode `/gi`, and agree with grep: the text is ASCII and holds no
 * letter with an extra counterpart. (Non-Unicode `/i` never folds a character above 127
 * into ASCII, so the bytes of other characters match nothing.)
 */
export function isAsciiFoldable(text: string): boolean {
  return isAscii(text) && !/[is]/i.test(text);
}

/**
 * For an ASCII literal holding i or s: a case-sensitive Unicode regex that matches it
 * as grep -i does, each letter a class of its counterparts; and the longest stretches
 * without such letters, which every match contains (for a prefilter).
 */
export function grepIgnoreCaseLiteral(text: string): { regex: RegExp; fragments: string[] } | null {
  if (!isAscii(text)) return null;
  let source = '';
  for (const char of text) {
    const lower = char.toLowerCase();
    if (lower === char.toUpperCase()) source += escapeRegExp(char);
    else source += `[${lower}${char.toUpperCase()}${EXTRA_COUNTERPARTS[lower] ?? ''}]`;
  }
  const fragments = text.split(/[is]/i).filter((fragment) => fragment.length >= 2);
  return { regex: new RegExp(source, 'gu'), fragments };
}
