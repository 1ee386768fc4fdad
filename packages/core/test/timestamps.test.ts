import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { createTimestampParser, formatWindowSize } from '../src/insight/timestamps.js';
import { parseDuration as parseOption } from '../src/units.js';

const parseDuration = (text: string) => parseOption(text, '--window');

/** Expectations are written with Date.UTC (months from 0), never with the code under test. */
const utc = Date.UTC;
const NOW = utc(2024, 11, 1); // 2024-12-01: the year of syslog lines, unless a test says otherwise
const auto = createTimestampParser({ now: NOW });

describe('formatWindowSize', () => {
  it('uses the largest unit that divides exactly', () => {
    expect(formatWindowSize(60_000)).toBe('1m');
    expect(formatWindowSize(90_000)).toBe('90s');
    expect(formatWindowSize(3_600_000)).toBe('1h');
    expect(formatWindowSize(5_400_000)).toBe('90m');
    expect(formatWindowSize(86_400_000)).toBe('1d');
    expect(formatWindowSize(1500)).toBe('1500ms');
    expect(formatWindowSize(1000)).toBe('1s');
  });

  it('round-trips with parseDuration', () => {
    for (const text of ['500ms', '1500ms', '1s', '30s', '90s', '1m', '5m', '90m', '1h', '36h', '1d', '7d']) {
      expect(formatWindowSize(parseDuration(text))).toBe(text);
    }
    for (const ms of [1, 999, 1000, 61_000, 60_000, 3_600_000, 86_400_000, 90_061_001]) {
      expect(parseDuration(formatWindowSize(ms))).toBe(ms);
    }
  });
});

describe('built-in timestamp formats', () => {
  it('reads ISO 8601 / RFC 3339 with zones and fractions of any length', () => {
    expect(auto('2015-10-18T18:06:12Z GET /health 200')).toBe(utc(2015, 9, 18, 18, 6, 12));
    expect(auto('2015-10-18T18:06:12.123+02:00 level=info msg="started"')).toBe(utc(2015, 9, 18, 16, 6, 12, 123));
    expect(auto('2015-10-18 18:06:12.123456Z worker-3 done')).toBe(utc(2015, 9, 18, 18, 6, 12, 123));
    expect(auto('2015-10-18T18:06:12 no zone is UTC')).toBe(utc(2015, 9, 18, 18, 6, 12));
    expect(auto('2015-10-18T18:06:12.5-0530 offset without colon')).toBe(utc(2015, 9, 18, 23, 36, 12, 500));
    expect(auto('2015-10-18T18:06:12.987654321+05:45 nine digits')).toBe(utc(2015, 9, 18, 12, 21, 12, 987));
    expect(auto('2015-10-18T18:06:12.12Z two digits')).toBe(utc(2015, 9, 18, 18, 6, 12, 120));
    expect(auto('2015-10-18t18:06:12z lower case')).toBe(utc(2015, 9, 18, 18, 6, 12));
    expect(auto('2015-10-18T18:06:12Z')).toBe(utc(2015, 9, 18, 18, 6, 12));
  });

  it('agrees with Date.UTC on any valid ISO date and time (years 1600 to 2400, any zone)', () => {
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(
        fc.date({ min: new Date(Date.UTC(1600, 0, 1)), max: new Date(Date.UTC(2400, 11, 31, 23, 59, 59, 999)), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.stringMatching(/^\d{1,9}$/),
        (instant, offsetMinutes, fraction) => {
          // The wall clock of `instant` in a zone `offsetMinutes` ahead of UTC.
          const wall = new Date(instant.getTime() + offsetMinutes * 60_000);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const zone = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
          const text = `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}.${fraction}${zone}`;
          const whole = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds());
          expect(auto(`INFO ${text} msg`)).toBe(whole - offsetMinutes * 60_000 + Number(fraction.padEnd(3, '0').slice(0, 3)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('finds a timestamp after other fields', () => {
    expect(auto('INFO  2015-10-18T18:06:12.001Z [http] GET /')).toBe(utc(2015, 9, 18, 18, 6, 12, 1));
    expect(auto('[2015-10-18 18:06:12,250] WARN  pool exhausted')).toBe(utc(2015, 9, 18, 18, 6, 12, 250));
    expect(auto('{"level":"error","time":"2015-10-18T18:06:12.5Z","msg":"boom"}')).toBe(utc(2015, 9, 18, 18, 6, 12, 500));
  });

  it('reads log4j timestamps (comma or dot before the millis)', () => {
    expect(auto('2024-03-05 14:02:11,381 ERROR [main] c.e.Foo - timeout after 30s')).toBe(utc(2024, 2, 5, 14, 2, 11, 381));
    expect(auto('2024-03-05 14:02:11.381 ERROR [main] c.e.Foo - timeout after 30s')).toBe(utc(2024, 2, 5, 14, 2, 11, 381));
  });

  it('reads common and combined access logs', () => {
    const line = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/4.08"';
    expect(auto(line)).toBe(utc(2000, 9, 10, 20, 55, 36));
    expect(auto('10.1.2.3 - - [01/Jan/2024:00:10:00 +0530] "GET / HTTP/1.1" 304 0')).toBe(utc(2023, 11, 31, 18, 40, 0));
    expect(auto('10.1.2.3 - - [29/Feb/2024:23:59:59 +0000] "POST /login HTTP/1.1" 401 12')).toBe(utc(2024, 1, 29, 23, 59, 59));
  });

  it('reads syslog timestamps, without a year, in the year of now', () => {
    expect(auto('Oct 11 22:14:15 host sshd[4721]: Failed password for root from 10.0.0.7 port 22')).toBe(utc(2024, 9, 11, 22, 14, 15));
    expect(auto('Oct  1 22:14:15 host CRON[99]: (root) CMD (run-parts /etc/cron.hourly)')).toBe(utc(2024, 9, 1, 22, 14, 15));
    expect(auto('<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8')).toBe(utc(2024, 9, 11, 22, 14, 15));
  });

  it('applies the syslog year rule around New Year', () => {
    const newYear = createTimestampParser({ now: utc(2025, 0, 1, 0, 30) });
    expect(newYear('Dec 31 23:59:58 host app: last line of the year')).toBe(utc(2024, 11, 31, 23, 59, 58));
    expect(newYear('Jan  1 00:10:00 host app: happy new year')).toBe(utc(2025, 0, 1, 0, 10));
    // Up to one day ahead of now is still this year (clocks and zones differ); beyond, last year.
    expect(newYear('Jan  2 00:20:00 host app: a little ahead')).toBe(utc(2025, 0, 2, 0, 20));
    expect(newYear('Jan  2 00:40:00 host app: too far ahead')).toBe(utc(2024, 0, 2, 0, 40));
    // Feb 29 read in January 2025 is from 2024, a leap year; read in June 2025, it is no date.
    expect(newYear('Feb 29 12:00:00 host app: leap day')).toBe(utc(2024, 1, 29, 12));
    expect(createTimestampParser({ now: utc(2025, 5, 1) })('Feb 29 12:00:00 host app: leap day')).toBeUndefined();
  });

  it('reads epoch seconds at the start of the line only', () => {
    expect(auto('1445191572 worker-3 job done')).toBe(1_445_191_572_000);
    expect(auto('1445191572.123 worker-3 job done')).toBe(1_445_191_572_123);
    expect(auto('1445191572.5\tdone')).toBe(1_445_191_572_500);
    expect(auto('9999999999 the last second of 2286')).toBe(utc(2286, 10, 20, 17, 46, 39));
    expect(auto('job 1445191572 done')).toBeUndefined();
    expect(auto('14451915720 eleven digits')).toBeUndefined();
    expect(auto('1445191572123 epoch millis')).toBeUndefined();
    expect(auto('0445191572 leading zero')).toBeUndefined();
    expect(auto('999999999 nine digits, 2001')).toBeUndefined();
    expect(auto('1445191572abc is an id')).toBeUndefined();
    expect(auto('1445191572.1.2 a version')).toBeUndefined();
  });

  it('rejects invalid dates and times, and then looks further on', () => {
    expect(auto('2015-13-18T18:06:12Z month 13')).toBeUndefined();
    expect(auto('2015-02-30T18:06:12Z Feb 30')).toBeUndefined();
    expect(auto('2023-02-29T18:06:12Z not a leap year')).toBeUndefined();
    expect(auto('2024-02-29T18:06:12Z a leap year')).toBe(utc(2024, 1, 29, 18, 6, 12));
    expect(auto('2015-10-18T25:06:12Z hour 25')).toBeUndefined();
    expect(auto('2015-10-18T18:60:12Z minute 60')).toBeUndefined();
    expect(auto('2015-10-00T18:06:12Z day 0')).toBeUndefined();
    expect(auto('2015-10-18T18:06:12+24:00 offset 24h')).toBeUndefined();
    expect(auto('1.2.3.4 - - [10/Foo/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1')).toBeUndefined();
    expect(auto('Oct 32 22:14:15 host app: day 32')).toBeUndefined();
    expect(auto('2015-13-18T18:06:12Z retried at 2015-10-18T18:06:13Z')).toBe(utc(2015, 9, 18, 18, 6, 13));
  });

  it('finds nothing in lines without a timestamp', () => {
    for (const line of [
      '',
      '\tat com.example.service.Handler.handle(Handler.java:42) ~[app.jar:1.2.3]',
      'Caused by: java.io.IOException: Broken pipe',
      'released on 2015-10-18, build 4711',
      'took 18:06:12 in total',
      '12015-10-18T18:06:12Z is not a year',
      'October 11 22:14:15 spelled out',
      '    ... 42 more',
    ]) {
      expect(auto(line), line).toBeUndefined();
    }
  });

  it('searches the first 200 characters only', () => {
    const stamp = '2015-10-18T18:06:12Z';
    expect(auto(`${'x'.repeat(200)} ${stamp} late`)).toBeUndefined();
    expect(auto(`${'x'.repeat(190)} ${stamp}`)).toBeUndefined(); // cut at 200: not whole
    expect(auto(`${'x'.repeat(179)} ${stamp} just fits`)).toBe(utc(2015, 9, 18, 18, 6, 12));
  });

  it('takes the leftmost timestamp, whatever the lines before it', () => {
    const forwarded = 'Oct 11 22:14:15 host app[7]: 2015-10-18T18:06:12Z INFO started';
    const fresh = createTimestampParser({ now: NOW });
    expect(fresh(forwarded)).toBe(utc(2024, 9, 11, 22, 14, 15));
    const warm = createTimestampParser({ now: NOW });
    warm('2015-10-18T18:06:12Z INFO an ISO line first');
    expect(warm(forwarded)).toBe(utc(2024, 9, 11, 22, 14, 15));
  });

  it('handles lines of several formats with one parser', () => {
    const parse = createTimestampParser({ now: NOW });
    expect(parse('Oct 11 22:14:15 host sshd[4721]: Failed password')).toBe(utc(2024, 9, 11, 22, 14, 15));
    expect(parse('2024-03-05 14:02:11,381 ERROR [main] c.e.Foo - timeout after 30s')).toBe(utc(2024, 2, 5, 14, 2, 11, 381));
    expect(parse('\tat c.e.Foo.bar(Foo.java:1)')).toBeUndefined();
    expect(parse('1445191572 done')).toBe(1_445_191_572_000);
  });

  it('uses the current time when no now is given', () => {
    const at = createTimestampParser({})('Jan  1 00:00:00 host app: hello');
    expect(at).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect(at).toBeGreaterThan(Date.now() - 366 * 86_400_000);
  });
});

describe('--time-format', () => {
  it('reads %d/%m/%Y %H:%M:%S anywhere in the line', () => {
    const parse = createTimestampParser({ timeFormat: '%d/%m/%Y %H:%M:%S', now: NOW });
    expect(parse('[05/03/2024 14:02:11] INFO c.e.Foo - started')).toBe(utc(2024, 2, 5, 14, 2, 11));
    expect(parse('31/12/1999 23:59:59 party')).toBe(utc(1999, 11, 31, 23, 59, 59));
    expect(parse('2024-03-05T14:02:11Z is another format')).toBeUndefined();
    expect(parse('id=115/03/2024 14:02:11 inside a longer number')).toBeUndefined();
    expect(parse('31/02/2024 10:00:00 no such day, but 01/03/2024 10:00:00')).toBe(utc(2024, 2, 1, 10));
  });

  it('reads %b %e %H:%M:%S with the syslog year rule', () => {
    const parse = createTimestampParser({ timeFormat: '%b %e %H:%M:%S', now: utc(2025, 0, 1, 0, 30) });
    expect(parse('Oct  1 22:14:15 host app: two spaces')).toBe(utc(2024, 9, 1, 22, 14, 15));
    expect(parse('host app: jan 1 00:10:00 one space, lower case')).toBe(utc(2025, 0, 1, 0, 10));
    expect(parse('DEC 31 23:59:58 upper case')).toBe(utc(2024, 11, 31, 23, 59, 58));
    expect(parse('Foo 11 22:14:15 not a month')).toBeUndefined();
  });

  it('reads %s, with or without %f', () => {
    expect(createTimestampParser({ timeFormat: '%s' })('ts=1445191572 level=info')).toBe(1_445_191_572_000);
    expect(createTimestampParser({ timeFormat: 'ts=%s.%f' })('level=info ts=1445191572.123456 msg=ok')).toBe(1_445_191_572_123);
    expect(createTimestampParser({ timeFormat: '%s' })('ts=14451915721 eleven digits')).toBeUndefined();
  });

  it('reads zones, fractions, %% and literal regex characters', () => {
    const zoned = createTimestampParser({ timeFormat: '%Y-%m-%dT%H:%M:%S.%f%z' });
    expect(zoned('t=2015-10-18T18:06:12.5+0200')).toBe(utc(2015, 9, 18, 16, 6, 12, 500));
    expect(zoned('t=2015-10-18T18:06:12.123456-05:30')).toBe(utc(2015, 9, 18, 23, 36, 12, 123));
    expect(zoned('t=2015-10-18T18:06:12.1Z')).toBe(utc(2015, 9, 18, 18, 6, 12, 100));
    const literal = createTimestampParser({ timeFormat: '(%Y.%m.%d) [%H:%M] 100%%' });
    expect(literal('(2024.03.05) [14:02] 100% done')).toBe(utc(2024, 2, 5, 14, 2));
    expect(literal('(2024x03.05) [14:02] 100% done')).toBeUndefined();
    const compact = createTimestampParser({ timeFormat: '%Y%m%d-%H%M%S' });
    expect(compact('build 20240305-140211 ok')).toBe(utc(2024, 2, 5, 14, 2, 11));
  });

  it('rejects invalid formats with a UsageError', () => {
    for (const timeFormat of ['', '%H', '%H:%M:%S', '%Y-%m-%d', '%Y-%m-%d %H', '%Q %H:%M', 'at %', '%d %d %m %H:%M', '%m %b %d %H:%M', 'plain text']) {
      expect(() => createTimestampParser({ timeFormat }), timeFormat).toThrow(UsageError);
    }
    expect(() => createTimestampParser({ timeFormat: '%H' })).toThrow(/no usable date and time/);
    expect(() => createTimestampParser({ timeFormat: '%Q %H:%M' })).toThrow(/unknown field %Q/);
    expect(() => createTimestampParser({ timeFormat: 'at %' })).toThrow(/lone %/);
    expect(() => createTimestampParser({ timeFormat: '%d %d %m %H:%M' })).toThrow(/repeats a field/);
  });
});
