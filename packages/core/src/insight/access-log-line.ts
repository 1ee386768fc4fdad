/**
 * The request and status of an access log line in the Common or Combined Log Format, as
 * Apache and nginx write it: `10.0.0.1 - alice [05/Mar/2024:14:02:11 +0000] "GET
 * /orders/42 HTTP/1.1" 200 512 "-" "curl/8.5.0"` (a virtual host may come first, and
 * anything may follow the status). A request that is no method and target (`"-"`, the
 * bytes of a TLS handshake) makes no access line.
 */

/** Method, target and status, captured; the address, identity, user and time before them are skipped. */
const ACCESS_LINE = /^(?:\S+ ){3,4}\[[^\]]{1,64}\] "([A-Z]{3,16}) (\S+)(?: HTTP\/\d(?:\.\d)?)?" (\d{3})(?: |$)/;

export interface AccessRequest {
  method: string;
  /** As the line writes it (`/search?q=shoes`). */
  target: string;
  status: string;
}

/** The request and status of `text` if it is an access log line; else undefined. `text` is trimmed. */
export function readAccessLine(text: string): AccessRequest | undefined {
  // Most lines have no `] "`: the regex is asked only about those that do.
  if (!text.includes('] "')) return undefined;
  const match = ACCESS_LINE.exec(text);
  if (match === null) return undefined;
  return { method: match[1]!, target: match[2]!, status: match[3]! };
}
