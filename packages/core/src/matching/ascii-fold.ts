const LOWER = new Uint8Array(256).map((_, byte) => (byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte));

/** A copy of `bytes` with ASCII letters lower-cased and every other byte unchanged. */
export function foldAsciiCase(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = LOWER[bytes[i]!]!;
  return out;
}

/**
 * Whether ignore-case matching of `text` can run on ASCII-folded bytes and still agree
 * with Unicode simple case folding: the text is ASCII, and holds neither `s` nor `k`,
 * which `ſ` (U+017F) and the Kelvin sign (U+212A) fold to.
 */
export function isAsciiFoldable(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return !/[sk]/i.test(text);
}
