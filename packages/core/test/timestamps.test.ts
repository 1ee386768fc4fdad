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
        fc.date({
          min: new Date(Date.UTC(1600, 0, 1)),
          max: new Date(Date.UTC(2400, 11, 31, 23, 59, 59, 999)),
          noInvalidDate: true,
        }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.stringMatching(/^\d{1,9}$/),
        (instant, offsetMinutes, fraction) => {
          // The wall clock of `instant` in a zone `offsetMinutes` ahead of UTC.
          const wall = new Date(instant.getTime() + offsetMinutes * 60_000);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const zone = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
          const text = `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}.${fraction}${zone}`;
          const whole = Date.UTC(
            wall.getUTCFullYear(),
            wall.getUTCMonth(),
            wall.getUTCDate(),
            wall.getUTCHours(),
            wall.getUTCMinutes(),
            wall.getUTCSeconds(),
          );
          expect(auto(`INFO ${text} msg`)).toBe(
            whole - offsetMinutes * 60_000 + Number(fraction.padEnd(3, '0').slice(0, 3)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('finds a timestamp after other fields', () => {
    expect(auto('INFO  2015-10-18T18:06:12.001Z [http] GET /')).toBe(utc(2015, 9, 18, 18, 6, 12, 1));
    expect(auto('[2015-10-18 18:06:12,250] WARN  pool exhausted')).toBe(utc(2015, 9, 18, 18, 6, 12, 250));
    expect(auto('{"level":"error","time":"2015-10-18T18:06:12.5Z","msg":"boom"}')).toBe(
      utc(2015, 9, 18, 18, 6, 12, 500),
    );
  });

  it('reads log4j timestamps (comma or dot before the millis)', () => {
    expect(auto('2024-03-05 14:02:11,381 ERROR [main] c.e.Foo - timeout after 30s')).toBe(
      utc(2024, 2, 5, 14, 2, 11, 381),
    );
    expect(auto('2024-03-05 14:02:11.381 ERROR [main] c.e.Foo - timeout after 30s')).toBe(
      utc(2024, 2, 5, 14, 2, 11, 381),
    );
  });

  it('reads common and combined access logs', () => {
    const line =
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/4.08"';
    expect(auto(line)).toBe(utc(2000, 9, 10, 20, 55, 36));
    expect(auto('10.1.2.3 - - [01/Jan/2024:00:10:00 +0530] "GET / HTTP/1.1" 304 0')).toBe(utc(2023, 11, 31, 18, 40, 0));
    expect(auto('10.1.2.3 - - [29/Feb/2024:23:59:59 +0000] "POST /login HTTP/1.1" 401 12')).toBe(
      utc(2024, 1, 29, 23, 59, 59),
    );
  });

  it('reads syslog timestamps, without a year, in the year of now', () => {
    expect(auto('Oct 11 22:14:15 host sshd[4721]: Failed password for root from 10.0.0.7 port 22')).toBe(
      utc(2024, 9, 11, 22, 14, 15),
    );
    expect(auto('Oct  1 22:14:15 host CRON[99]: (root) CMD (run-parts /etc/cron.hourly)')).toBe(
      utc(2024, 9, 1, 22, 14, 15),
    );
    expect(auto("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")).toBe(
      utc(2024, 9, 11, 22, 14, 15),
    );
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

  it('reads epoch seconds at the start of a line', () => {
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
    // A match that ends where the line is cut may have lost its end: a zone, or digits.
    expect(auto(`${'x'.repeat(180)} 2015-10-18T18:06:12+02:00 zone cut off`)).toBeUndefined();
    expect(auto(`${'9'.repeat(189)} 1445191572123 epoch millis cut to ten digits`)).toBeUndefined();
    expect(auto(`${'9'.repeat(189)} 1445191572`)).toBe(1_445_191_572_000);
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
    expect(parse('2024-03-05 14:02:11,381 ERROR [main] c.e.Foo - timeout after 30s')).toBe(
      utc(2024, 2, 5, 14, 2, 11, 381),
    );
    expect(parse('\tat c.e.Foo.bar(Foo.java:1)')).toBeUndefined();
    expect(parse('1445191572 done')).toBe(1_445_191_572_000);
  });

  it('uses the current time when no now is given', () => {
    const at = createTimestampParser({})('Jan  1 00:00:00 host app: hello');
    expect(at).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect(at).toBeGreaterThan(Date.now() - 366 * 86_400_000);
  });
});

/**
 * One line of each Loghub system (github.com/logpai/loghub), as written there. Lines whose
 * timestamps have no year take the syslog rule with NOW (2024-12-01).
 */
describe('the Loghub formats', () => {
  it('reads the formats with a year or an epoch', () => {
    const lines: [system: string, line: string, expected: number][] = [
      [
        'HDFS (yyMMdd HHmmss)',
        '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating',
        utc(2008, 10, 9, 20, 36, 15),
      ],
      [
        'Spark (yy/MM/dd HH:mm:ss)',
        '17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]',
        utc(2017, 5, 9, 20, 10, 40),
      ],
      [
        'BGL (yyyy-MM-dd-HH.mm.ss.SSSSSS)',
        '- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected',
        utc(2005, 5, 3, 15, 42, 50, 675),
      ],
      [
        'HealthApp (yyyyMMdd-HH:mm:ss:SSS)',
        '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579',
        utc(2017, 11, 23, 22, 15, 29, 606),
      ],
      [
        'HealthApp, fields not padded',
        '20171224-0:3:7:5|Step_SPUtils|30002312|setDiffTotalSteps=8874',
        utc(2017, 11, 24, 0, 3, 7, 5),
      ],
      [
        'HealthApp, millis not padded',
        '20171223-22:15:35:11|Step_LSC|30002312|onExtend:1514038530000 0 0 4',
        utc(2017, 11, 23, 22, 15, 35, 11),
      ],
      [
        'Apache error ([EEE MMM dd HH:mm:ss yyyy])',
        '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
        utc(2005, 11, 4, 4, 47, 44),
      ],
      [
        'Apache 2.4 error (with microseconds)',
        '[Sun Dec 04 04:47:44.123456 2005] [core:notice] [pid 7] AH00094: Command line: httpd',
        utc(2005, 11, 4, 4, 47, 44, 123),
      ],
      [
        'Thunderbird (yyyy.MM.dd, then syslog)',
        '- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session closed for user root',
        utc(2005, 10, 9, 12, 1, 1),
      ],
      [
        'HPC (epoch seconds in a later field)',
        '134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=1721)',
        1_077_804_742_000,
      ],
      [
        'Zookeeper',
        '2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200',
        utc(2015, 6, 29, 17, 41, 44, 747),
      ],
      [
        "OpenStack (the line's own time, not the file name's)",
        'nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae] 10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 200',
        utc(2017, 4, 16, 0, 0, 0, 8),
      ],
      [
        'Hadoop MapReduce',
        '2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001',
        utc(2015, 9, 18, 18, 1, 47, 978),
      ],
      [
        'Windows CBS (no fraction after the comma)',
        '2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_6.1.7601.23505_none_681aa442f6fed7f0\\cbscore.dll',
        utc(2016, 8, 28, 4, 30, 30),
      ],
    ];
    for (const [system, line, expected] of lines) {
      const assumed: number[] = [];
      const parse = createTimestampParser({ now: NOW, onYearAssumed: (year) => assumed.push(year) });
      expect(parse(line), system).toBe(expected);
      expect(assumed, system).toEqual([]);
    }
  });

  it('reads the formats without a year with the syslog year rule, and says so', () => {
    const lines: [system: string, line: string, expected: number][] = [
      [
        'Android (MM-dd HH:mm:ss.SSS)',
        '03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}',
        utc(2024, 2, 17, 16, 13, 38, 811),
      ],
      [
        'Proxifier ([MM.dd HH:mm:ss])',
        '[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS',
        utc(2024, 9, 30, 16, 49, 6),
      ],
      [
        'Linux',
        'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4',
        utc(2024, 5, 14, 15, 16, 1),
      ],
      [
        'Mac',
        'Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::listenerCallback - Thunderbolt HPD packet for route = 0x0 port = 11 unplug = 0',
        utc(2024, 6, 1, 9, 0, 55),
      ],
    ];
    for (const [system, line, expected] of lines) {
      const assumed: number[] = [];
      const parse = createTimestampParser({ now: NOW, onYearAssumed: (year) => assumed.push(year) });
      expect(parse(line), system).toBe(expected);
      expect(assumed, system).toEqual([2024]);
    }
    // OpenSSH's Dec 10, read on 2024-12-01, is more than a day ahead: it is from 2023.
    const assumed: number[] = [];
    const parse = createTimestampParser({ now: NOW, onYearAssumed: (year) => assumed.push(year) });
    expect(
      parse(
        'Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!',
      ),
    ).toBe(utc(2023, 11, 10, 6, 55, 46));
    expect(assumed).toEqual([2023]);
    // Invalid candidates are not reported as assumed years.
    expect(parse('Feb 30 10:00:00 no such day')).toBeUndefined();
    expect(assumed).toEqual([2023]);
  });

  it('keeps a year written earlier in the line for a timestamp without one, across New Year', () => {
    expect(auto('- 1136073599 2005.12.31 dn228 Dec 31 23:59:59 dn228/dn228 app: last')).toBe(
      utc(2005, 11, 31, 23, 59, 59),
    );
    // A date a day before the timestamp's (zones): the timestamp is in the next year.
    expect(auto('- 2005.12.31 dn228 Jan 1 07:59:59 dn228/dn228 app: first')).toBe(utc(2006, 0, 1, 7, 59, 59));
    expect(auto('- 2006/01/01 dn228 Dec 31 23:59:59 dn228/dn228 app: zones')).toBe(utc(2005, 11, 31, 23, 59, 59));
    // A date that is not the timestamp's day is no year for it: the syslog rule applies.
    expect(auto('build 2019.03.01 host Oct 11 22:14:15 app: started')).toBe(utc(2024, 9, 11, 22, 14, 15));
    // A date after the timestamp is part of the message.
    expect(auto('Oct 11 22:14:15 host app: report for 2019.10.11')).toBe(utc(2024, 9, 11, 22, 14, 15));
  });

  it('takes epoch seconds in a later field only when the line has no other timestamp and the fields before it are a header', () => {
    // HPC's component and state may be words: the first field, a record number, makes the header.
    expect(auto('2568643 node-70 action start 1074119817 1 clusterAddMember  (command 1902)')).toBe(1_074_119_817_000);
    // BGL and Thunderbird carry an epoch too; their date and time win.
    expect(
      auto(
        '- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO',
      ),
    ).toBe(utc(2005, 5, 3, 15, 42, 50, 675));
    expect(auto('- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 RAS KERNEL INFO no time of day')).toBe(1_117_838_570_000);
    expect(auto('- 1117838570.25\tR02 RAS KERNEL INFO')).toBe(1_117_838_570_250);
    expect(auto('7 b2 c3 d4 e5 1117838570 sixth field')).toBe(1_117_838_570_000);
    expect(auto('10.0.0.7 - 1117838570 after an address')).toBe(1_117_838_570_000);
    for (const line of [
      'job 1445191572 done',
      'order 1445191572 placed by user 42',
      'worker-3 took 1445191572 ns',
      'INFO 1445191572 is an id after a level',
      '7 b2 c3 d4 e5 f6 1117838570 seventh field',
      'a1 b2 1117838570 a first field with a letter',
      'GET /api/orders/1445191572 200',
      'node-1 id=1445191572 x',
      'node-1 1445191572x',
      'node-1 1445191572123 epoch millis',
      '- 1733097601 a second past now + 1 day',
      '- 9999999999 far in the future',
    ]) {
      expect(auto(line), line).toBeUndefined();
    }
    expect(auto('- 1733097600 now + 1 day')).toBe(NOW + 86_400_000);
  });

  it('does not take look-alikes of the new formats', () => {
    for (const line of [
      'blk 081109 203615 not at the start of the line',
      '123456 654321 no month 34',
      '081109 203615123 a longer number',
      "2017-05-16_13:53:08 a file name's time",
      'see /var/17/06/09 20:10:40 in a path',
      '17/13/09 20:10:40 month 13',
      '[13.30 16:49:06] month 13',
      '[10.30 16:49] no seconds',
      '2005-06-03-15.42 no seconds',
      'id 1234567890123-22:15:29:606 in a longer number',
      '20171323-22:15:29:606|month 13',
      'v1.2-03-17 16:13:38.811 after a dash',
    ]) {
      expect(auto(line), line).toBeUndefined();
    }
    // A four-digit number after a syslog time is a year only from 1900 to 2099.
    expect(auto('Oct 11 22:14:15 1234 app: a pid')).toBe(utc(2024, 9, 11, 22, 14, 15));
    expect(auto('Oct 11 22:14:15 20051 app: five digits')).toBe(utc(2024, 9, 11, 22, 14, 15));
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
    expect(createTimestampParser({ timeFormat: 'ts=%s.%f' })('level=info ts=1445191572.123456 msg=ok')).toBe(
      1_445_191_572_123,
    );
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

  it('reads %y: 69-99 as 1969-1999, 00-68 as 2000-2068 (as POSIX strptime)', () => {
    const hdfs = createTimestampParser({ timeFormat: '%y%m%d %H%M%S', now: NOW });
    expect(hdfs('081109 203615 148 INFO dfs.DataNode: ok')).toBe(utc(2008, 10, 9, 20, 36, 15));
    const dotted = createTimestampParser({ timeFormat: '%d.%m.%y %H:%M', now: NOW });
    expect(dotted('at 01.01.69 00:00')).toBe(utc(1969, 0, 1));
    expect(dotted('at 31.12.68 23:59')).toBe(utc(2068, 11, 31, 23, 59));
    expect(dotted('at 31.12.2068 23:59')).toBeUndefined();
    expect(() => createTimestampParser({ timeFormat: '%Y %y %m %d %H:%M' })).toThrow(/repeats a field/);
  });

  it('rejects invalid formats with a UsageError', () => {
    for (const timeFormat of [
      '',
      '%H',
      '%H:%M:%S',
      '%Y-%m-%d',
      '%Y-%m-%d %H',
      '%Q %H:%M',
      'at %',
      '%d %d %m %H:%M',
      '%m %b %d %H:%M',
      'plain text',
    ]) {
      expect(() => createTimestampParser({ timeFormat }), timeFormat).toThrow(UsageError);
    }
    expect(() => createTimestampParser({ timeFormat: '%H' })).toThrow(/no usable date and time/);
    expect(() => createTimestampParser({ timeFormat: '%Q %H:%M' })).toThrow(/unknown field %Q/);
    expect(() => createTimestampParser({ timeFormat: 'at %' })).toThrow(/lone %/);
    expect(() => createTimestampParser({ timeFormat: '%d %d %m %H:%M' })).toThrow(/repeats a field/);
  });
});
