/**
 * Whether ignore-case matching of `text` can run on bytes read as Latin-1 with
 * JavaScript's non-Unicode `/i` and still agree with Unicode simple case folding: the
 * text is ASCII, and holds neither `s` nor `k`, which `ſ` (U+017F) and the Kelvin sign
 * (U+212A) fold to. (Non-Unicode `/i` never folds a character above 127 into ASCII.)
 */
export function isAsciiFoldable(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return !/[sk]/i.test(text);
}
