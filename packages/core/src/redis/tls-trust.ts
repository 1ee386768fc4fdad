import { readFileSync } from 'node:fs';
import { type ConnectionOptions, rootCertificates } from 'node:tls';

/**
 * The environment variable where the `logcluster` launcher (apps/coordinator/bin/logcluster)
 * puts the file `NODE_EXTRA_CA_CERTS` named. Node 20 reads and parses that file as every
 * process starts, which costs 15–50 ms (a system bundle: 50 ms on this project's machine,
 * a fifth of a small analysis), while logcluster needs certificates only for a TLS
 * connection to Redis: the launcher takes the variable out of Node's environment, and
 * this module adds the file's certificates when such a connection is made.
 */
export const EXTRA_CA_CERTS_VARIABLE = 'LOGCLUSTER_EXTRA_CA_CERTS';

let extra: { file: string; certificates: string[] } | undefined;

/**
 * TLS options for a connection to Redis at `servername`: Node's own trust, and, when the
 * launcher took over `NODE_EXTRA_CA_CERTS`, its certificates as well, as Node itself would
 * have trusted them (Node's bundled authorities and the file's: the launcher leaves the
 * variable to Node under `--use-openssl-ca`, where Node trusts the system's store instead).
 * A file that cannot be read is left out with a warning, as Node does.
 */
export function tlsOptionsFor(servername: string): ConnectionOptions {
  const certificates = extraCertificates();
  return { servername, ...(certificates.length > 0 ? { ca: [...rootCertificates, ...certificates] } : {}) };
}

function extraCertificates(): string[] {
  const file = process.env[EXTRA_CA_CERTS_VARIABLE];
  if (!file) return [];
  if (extra?.file !== file) {
    let certificates: string[] = [];
    try {
      certificates = [readFileSync(file, 'utf8')];
    } catch (err) {
      process.emitWarning(
        `Ignoring extra certs from \`${file}\` (NODE_EXTRA_CA_CERTS), load failed: ${(err as Error).message}`,
      );
    }
    extra = { file, certificates };
  }
  return extra.certificates;
}
