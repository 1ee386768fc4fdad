/*
 * The character codes that code compares (`charCodeAt`, bytes) by name, and the ASCII
 * classes the readers of log lines ask about.
 */

/** The byte that ends a line. */
export const NEWLINE = 0x0a;

/**
 * The codes of the characters the readers of log lines compare, taken as a module's own
 * constants where they are read character by character (`const { SPACE, TAB } = CHAR;`):
 * an imported binding costs more to read than a module's own constant, and imported one
 * by one these made message templates 8% slower.
 */
export const CHAR = {
  TAB: 0x09,
  NEWLINE,
  RETURN: 0x0d,
  SPACE: 0x20,
  QUOTE: 0x22,
  APOSTROPHE: 0x27,
  PLUS: 0x2b,
  COMMA: 0x2c,
  DASH: 0x2d,
  DOT: 0x2e,
  SLASH: 0x2f,
  DIGIT_ZERO: 0x30,
  COLON: 0x3a,
  EQUALS: 0x3d,
  AT: 0x40,
  OPEN_BRACKET: 0x5b,
  BACKSLASH: 0x5c,
  CLOSE_BRACKET: 0x5d,
  UNDERSCORE: 0x5f,
  OPEN_BRACE: 0x7b,
  CLOSE_BRACE: 0x7d,
  TILDE: 0x7e,
} as const;

export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** An ASCII letter, of either case. */
export function isLetter(code: number): boolean {
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

/** A space or a tab. */
export function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
