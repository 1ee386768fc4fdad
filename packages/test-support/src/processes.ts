import { readFile, readdir } from 'node:fs/promises';

/**
 * What `logcluster analyze` run with `TMPDIR=root` left behind: its temp dirs
 * (`logcluster-XXXXXX`) and the redis-servers listening on a socket in one of them.
 * Read from /proc, so tests need no procps; scoped to `root`, so tests running in
 * parallel do not see each other's.
 */
export async function embeddedLeftovers(root: string): Promise<{ dirs: string[]; servers: string[] }> {
  const dirs = (await readdir(root)).filter((name) => /^logcluster-[A-Za-z0-9]{6}$/.test(name));
  const servers: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (cmdline.startsWith('redis-server') && cmdline.includes(`${root}/logcluster-`)) servers.push(entry);
  }
  return { dirs, servers };
}
