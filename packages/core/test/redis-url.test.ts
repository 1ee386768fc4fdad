import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  UsageError,
  redactRedisUrl,
  redisOptionsFromUrl,
  redisTargetFromUrl,
  withRedisPassword,
} from '../src/index.js';

describe('--redis URL forms', () => {
  it('keeps the single-server forms', () => {
    expect(redisTargetFromUrl('redis://u:p%40ss@10.0.0.1:6380/2')).toEqual({
      kind: 'single',
      options: { host: '10.0.0.1', port: 6380, db: 2, username: 'u', password: 'p@ss' },
    });
    expect(redisOptionsFromUrl('unix:///tmp/r.sock?password=x')).toEqual({ path: '/tmp/r.sock', password: 'x' });
    expect(redisOptionsFromUrl('rediss://h')).toMatchObject({ host: 'h', port: 6379, tls: { servername: 'h' } });
  });

  it('reads a cluster URL: seed nodes and credentials for every node', () => {
    expect(redisTargetFromUrl('redis+cluster://:s%3Acret@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002,h4')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
        { host: 'h4', port: 6379 },
      ],
      redisOptions: { password: 's:cret' },
    });
    // Empty items between commas are skipped.
    expect(redisTargetFromUrl('redis+cluster://a:1,,')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'a', port: 1 }],
      redisOptions: {},
    });
    expect(redisTargetFromUrl('rediss+cluster://a:1')).toMatchObject({
      kind: 'cluster',
      redisOptions: { tls: { servername: 'a' } },
    });
  });

  it('reads a sentinel URL: sentinels, master name, db and sentinel credentials', () => {
    expect(redisTargetFromUrl('redis+sentinel://app:pw@s1:26379,s2/mymaster?sentinelPassword=sp&db=3')).toEqual({
      kind: 'sentinel',
      options: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
        name: 'mymaster',
        db: 3,
        username: 'app',
        password: 'pw',
        sentinelPassword: 'sp',
      },
    });
  });

  it.each([
    ['redis+sentinel://s1:26379', /needs the master name/],
    ['redis+sentinel://s1:26379/', /needs the master name/],
    ['redis+sentinel:///mymaster', /at least one host:port/],
    ['redis+cluster://', /at least one host:port/],
    ['redis+cluster://a:99999', /no valid port/],
    ['redis+cluster://a:1/2', /takes no path/],
    ['redis+cluster://a:x', /not a host\[:port\]/],
    ['redis+sentinel://s1/m?db=-1', /not a database number/],
    ['mongodb://x', /unsupported scheme/],
  ])('refuses %s', (url, message) => {
    expect(() => redisTargetFromUrl(url)).toThrow(UsageError);
    expect(() => redisTargetFromUrl(url)).toThrow(message);
  });

  it('redacts passwords in every form, including multi-host ones', () => {
    expect(redactRedisUrl('redis://:secret@h:6379')).toBe('redis://:***@h:6379');
    expect(redactRedisUrl('redis+cluster://u:secret@a:1,b:2')).toBe('redis+cluster://u:***@a:1,b:2');
    expect(redactRedisUrl('redis+sentinel://:pw@a:1,b:2/m?sentinelPassword=sp&db=1')).toBe(
      'redis+sentinel://:***@a:1,b:2/m?sentinelPassword=***&db=1',
    );
    expect(redactRedisUrl('unix:///tmp/r.sock?password=x')).toBe('unix:///tmp/r.sock?password=***');
    expect(redactRedisUrl('redis+cluster://a:1,b:2')).toBe('redis+cluster://a:1,b:2');
  });
});

describe('--redis as a JSON configuration file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logcluster-redis-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('reads Sentinels with their own credentials, the master name, db and TLS', () => {
    const path = file('sentinel.json', {
      sentinels: ['10.0.0.1:26380', { host: '10.0.0.2', port: 26379 }, 's3'],
      name: 'mymaster',
      password: 'data-pw',
      sentinelPassword: 'sentinel-pw',
      db: 2,
    });
    expect(redisTargetFromUrl(path)).toEqual({
      kind: 'sentinel',
      options: {
        sentinels: [
          { host: '10.0.0.1', port: 26380 },
          { host: '10.0.0.2', port: 26379 },
          { host: 's3', port: 26379 },
        ],
        name: 'mymaster',
        db: 2,
        password: 'data-pw',
        sentinelPassword: 'sentinel-pw',
      },
    });
    expect(redisTargetFromUrl(`file://${path}`)).toEqual(redisTargetFromUrl(path));
    expect(redisTargetFromUrl(file('tls.json', { sentinels: ['s1'], name: 'm', tls: true }))).toMatchObject({
      options: { tls: { servername: 's1' }, enableTLSForSentinelMode: true },
    });
  });

  it('reads cluster seed nodes, and a plain URL', () => {
    expect(redisTargetFromUrl(file('cluster.json', { cluster: ['a:7000', 'b:7001'], password: 'pw' }))).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      redisOptions: { password: 'pw' },
    });
    expect(redisTargetFromUrl(file('url.json', { url: 'redis://:pw@h:6380/1' }))).toEqual(
      redisTargetFromUrl('redis://:pw@h:6380/1'),
    );
  });

  it('names what is wrong: no such file, not JSON, a misspelt or missing key, a bad host', () => {
    expect(() => redisTargetFromUrl('127.0.0.1:6379')).toThrow(
      /--redis "127\.0\.0\.1:6379": not a URL .* nor a readable JSON configuration file: no such file/,
    );
    expect(() => redisTargetFromUrl(file('broken.json', '{"sentinels": ['))).toThrow(UsageError);
    expect(() => redisTargetFromUrl(file('typo.json', { sentinels: ['s1'], name: 'm', sentinelPasword: 'x' }))).toThrow(
      /unknown key "sentinelPasword"/,
    );
    expect(() => redisTargetFromUrl(file('noname.json', { sentinels: ['s1'] }))).toThrow(
      /"name" \(the master name the Sentinels know\) is missing/,
    );
    expect(() => redisTargetFromUrl(file('badhost.json', { cluster: [{ host: 'a', port: 70000 }] }))).toThrow(
      /not \{"host": "…", "port": 1-65535\}/,
    );
    expect(() => redisTargetFromUrl(file('empty.json', {}))).toThrow(
      /must hold "url", "sentinels" \(with "name"\) or "cluster"/,
    );
    expect(() => redisTargetFromUrl(file('loop.json', { url: `file://${join(dir, 'loop.json')}` }))).toThrow(
      /"url" must be a redis:\/\//,
    );
  });
});

describe('a Redis password given apart from the URL (REDIS_PASSWORD_FILE)', () => {
  const SECRET = 'p@ss:w/rd?# %é';
  const put = (url: string) => withRedisPassword(url, SECRET, 'REDIS_PASSWORD_FILE');

  it('goes where each URL form keeps its password, and reads back exactly', () => {
    expect(redisOptionsFromUrl(put('redis://10.0.0.1:6380/2'))).toEqual({
      host: '10.0.0.1',
      port: 6380,
      db: 2,
      password: SECRET,
    });
    expect(redisOptionsFromUrl(put('redis://alice@h'))).toMatchObject({
      host: 'h',
      username: 'alice',
      password: SECRET,
    });
    expect(redisOptionsFromUrl(put('redis://alice:@h'))).toMatchObject({ username: 'alice', password: SECRET });
    expect(redisOptionsFromUrl(put('rediss://h:6390'))).toMatchObject({ host: 'h', port: 6390, password: SECRET });
    expect(redisOptionsFromUrl(put('unix:///tmp/r.sock'))).toEqual({ path: '/tmp/r.sock', password: SECRET });
    expect(redisTargetFromUrl(put('redis+cluster://10.0.0.1:7000,10.0.0.2:7001'))).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      redisOptions: { password: SECRET },
    });
    expect(redisTargetFromUrl(put('redis+sentinel://s1:26379,s2/mymaster?sentinelPassword=x'))).toMatchObject({
      kind: 'sentinel',
      options: { name: 'mymaster', password: SECRET, sentinelPassword: 'x' },
    });
    // Redacted in messages like any other password.
    expect(redactRedisUrl(put('redis://h:6379'))).not.toContain(encodeURIComponent(SECRET));
  });

  it('is refused beside a password in the URL, or with a configuration file', () => {
    for (const url of ['redis://:x@h', 'redis://u:x@h', 'unix:///tmp/r.sock?password=x', 'redis+cluster://:x@a:1'])
      expect(() => put(url), url).toThrow(/REDIS_PASSWORD_FILE and a password in --redis \(or REDIS_URL\) both give/);
    expect(() => put('/etc/logcluster/redis.json')).toThrow(
      /REDIS_PASSWORD_FILE: --redis names a configuration file, which gives its own "password"/,
    );
  });
});
