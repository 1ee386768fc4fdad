// The container deployment files: docker-compose.yml as docker-compose resolves it, the
// Dockerfile's runtime stage, and Prometheus's configuration and alert rules as promtool
// reads them. No Docker engine is needed: `docker-compose config` only reads and
// interpolates. docker-compose and promtool must be installed (scripts/setup does it with
// apt-get); without them these tests fail, they do not skip.
import { execFile } from 'node:child_process';
import {
  access,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '@logcluster/core';
import { cleanEnv, grepCounts, grepLineCount } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const PROMETHEUS_DIR = join(ROOT, 'deploy', 'prometheus');

/** What compose needs from the environment: the dashboard's user name, and where the secret files are. */
const VARS = {
  LOGCLUSTER_DASHBOARD_USER: 'ops',
};
const SECRETS = { redis_password: 'redis-test-3a9f', dashboard_password: 'dashboard-test-77c1' };

let dir: string;
let emptyEnvFile: string;
let secretsDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-deploy-'));
  emptyEnvFile = join(dir, 'empty.env');
  await writeFile(emptyEnvFile, '');
  secretsDir = join(dir, 'secrets');
  await mkdir(secretsDir);
  for (const [name, value] of Object.entries(SECRETS)) await writeFile(join(secretsDir, name), `${value}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const INSTALL_HINT: Record<string, string> = {
  'docker-compose':
    'docker-compose is not installed: run scripts/setup, or apt-get install --no-install-recommends docker-compose',
  promtool: 'promtool is not installed: run scripts/setup, or apt-get install --no-install-recommends prometheus',
};

/** Runs a command to completion. A missing command is an error (the test fails), not a skip. */
function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: options.env ?? cleanEnv(), cwd: options.cwd ?? ROOT, timeout: 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(INSTALL_HINT[command] ?? `${command} is not installed`));
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * `docker-compose config` with only the variables given: nothing from this process's
 * environment or from a .env an operator may keep next to the compose file.
 */
function composeConfig(vars: Record<string, string>): Promise<Result> {
  const env = { PATH: process.env.PATH, HOME: dir, ...vars };
  return run('docker-compose', ['--env-file', emptyEnvFile, '-f', COMPOSE_FILE, 'config'], { env });
}

// ---- a reader for the block YAML that `docker-compose config` prints ----

type Yaml = string | number | boolean | null | Yaml[] | YamlMap;
interface YamlMap {
  [key: string]: Yaml;
}

/**
 * Reads the subset of YAML that PyYAML (docker-compose 1.29) and Compose v2 print:
 * block mappings and sequences, plain and quoted scalars (folded over several lines), `{}`.
 */
function parseYaml(text: string): Yaml {
  const lines = text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => ({ indent: line.length - line.trimStart().length, text: line.trim() }));
  let i = 0;
  const isItem = (text: string) => text === '-' || text.startsWith('- ');
  const entry = (text: string) => /^([^'"\s:][^:]*):(?: (.*)|)$/.exec(text);

  const scalar = (first: string, indent: number): Yaml => {
    let text = first;
    while (i < lines.length && lines[i]!.indent > indent) text += ` ${lines[i++]!.text}`;
    if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
    if (text.startsWith('"')) return JSON.parse(text) as string;
    if (text === '{}') return {};
    if (text === '[]') return [];
    if (text === 'null' || text === '~') return null;
    if (text === 'true' || text === 'false') return text === 'true';
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    return text;
  };
  const block = (): Yaml => (isItem(lines[i]!.text) ? sequence(lines[i]!.indent) : mapping(lines[i]!.indent));
  const sequence = (indent: number): Yaml[] => {
    const items: Yaml[] = [];
    while (i < lines.length && lines[i]!.indent === indent && isItem(lines[i]!.text)) {
      const rest = lines[i]!.text.slice(1).trimStart();
      if (rest === '') {
        i++;
        items.push(block());
      } else if (entry(rest)) {
        // `- key: value`: a mapping whose entries sit two columns in.
        lines[i] = { indent: indent + 2, text: rest };
        items.push(mapping(indent + 2));
      } else {
        i++;
        items.push(scalar(rest, indent));
      }
    }
    return items;
  };
  const mapping = (indent: number): YamlMap => {
    const map: YamlMap = {};
    while (i < lines.length && lines[i]!.indent === indent && !isItem(lines[i]!.text)) {
      const match = entry(lines[i]!.text);
      if (!match) throw new Error(`unexpected YAML line: ${lines[i]!.text}`);
      i++;
      const [, key, value] = match;
      if (value !== undefined && value !== '') {
        map[key!] = scalar(value, indent);
      } else {
        const next = lines[i];
        map[key!] = next && (next.indent > indent || (next.indent === indent && isItem(next.text))) ? block() : null;
      }
    }
    return map;
  };
  const doc = block();
  if (i !== lines.length) throw new Error(`unexpected YAML line: ${lines[i]!.text}`);
  return doc;
}

function asMap(value: Yaml | undefined, what: string): YamlMap {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`);
  return value;
}

function asList(value: Yaml | undefined, what: string): Yaml[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

/** A scalar as text: `3000` and `'3000'` alike. */
function asText(value: Yaml | undefined, what: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${what}: expected a scalar, got ${JSON.stringify(value)}`);
}

/** A list of scalars as text, e.g. a command. */
function asTextList(value: Yaml | undefined, what: string): string[] {
  return asList(value, what).map((item, n) => asText(item, `${what}[${n}]`));
}

/** A service's volumes as `source:target[:ro]`, from the short form (1.29) or the long one (Compose v2). */
function mounts(service: YamlMap, what: string): string[] {
  return asList(service.volumes ?? [], `${what}.volumes`).map((volume, n) => {
    if (typeof volume === 'string') return volume.replace(/:rw$/, '');
    const long = asMap(volume, `${what}.volumes[${n}]`);
    return `${asText(long.source, 'source')}:${asText(long.target, 'target')}${long.read_only === true ? ':ro' : ''}`;
  });
}

/** `45s`, `1m30s`, `500ms` as compose writes durations, in seconds. */
function seconds(value: Yaml | undefined): number {
  const text = asText(value, 'duration');
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.map((part) => part[0]).join('') !== text) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 } as const;
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u as keyof typeof unit], 0);
}

/** The value after `flag` in a command given as a list. */
function flagValue(command: string[], flag: string): string | undefined {
  const at = command.indexOf(flag);
  return at === -1 ? undefined : command[at + 1];
}

// ---- the Dockerfile ----

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with continuation lines joined, per stage (the first stage first). */
async function dockerfileStages(): Promise<Instruction[][]> {
  const text = (await readFile(join(ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [[]];
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.trim() };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)!.push(instruction);
  }
  return stages.filter((stage) => stage.some((instruction) => instruction.keyword === 'FROM'));
}

describe('docker-compose.yml', () => {
  const withSecrets = (vars: Record<string, string>) => ({ ...vars, LOGCLUSTER_SECRETS_DIR: secretsDir });

  it('docker-compose config accepts it: 3+ workers, Redis as BullMQ needs it, secrets from files, a healthcheck on every service that stays up, the non-root image', async () => {
    const result = await composeConfig(withSecrets(VARS));
    expect(result.code, result.stderr).toBe(0);
    const config = asMap(parseYaml(result.stdout), 'config');
    const services = asMap(config.services, 'services');
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['redis', 'worker', 'dashboard', 'prometheus', 'cli']),
    );
    const service = (name: string) => asMap(services[name], name);
    const secretsOf = (name: string) =>
      asList(service(name).secrets, `${name}.secrets`).map((secret) =>
        typeof secret === 'string' ? secret : asText(asMap(secret, 'secret').source, 'source'),
      );

    // Secrets are files, from the directory given (./secrets by default).
    const secrets = asMap(config.secrets, 'secrets');
    for (const name of Object.keys(SECRETS)) {
      expect(asText(asMap(secrets[name], name).file, `${name}.file`)).toBe(join(secretsDir, name));
    }
    // No password in any service's command or environment: only the files' paths.
    const text = result.stdout;
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);

    const redis = service('redis');
    const redisCommand = asTextList(redis.command, 'redis.command');
    expect(flagValue(redisCommand, '--appendonly')).toBe('yes');
    expect(flagValue(redisCommand, '--maxmemory-policy')).toBe('noeviction');
    expect(flagValue(redisCommand, '--dir')).toBe('/var/lib/redis');
    expect(redisCommand).not.toContain('--requirepass');
    expect(asTextList(redis.entrypoint, 'redis.entrypoint')).toEqual([
      '/usr/bin/tini',
      '--',
      '/bin/sh',
      '/etc/logcluster-redis/entrypoint.sh',
    ]);
    expect(asMap(redis.environment, 'redis.environment').REDIS_PASSWORD_FILE).toBe('/run/secrets/redis_password');
    expect(secretsOf('redis')).toEqual(['redis_password']);
    expect(mounts(redis, 'redis')).toContain(`${join(ROOT, 'deploy', 'redis')}:/etc/logcluster-redis:ro`);
    expect(mounts(redis, 'redis').some((volume) => /^(\w+_)?redis-data:\/var\/lib\/redis$/.test(volume))).toBe(true);
    expect(redis.user).toBe('redis');
    expect(redis.read_only).toBe(true);

    const redisEnv = { REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD_FILE: '/run/secrets/redis_password' };
    const worker = service('worker');
    expect(Number(asMap(worker.deploy, 'worker.deploy').replicas)).toBeGreaterThanOrEqual(3);
    const workerCommand = asTextList(worker.command, 'worker.command');
    expect(workerCommand[0]).toBe('worker');
    expect(flagValue(workerCommand, '--shared-root')).toBe('/data');
    expect(flagValue(workerCommand, '--metrics-port')).toBe('9464');
    expect(flagValue(workerCommand, '--metrics-host')).toBe('0.0.0.0');
    expect(asMap(worker.environment, 'worker.environment')).toEqual(redisEnv);
    expect(secretsOf('worker')).toEqual(['redis_password']);
    expect(mounts(worker, 'worker')).toContain(`${join(ROOT, 'data')}:/data:ro`);
    // Longer than --shutdown-grace (30 s), so that chunks in progress finish before a kill.
    expect(seconds(worker.stop_grace_period)).toBeGreaterThan(30);
    expect(asMap(asMap(worker.depends_on, 'worker.depends_on').redis, 'worker.depends_on.redis').condition).toBe(
      'service_healthy',
    );
    expect(worker.ports).toBeUndefined();

    const dashboard = service('dashboard');
    expect(asTextList(dashboard.command, 'dashboard.command')).toEqual([
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '3000',
    ]);
    expect(asMap(dashboard.environment, 'dashboard.environment')).toEqual({
      ...redisEnv,
      LOGCLUSTER_DASHBOARD_USER: VARS.LOGCLUSTER_DASHBOARD_USER,
      LOGCLUSTER_DASHBOARD_PASSWORD_FILE: '/run/secrets/dashboard_password',
    });
    expect(secretsOf('dashboard').sort()).toEqual(['dashboard_password', 'redis_password']);

    const cli = service('cli');
    expect(asList(cli.profiles, 'cli.profiles')).toContain('cli');
    expect(asMap(cli.environment, 'cli.environment')).toEqual(redisEnv);
    expect(mounts(cli, 'cli')).toContain(`${join(ROOT, 'data')}:/data:ro`);

    const prometheus = service('prometheus');
    expect(mounts(prometheus, 'prometheus')).toContain(`${PROMETHEUS_DIR}:/etc/prometheus:ro`);
    expect(asMap(prometheus.environment, 'prometheus.environment')).toEqual({
      LOGCLUSTER_DASHBOARD_USER: VARS.LOGCLUSTER_DASHBOARD_USER,
      LOGCLUSTER_DASHBOARD_PASSWORD_FILE: '/run/secrets/dashboard_password',
    });
    expect(secretsOf('prometheus')).toEqual(['dashboard_password']);
    expect(prometheus.image).toBe('prom/prometheus:v2.53.0');

    // Everything but the one-shot cli stays up: each says whether it is healthy.
    for (const [name, value] of Object.entries(services)) {
      if (name === 'cli') continue;
      const healthcheck = asMap(asMap(value, name).healthcheck, `${name}.healthcheck`);
      expect(healthcheck.disable, name).not.toBe(true);
      expect(asList(healthcheck.test, `${name}.healthcheck.test`).length, name).toBeGreaterThan(1);
    }
    expect(JSON.stringify(worker.healthcheck)).toContain('http://127.0.0.1:9464/healthz');
    expect(JSON.stringify(dashboard.healthcheck)).toContain('http://127.0.0.1:3000/healthz');
    expect(JSON.stringify(dashboard.healthcheck)).toContain('LOGCLUSTER_DASHBOARD_PASSWORD_FILE');
    expect(JSON.stringify(redis.healthcheck)).toContain('REDISCLI_AUTH=');
    expect(JSON.stringify(redis.healthcheck)).toContain('/run/secrets/redis_password');

    // The logcluster services run this repository's image; all but Redis as the image's
    // own (non-root) user.
    for (const name of ['redis', 'worker', 'dashboard', 'cli']) {
      const build = asMap(service(name).build, `${name}.build`);
      expect(build.context, name).toBe(ROOT.replace(/\/$/, ''));
      expect(build.dockerfile ?? 'Dockerfile', name).toBe('Dockerfile');
      expect(service(name).image, name).toBe('logcluster:latest');
      if (name !== 'redis') expect(service(name).user, name).toBeUndefined();
    }
  });

  it('takes the images, the data directory and the published ports from the environment', async () => {
    const result = await composeConfig(
      withSecrets({
        ...VARS,
        LOGCLUSTER_IMAGE: 'logcluster:ci',
        PROMETHEUS_IMAGE: 'logcluster-base/prometheus:bookworm',
        NODE_IMAGE: 'logcluster-base/node:20-bookworm',
        LOGCLUSTER_DATA: '/srv/logs',
        LOGCLUSTER_DASHBOARD_PORT: '13000',
        PROMETHEUS_PORT: '19090',
      }),
    );
    expect(result.code, result.stderr).toBe(0);
    const services = asMap(asMap(parseYaml(result.stdout), 'config').services, 'services');
    const service = (name: string) => asMap(services[name], name);
    expect(service('worker').image).toBe('logcluster:ci');
    expect(asMap(asMap(service('worker').build, 'build').args, 'args').NODE_IMAGE).toBe(
      'logcluster-base/node:20-bookworm',
    );
    expect(service('prometheus').image).toBe('logcluster-base/prometheus:bookworm');
    expect(mounts(service('worker'), 'worker')).toContain('/srv/logs:/data:ro');
    expect(result.stdout).toMatch(/published: 13000\s+target: 3000/);
    expect(result.stdout).toContain('- 127.0.0.1:19090:9090/tcp');
  });

  it('refuses to resolve without LOGCLUSTER_DASHBOARD_USER, naming it', async () => {
    const result = await composeConfig(withSecrets({}));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('LOGCLUSTER_DASHBOARD_USER');
  });
});

describe('deploy/redis/entrypoint.sh', () => {
  const ENTRYPOINT = join(ROOT, 'deploy', 'redis', 'entrypoint.sh');

  /** The entrypoint with `echo` in place of redis-server: prints the arguments it would start it with. */
  async function entrypoint(passwordFile: string | undefined, render: string): Promise<Result> {
    await mkdir(render, { recursive: true });
    return run('sh', [ENTRYPOINT, '--appendonly', 'yes'], {
      env: {
        PATH: process.env.PATH,
        RENDER_DIR: render,
        REDIS_SERVER_BIN: 'echo',
        ...(passwordFile !== undefined ? { REDIS_PASSWORD_FILE: passwordFile } : {}),
      },
    });
  }

  it('puts the password of the file into a configuration only its user reads, and no password on the command line', async () => {
    const render = join(dir, 'redis-render');
    const result = await entrypoint(join(secretsDir, 'redis_password'), render);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`${join(render, 'redis.conf')} --appendonly yes`);
    expect(await readFile(join(render, 'redis.conf'), 'utf8')).toBe(`requirepass ${SECRETS.redis_password}\n`);
    expect((await stat(join(render, 'redis.conf'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a missing or unreadable file, an empty password, and one that is not URL-safe', async () => {
    const render = join(dir, 'redis-refused');
    expect((await entrypoint(undefined, render)).stderr).toMatch(/REDIS_PASSWORD_FILE is not set/);
    expect((await entrypoint(join(dir, 'nowhere'), render)).stderr).toMatch(/cannot read REDIS_PASSWORD_FILE/);
    for (const [name, value, message] of [
      ['empty', '\n', /is empty/],
      ['spaced', 'two words\n', /may hold only letters, digits and \. _ ~ -/],
      ['quoted', 'a"b\n', /may hold only/],
    ] as const) {
      const file = join(dir, `password-${name}`);
      await writeFile(file, value);
      const result = await entrypoint(file, render);
      expect(result.code, name).toBe(1);
      expect(result.stderr, name).toMatch(message);
    }
  });
});

describe('Dockerfile', () => {
  it('builds in one stage and runs in another: node 20 slim, tini as init, a non-root user, production mode', async () => {
    const stages = await dockerfileStages();
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const text = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    for (const stage of stages) expect(stage[0]!.args).toMatch(/^(\$\{NODE_IMAGE\}|node:20-bookworm-slim)\s/);

    const build = stages[0]!.map((instruction) => `${instruction.keyword} ${instruction.args}`).join('\n');
    expect(build).toMatch(/RUN npm ci\b/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/TURBO_TELEMETRY_DISABLED=1/);
    expect(build).toMatch(/npm prune --omit=dev|npm ci --omit=dev/);

    const runtime = stages.at(-1)!;
    const last = (keyword: string) => runtime.filter((instruction) => instruction.keyword === keyword).at(-1)?.args;
    const user = last('USER');
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(user).toBe('10001:10001');
    expect(JSON.parse(last('ENTRYPOINT')!)).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      '/app/apps/coordinator/bin/logcluster.js',
    ]);
    expect(JSON.parse(last('CMD')!)).toEqual(['--help']);
    expect(
      runtime.some((instruction) => instruction.keyword === 'ENV' && /\bNODE_ENV=production\b/.test(instruction.args)),
    ).toBe(true);
    expect(
      runtime.some(
        (instruction) => instruction.keyword === 'RUN' && /apt-get install .*\btini\b/.test(instruction.args),
      ),
    ).toBe(true);
    // redis-server, for analyze's private Redis (`docker run … logcluster analyze /data/app.log`).
    expect(
      runtime.some(
        (instruction) => instruction.keyword === 'RUN' && /apt-get install .*\bredis-server\b/.test(instruction.args),
      ),
    ).toBe(true);
  });

  it('the build context leaves out what is installed and built here, and secrets', async () => {
    const ignored = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((line) => line.trim());
    for (const pattern of [
      '**/node_modules',
      '**/dist',
      '**/.turbo',
      '**/*.tsbuildinfo',
      '.git',
      'bench-results',
      'test-artifacts',
      '.env',
      'data',
      'secrets',
    ]) {
      expect(ignored, pattern).toContain(pattern);
    }
  });

  it('every path the runtime stage copies exists after a build, and that layout alone runs `logcluster analyze`', async () => {
    const stages = await dockerfileStages();
    const copies = stages
      .at(-1)!
      .filter((instruction) => instruction.keyword === 'COPY')
      .map((instruction) => {
        const match = /^--from=build\s+\/src\/(\S+)\s+\.\/(\S+)$/.exec(instruction.args);
        if (!match) throw new Error(`COPY in the runtime stage not from the build stage's /src: ${instruction.args}`);
        return { from: match[1]!, to: match[2]! };
      });
    for (const { from, to } of copies) {
      expect(to).toBe(from);
      await expect(access(join(ROOT, from)), from).resolves.toBeUndefined();
    }
    const copied = copies.map(({ from }) => from);
    expect(copied).toEqual(
      expect.arrayContaining([
        'node_modules',
        'apps/coordinator/bin',
        'apps/coordinator/dist',
        'apps/worker/dist',
        'packages/core/dist',
      ]),
    );
    for (const file of [
      'apps/coordinator/dist/logcluster.cjs',
      'apps/coordinator/dist/logcluster.cjs.codecache',
      'apps/worker/dist/count-task.bundle.cjs',
      'packages/core/dist/wasm/kernel.wasm',
    ]) {
      expect(
        copied.some((path) => file.startsWith(`${path}/`)),
        file,
      ).toBe(true);
    }

    // The image's /app: what the runtime stage copies, with node_modules as the build
    // stage leaves it: the workspace links to the packages copied, every other entry
    // (production and, here, development dependencies) as it is in this checkout.
    const app = join(dir, 'app');
    for (const path of copied.filter((path) => path !== 'node_modules')) {
      await mkdir(dirname(join(app, path)), { recursive: true });
      await cp(join(ROOT, path), join(app, path), { recursive: true });
    }
    await mkdir(join(app, 'node_modules', '@logcluster'), { recursive: true });
    for (const entry of await readdir(join(ROOT, 'node_modules'))) {
      if (entry === '@logcluster' || entry === '.bin' || entry.startsWith('.')) continue;
      await symlink(join(ROOT, 'node_modules', entry), join(app, 'node_modules', entry));
    }
    for (const name of await readdir(join(ROOT, 'node_modules', '@logcluster'))) {
      const target = await readlink(join(ROOT, 'node_modules', '@logcluster', name));
      const workspace = join('node_modules', '@logcluster', target).replace(/^(\.\.\/)+/, '');
      if (copied.some((path) => path.startsWith(`${workspace}/`)))
        await symlink(target, join(app, 'node_modules', '@logcluster', name));
    }

    const sample = join(ROOT, 'samples', 'app.log');
    const result = await run(
      process.execPath,
      [join(app, 'apps/coordinator/bin/logcluster.js'), 'analyze', '--json', '--threads', '2', sample],
      {
        cwd: app,
        env: { ...cleanEnv(), NODE_ENV: 'production' },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.totals.lines).toBe(grepLineCount(sample));
    expect(report.totals.matches.ERROR).toEqual(grepCounts(sample, { pattern: 'ERROR' }));
  });
});

describe('Prometheus', () => {
  it('promtool accepts the alert rules, and their unit tests pass', async () => {
    const check = await run('promtool', ['check', 'rules', join(PROMETHEUS_DIR, 'alerts.yml')]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const tests = await run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: PROMETHEUS_DIR });
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
  });

  it('promtool accepts prometheus.yml, as committed (with a password file beside it) and as the entrypoint renders it', async () => {
    const copy = join(dir, 'prometheus');
    await mkdir(copy);
    await cp(join(PROMETHEUS_DIR, 'prometheus.yml'), join(copy, 'prometheus.yml'));
    await cp(join(PROMETHEUS_DIR, 'alerts.yml'), join(copy, 'alerts.yml'));
    await writeFile(join(copy, 'dashboard-password'), 'test-only', { mode: 0o600 });
    const committed = await run('promtool', ['check', 'config', join(copy, 'prometheus.yml')]);
    expect(committed.code, committed.stdout + committed.stderr).toBe(0);
    expect(committed.stdout).toMatch(/SUCCESS: 1 rule files found/);

    // entrypoint.sh as compose runs it, with promtool in place of Prometheus.
    const rendered = join(dir, 'rendered');
    const env = {
      PATH: process.env.PATH,
      SOURCE_DIR: PROMETHEUS_DIR,
      RENDER_DIR: rendered,
      PROMETHEUS_BIN: 'promtool',
      LOGCLUSTER_DASHBOARD_USER: VARS.LOGCLUSTER_DASHBOARD_USER,
      LOGCLUSTER_DASHBOARD_PASSWORD_FILE: join(secretsDir, 'dashboard_password'),
    };
    const result = await run(
      'sh',
      [join(PROMETHEUS_DIR, 'entrypoint.sh'), 'check', 'config', join(rendered, 'prometheus.yml')],
      { env },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: 1 rule files found/);
    expect(await readFile(join(rendered, 'prometheus.yml'), 'utf8')).toContain(
      `username: "${VARS.LOGCLUSTER_DASHBOARD_USER}"`,
    );
    // The password file Prometheus reads is the secret itself (a link on the tmpfs): no copy.
    expect(await readlink(join(rendered, 'dashboard-password'))).toBe(join(secretsDir, 'dashboard_password'));
    expect(await readFile(join(rendered, 'dashboard-password'), 'utf8')).toBe(`${SECRETS.dashboard_password}\n`);

    const refused = await run('sh', [join(PROMETHEUS_DIR, 'entrypoint.sh'), '--version'], {
      env: { ...env, LOGCLUSTER_DASHBOARD_USER: 'a"b' },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/LOGCLUSTER_DASHBOARD_USER may hold only/);
    const unreadable = await run('sh', [join(PROMETHEUS_DIR, 'entrypoint.sh'), '--version'], {
      env: { ...env, LOGCLUSTER_DASHBOARD_PASSWORD_FILE: join(dir, 'nowhere') },
    });
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/cannot read LOGCLUSTER_DASHBOARD_PASSWORD_FILE/);
  });

  it('the Grafana dashboard is valid JSON and every panel query is valid PromQL', async () => {
    const dashboard = JSON.parse(await readFile(join(ROOT, 'deploy/grafana/dashboards/logcluster.json'), 'utf8')) as {
      uid: string;
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    expect(dashboard.uid).toBe('logcluster');
    const queries = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => target.expr.replaceAll('$__rate_interval', '5m')),
    );
    expect(queries.length).toBeGreaterThan(5);
    const rules = {
      groups: [{ name: 'grafana-panels', rules: queries.map((expr, n) => ({ record: `grafana_panel_${n}`, expr })) }],
    };
    // JSON is YAML: promtool parses every query as it would a recording rule's.
    const file = join(dir, 'grafana-queries.yml');
    await writeFile(file, JSON.stringify(rules));
    const check = await run('promtool', ['check', 'rules', file]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
