import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TemplateTally } from '../src/contract/chunk-findings.js';
import { TemplateTallies, mergeTallies, messageTemplate, topTemplates } from '../src/insight/message-template.js';

const t = messageTemplate;

describe('messageTemplate: masks', () => {
  it('masks timestamps in the usual formats', () => {
    expect(t('2024-03-05T14:02:11.381Z boot')).toBe('<ts> boot');
    expect(t('2024-03-05 14:02:11,381 INFO boot')).toBe('<ts> INFO boot');
    expect(t('at 2024-03-05T14:02:11+02:00 and 2024-03-05T14:02:11.123456-0700')).toBe('at <ts> and <ts>');
    expect(t('2024/03/05 14:02:11 [error] boot')).toBe('<ts> [error] boot');
    expect(t('since 2024-03-05, at 14:02:11.381 or 9:02:11')).toBe('since <ts>, at <ts> or <ts>');
    expect(t('127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0"')).toBe('<ip> - - [<ts>] "<str>"');
    expect(t('Oct 11 22:14:15 host sshd[1]: x')).toBe('<ts> host sshd[<num>]: x');
    expect(t('Mar  5 02:03:04 host cron[77]: x')).toBe('<ts> host cron[<num>]: x');
  });

  it('masks dates with weekday and month names as one timestamp, with their zone and year', () => {
    // Apache error log, dmesg -T and ctime(3), with microseconds (Apache 2.4) or a padded day.
    expect(t('[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6')).toBe(
      '[<ts>] [error] mod_jk child workerEnv in error state <num>',
    );
    expect(t('[Wed Oct 11 14:32:52.123456 2023] [core:error] [pid 1234:tid 140] AH00037: x')).toBe(
      '[<ts>] [core:error] [pid <num>:tid <num>] AH<num>: x',
    );
    expect(t('[Tue Feb  6 10:22:03 2024] usb 1-1: new high-speed USB device')).toBe(
      '[<ts>] usb <num>-<num>: new high-speed USB device',
    );
    // RFC 1123 / 2822 (HTTP, mail), RFC 850.
    expect(t('Date: Tue, 13 Feb 2024 10:22:03 GMT')).toBe('Date: <ts>');
    expect(t('expires Tue, 13 Feb 2024 10:22:03 +0000; path=/')).toBe('expires <ts>; path=/');
    expect(t('If-Modified-Since: Sunday, 06-Nov-94 08:49:37 GMT')).toBe('If-Modified-Since: <ts>');
    // date(1) in the C, en_US and en_GB locales; Java's Date.toString(); openssl; JavaScript's Date.
    expect(t('Mon Oct 16 12:00:01 UTC 2023 backup started')).toBe('<ts> backup started');
    expect(t('Mon Oct 16 12:00:01 PM CEST 2023 backup started')).toBe('<ts> backup started');
    expect(t('Mon 16 Oct 12:00:01 BST 2023 backup started')).toBe('<ts> backup started');
    expect(t('notAfter=Feb 13 10:22:03 2025 GMT')).toBe('notAfter=<ts>');
    expect(t('Tue Feb 13 2024 10:22:03 GMT+0100 (Central European Standard Time) request')).toBe('<ts> request');
    expect(t('built Tue Feb 13 2024')).toBe('built <ts>');
    // Tomcat, PHP and PHP-FPM; Java's java.util.logging (before and after JDK 20's narrow no-break space).
    expect(
      t(
        '13-Feb-2024 10:22:03.123 INFO [main] org.apache.catalina.startup.Catalina.start Server startup in [1234] milliseconds',
      ),
    ).toBe('<ts> INFO [main] org.apache.catalina.startup.Catalina.start Server startup in [<num>] milliseconds');
    expect(t('[13-Feb-2024 10:22:03 UTC] PHP Warning:  Undefined variable $x')).toBe(
      '[<ts>] PHP Warning: Undefined variable $x',
    );
    expect(t('[13-Feb-2024 10:22:03] WARNING: [pool www] child 42 exited')).toBe(
      '[<ts>] WARNING: [pool www] child <num> exited',
    );
    expect(t('Feb 13, 2024 10:22:03 AM org.apache.catalina.startup.Catalina start')).toBe(
      '<ts> org.apache.catalina.startup.Catalina start',
    );
    expect(t('Feb 13, 2024, 1:22:03\u202fPM org.apache.catalina.startup.Catalina start')).toBe(
      '<ts> org.apache.catalina.startup.Catalina start',
    );
    // Redis (7 and 2), log4j's DATE format.
    expect(t('1:M 13 Feb 2024 10:22:03.123 * Ready to accept connections')).toBe(
      '<num>:M <ts> * Ready to accept connections',
    );
    expect(t('[4127] 13 Feb 10:22:03.123 # Server started')).toBe('[<num>] <ts> # Server started');
    expect(t('13 Feb 2024 10:22:03,381 ERROR x')).toBe('<ts> ERROR x');
    // A date alone, with a day and a year; full names; Oracle's capitals.
    expect(t('certificate expires on Feb 13, 2024.')).toBe('certificate expires on <ts>.');
    expect(t('valid until 13 February 2024, then September 1 2024')).toBe('valid until <ts>, then <ts>');
    expect(t('HIRED 13-FEB-24 and 13-FEB-2024')).toBe('HIRED <ts> and <ts>');
  });

  it('gives a date with names one template whatever the weekday and the month', () => {
    const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const templates = new Set<string>();
    weekdays.forEach((weekday, i) => {
      const month = months[(i * 5) % 12]!;
      templates.add(t(`[${weekday} ${month} ${String(i + 1).padStart(2, '0')} 04:47:44 2005] [error] x`));
      templates.add(t(`[${weekday} ${month}  ${i + 1} 04:47:44 2005] [error] x`));
    });
    for (const month of months) templates.add(t(`[${month} 4, 2005 4:47:44 AM] [error] x`));
    expect([...templates]).toEqual(['[<ts>] [error] x']);
  });

  it('keeps weekday and month names outside a date, and dates without a year or a time', () => {
    expect(t('Sun Microsystems was bought; May I retry on Sun, or in May?')).toBe(
      'Sun Microsystems was bought; May I retry on Sun, or in May?',
    );
    expect(t('May 5 users retry; Mon 3 jobs; Wed 14:02')).toBe(
      'May <num> users retry; Mon <num> jobs; Wed <num>:<num>',
    );
    expect(t('March 2024 report, Dec 04, Sat 12 Jan, 4 May')).toBe(
      'March <num> report, Dec <num>, Sat <num> Jan, <num> May',
    );
    // Lower case is no date.
    expect(t('dec 04 04:47:44 2005')).toBe('dec <num> <ts> <num>');
  });

  it('masks the month-day date before a time, as Android logcat writes it', () => {
    expect(t('03-05 14:02:11.381  1234  5678 I ActivityManager: Displayed x')).toBe(
      '<ts> <num> <num> I ActivityManager: Displayed x',
    );
    expect(t('12-31 23:59:59.999 E/x')).toBe('<ts> E/x');
  });

  it('masks UUIDs in any case, also after an underscore', () => {
    expect(t('job 550e8400-e29b-41d4-a716-446655440000 done')).toBe('job <uuid> done');
    expect(t('job 550E8400-E29B-41D4-A716-446655440000 done')).toBe('job <uuid> done');
    expect(t('key job_550e8400-e29b-41d4-a716-446655440000')).toBe('key job_<uuid>');
  });

  it('masks IPv4 addresses with or without a port, and IPv6 addresses', () => {
    expect(t('from 192.168.1.10 port 22')).toBe('from <ip> port <num>');
    expect(t('connect 10.0.12.34:5432 failed')).toBe('connect <ip> failed');
    expect(t('peer 10.0.0.1.')).toBe('peer <ip>.');
    expect(t('listen [::1]:8080 and ::1')).toBe('listen [<ip>]:<num> and <ip>');
    expect(t('via fe80::1%eth0 or fe80::1 or 2001:db8::8a2e:370:7334')).toBe('via <ip> or <ip> or <ip>');
    expect(t('full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 mapped ::ffff:192.168.0.1')).toBe('full <ip> mapped <ip>');
    // Not addresses: C++/Rust paths, a dotted number with more parts, a time.
    expect(t('std::vector de::Error Bad::Cafe')).toBe('std::vector de::Error Bad::Cafe');
    expect(t('oid 1.3.6.1.4.1 at 14:02:11')).toBe('oid <num> at <ts>');
  });

  it('masks quoted values, with escaped quotes, but not apostrophes', () => {
    expect(t('payment declined for user "alice"')).toBe('payment declined for user "<str>"');
    expect(t('bad value "say \\"hi\\" twice" here')).toBe('bad value "<str>" here');
    expect(t("KeyError: 'user_id'")).toBe("KeyError: '<str>'");
    expect(t("can't open 'db' as bob's user")).toBe("can't open '<str>' as bob's user");
    expect(t('unterminated "quote 42')).toBe('unterminated "quote <num>');
    expect(t('empty "" and \'\'')).toBe('empty "<str>" and \'<str>\'');
  });

  it('masks paths with at least two separators, and URLs', () => {
    expect(t('Timeout calling /api/v1/inventory/1234 after 30s')).toBe('Timeout calling <path> after <num>s');
    expect(t('GET /health')).toBe('GET /health');
    expect(t('open /etc/app/app.conf: no such file')).toBe('open <path>: no such file');
    expect(t('read ./conf/app.yml, ../shared/x.yml and ~/logs/today')).toBe('read <path>, <path> and <path>');
    expect(t('wrote C:\\Users\\bob\\app.log.')).toBe('wrote <path>.');
    expect(t('see https://x.io/a/b?c=1&d=2.')).toBe('see <url>.');
    expect(t('upstream: "http://127.0.0.1:8080/x" (s3://bucket/key)')).toBe('upstream: "<str>" (<url>)');
    expect(t('jdbc:postgresql://10.0.0.1:5432/orders')).toBe('jdbc:<url>');
    expect(t('protocol HTTP/1.1 and 10/20 done and/or')).toBe('protocol HTTP/<num> and <num>/<num> done and/or');
  });

  it('masks hex ids: 0x…, and hex tokens of 8 or more with a digit and a letter', () => {
    expect(t('pc=0x48f2d5 +0x1d addr=0X0')).toBe('pc=<hex> +<hex> addr=<hex>');
    expect(t('request 7f3a9c2e1b failed')).toBe('request <hex> failed');
    expect(t('commit 3f786850e387550fdab836ed7e6dc881de23001b')).toBe('commit <hex>');
    expect(t('id req_7f3a9c2e1b, DEADBEEF42')).toBe('id req_<hex>, <hex>');
    // Letters only, digits only, too short: not hex.
    expect(t('deadbeef 12345678 abc123')).toBe('deadbeef <num> abc<num>');
  });

  it('masks MAC addresses as hex', () => {
    expect(t('link 00:1a:2b:3c:4d:5e up, 00-1A-2B-3C-4D-5E down')).toBe('link <hex> up, <hex> down');
  });

  it('masks e-mail addresses', () => {
    expect(t('mail to bob.smith+x@mail.example.com bounced')).toBe('mail to <email> bounced');
    expect(t('user alice42@example.org, not alice@localhost')).toBe('user <email>, not alice@localhost');
  });

  it('masks numbers: integers, decimals, negatives, exponents, with a glued unit kept', () => {
    expect(t('took 30s, 250ms, 1.5h; used 12MB (99%)')).toBe('took <num>s, <num>ms, <num>h; used <num>MB (<num>%)');
    expect(t('delta -5 ratio 0.25 tiny 1e-5 big 6.02E23')).toBe('delta <num> ratio <num> tiny <num> big <num>');
    expect(t('range 1-5 and 1,234')).toBe('range <num>-<num> and <num>,<num>');
    expect(t('version 1.2.3 v1.2.3 python3.11')).toBe('version <num> v<num> python<num>');
  });

  it('takes the sign of a number after an underscore, so that negative ids group with positive ones (HDFS blocks)', () => {
    expect(t('block blk_-1608999687919862906 and blk_38865049064139660, offset_-5')).toBe(
      'block blk_<num> and blk_<num>, offset_<num>',
    );
  });

  it('masks digits inside words, but for a few well-known names', () => {
    expect(t('worker-12 user42 h2o ERROR2 http-nio-8080-exec-3')).toBe(
      'worker-<num> user<num> h<num>o ERROR<num> http-nio-<num>-exec-<num>',
    );
    expect(t('sha256 SHA-256 md5 utf-8 UTF8 http2 ipv4 IPv6 base64 x86_64 amd64 log4j ssh2 int64')).toBe(
      'sha256 SHA-256 md5 utf-8 UTF8 http2 ipv4 IPv6 base64 x86_64 amd64 log4j ssh2 int64',
    );
    expect(t('sha256sum log4j2x')).toBe('sha<num>sum log<num>j<num>x');
  });

  it('keeps keys and meaningful values of key=value, and masks the values the rules cover', () => {
    expect(t('level=error user=alice id=42 took=30s ip=10.0.0.1 path=/a/b/c')).toBe(
      'level=error user=alice id=<num> took=<num>s ip=<ip> path=<path>',
    );
    expect(t('user="alice" delta=-3')).toBe('user="<str>" delta=<num>');
  });

  it('keeps the keys of JSON-ish text, masks its values, and masks the values of text keys only inside', () => {
    // Not JSON (single quotes), or JSON after other text: masked as text.
    expect(t("{'msg': 'retry 3 of \"job\"', 'user': 'bob'}")).toBe(
      "{'msg': 'retry <num> of \"<str>\"', 'user': '<str>'}",
    );
    expect(t('Mar  5 02:03:04 web-01 app[7]: {"level":"error","msg":"timeout after 250ms","user":"u42","n":3}')).toBe(
      '<ts> web-<num> app[<num>]: {"level":"error","msg":"timeout after <num>ms","user":"<str>","n":<num>}',
    );
    // A JSON line without a message field: its keys, its values masked.
    expect(t('{ "ts" : "2024-03-05T14:02:11Z" , "errorCount": 1, "request":"GET /x HTTP/1.1" }')).toBe(
      '{ "ts" : "<str>" , "errorCount": <num>, "request":"<str>" }',
    );
    expect(t('check: level=warn msg="disk /var/lib/x at 91%" user="bob"')).toBe(
      'check: level=warn msg="disk <path> at <num>%" user="<str>"',
    );
    // A quoted value before `:` that is no JSON key is a value.
    expect(t('open "config 2.yaml": permission denied')).toBe('open "<str>": permission denied');
  });

  it('collapses whitespace and trims the line', () => {
    expect(t('  a \t b\u00a0\u00a0c   d  \r')).toBe('a b c d');
    expect(t('\tat com.example.Foo.bar(Foo.java:142)\r\n')).toBe('at com.example.Foo.bar(Foo.java:<num>)');
    expect(t('multi\nline\r\ntext')).toBe('multi line text');
  });
});

describe('messageTemplate: JSON lines', () => {
  it('builds the template of a JSON object line from its message field, masked as any line is', () => {
    expect(t('{"log":"GET /health 200 3ms\\n","stream":"stdout","time":"2024-03-05T14:02:11.381Z"}')).toBe(
      'GET /health <num> <num>ms',
    );
    expect(t('{"log":"POST /api/v1/orders 201 12ms\\n","stream":"stdout","time":"2024-03-05T14:02:12.001Z"}')).toBe(
      'POST <path> <num> <num>ms',
    );
    expect(t('{"time":"2024-03-05T14:02:11Z","message":"cache warmed with 1200 keys in 3.5s"}')).toBe(
      'cache warmed with <num> keys in <num>s',
    );
    expect(
      t('{"__REALTIME_TIMESTAMP":"1709647331381000","MESSAGE":"Started Session 42 of User root.","_PID":"1"}'),
    ).toBe('Started Session <num> of User root.');
    expect(t('{"@timestamp":"2024-03-05T14:02:11Z","@message":"GC pause 12ms"}')).toBe('GC pause <num>ms');
    expect(
      t(
        '{"version":"1.1","host":"web-1","short_message":"worker 3 restarted","full_message":"worker 3 restarted\\nafter OOM"}',
      ),
    ).toBe('worker <num> restarted');
    // Serilog's compact JSON: the message template itself.
    expect(
      t(
        '{"@t":"2024-03-05T14:02:11.381Z","@mt":"Order {OrderId} shipped in {Elapsed} ms","OrderId":42,"Elapsed":12.5}',
      ),
    ).toBe('Order {OrderId} shipped in {Elapsed} ms');
    // structlog's event.
    expect(t('{"event":"user 42 logged in","timestamp":"2024-03-05T14:02:11Z"}')).toBe('user <num> logged in');
  });

  it('takes the first message key of msg, message, @message, @mt, @m, short_message, textPayload, log, event; keys in any case', () => {
    expect(t('{"log":"raw line 1","message":"parsed 2","event":"e"}')).toBe('parsed <num>');
    expect(t('{"message":"second","msg":"first"}')).toBe('first');
    expect(t('{"@m":"rendered 42","@mt":"rendered {N}"}')).toBe('rendered {N}');
    expect(t('{"Message":"a 1","Level":"Warning"}')).toBe('[Warning] a <num>');
  });

  it('puts the level first, in brackets, as the line writes it', () => {
    expect(t('{"level":"error","ts":1709647331.381,"caller":"api/handler.go:42","msg":"request failed"}')).toBe(
      '[error] request failed',
    );
    expect(t('{"level":30,"time":1709647331381,"pid":4242,"hostname":"api-1","msg":"listening"}')).toBe(
      '[30] listening',
    );
    expect(t('{"@timestamp":"2024-03-05T14:02:11Z","log.level":"warn","message":"slow query 120ms"}')).toBe(
      '[warn] slow query <num>ms',
    );
    expect(
      t('{"@timestamp":"2024-03-05T14:02:11Z","log":{"level":"warn","logger":"db"},"message":"slow query 120ms"}'),
    ).toBe('[warn] slow query <num>ms');
    expect(t('{"severity":"ERROR","textPayload":"upstream 10.0.0.7 reset"}')).toBe('[ERROR] upstream <ip> reset');
    expect(t('{"levelname":"WARNING","message":"retry 2"}')).toBe('[WARNING] retry <num>');
    expect(t('{"level":"warn ","msg":"x"}')).toBe('[warn] x');
  });

  it('adds an error field after the message, unless the message holds it already', () => {
    expect(
      t(
        '{"level":"error","ts":1709647331.381,"caller":"api/handler.go:42","msg":"request failed","error":"dial tcp 10.0.0.5:5432: i/o timeout"}',
      ),
    ).toBe('[error] request failed: dial tcp <ip>: i/o timeout');
    expect(
      t(
        '{"level":50,"pid":1,"err":{"type":"Error","message":"connect ECONNREFUSED 10.0.0.5:5432","stack":"Error: connect\\n    at x (node:net:1555:16)"},"msg":"db query failed"}',
      ),
    ).toBe('[50] db query failed: connect ECONNREFUSED <ip>');
    expect(
      t(
        '{"level":50,"err":{"type":"Error","message":"connect ECONNREFUSED 10.0.0.5:5432"},"msg":"connect ECONNREFUSED 10.0.0.5:5432"}',
      ),
    ).toBe('[50] connect ECONNREFUSED <ip>');
    expect(
      t(
        '{"log.level":"error","message":"Payment failed","error.message":"card declined for order 42","error.type":"CardError"}',
      ),
    ).toBe('[error] Payment failed: card declined for order <num>');
    expect(
      t('{"level":"error","message":"Payment failed","error":{"message":"card declined","type":"CardError"}}'),
    ).toBe('[error] Payment failed: card declined');
    // No message: the error is the message.
    expect(t('{"level":"error","error":"unexpected EOF","ts":1}')).toBe('[error] unexpected EOF');
    expect(t('{"error.message":"no route to 10.0.0.7","err_msg":"y"}')).toBe('no route to <ip>');
  });

  it('decodes escapes before masking', () => {
    expect(t('{"msg":"user \\"alice\\" not found\\nretrying\\t now","n":1}')).toBe(
      'user "<str>" not found retrying now',
    );
    expect(t('{"msg":"caf\\u00e9 ferm\\u00e9 42 \\ud83d\\ude00"}')).toBe('café fermé <num> 😀');
    expect(t('{"msg":"open C:\\\\logs\\\\app.log and \\/srv\\/a\\/b failed"}')).toBe('open <path> and <path> failed');
  });

  it('looks for a message one object down when the top level has none, and not further', () => {
    expect(
      t(
        '{"timestamp":"2024-03-05T14:02:11Z","level":"INFO","fields":{"message":"listening on 0.0.0.0:8080","port":8080},"target":"server"}',
      ),
    ).toBe('[INFO] listening on <ip>');
    expect(t('{"jsonPayload":{"msg":"job 7 done"},"severity":"INFO"}')).toBe('[INFO] job <num> done');
    expect(t('{"ctx":{"msg":"inner"},"msg":"outer"}')).toBe('outer');
    expect(t('{"a":{"b":{"msg":"deep 1"}},"n":1}')).toBe('{"a":{"b":{"msg":"deep <num>"}},"n":<num>}');
  });

  it('reads a JSON line inside a message (Docker json-file of a JSON app log)', () => {
    expect(
      t(
        '{"log":"{\\"level\\":\\"error\\",\\"msg\\":\\"request failed\\",\\"error\\":\\"EOF\\"}\\n","stream":"stderr","time":"2024-03-05T14:02:11.381Z"}',
      ),
    ).toBe('[error] request failed: EOF');
  });

  it('masks a JSON line without a message (a blank or non-text one is none) as text: keys kept, values masked', () => {
    expect(
      t(
        '{"time":"2024-03-05T14:02:11Z","remote_addr":"10.0.0.1","request":"GET /x HTTP/1.1","status":200,"bytes":512}',
      ),
    ).toBe('{"time":"<str>","remote_addr":"<str>","request":"<str>","status":<num>,"bytes":<num>}');
    expect(t('{"msg":"  ","n":1}')).toBe('{"msg":" ","n":<num>}');
    expect(t('{"msg":{"text":"x"},"n":[1,2]}')).toBe('{"msg":{"text":"<str>"},"n":[<num>,<num>]}');
    expect(t('{"level":"info","n":null}')).toBe('{"level":"info","n":null}');
  });

  it('masks as text what is no JSON object: other text after it, broken syntax, not an object', () => {
    expect(t('{"msg":"x 1"} and 2')).toBe('{"msg":"x <num>"} and <num>');
    expect(t('{"msg":"x 1" "y":2}')).toBe('{"msg":"x <num>" "<str>":<num>}');
    expect(t('{main} started 3 workers')).toBe('{main} started <num> workers');
    expect(t('[{"msg":"x"}]')).toBe('[{"msg":"x"}]');
  });

  it('reads a line cut short (the reader decodes at most 4096 characters of a line) as far as it goes', () => {
    expect(t(`{"level":"error","msg":"request failed","stack":"${'at x (/srv/a.js:1:2)\\n'.repeat(300)}`)).toBe(
      '[error] request failed',
    );
    expect(t('{"level":"error","msg":"disk full on /var/lib/data')).toBe('[error] disk full on <path>');
    expect(t('{"level":"error","stack":"x","msg":"disk ful')).toBe('[error] disk ful');
  });

  it('gives any JSON object with one message and level one template, whatever its other fields and their order', () => {
    const otherKey = fc
      .string({ maxLength: 8 })
      .filter(
        (key) =>
          !/^(msg|message|@message|@mt|@m|short_message|textpayload|log|event|level|lvl|severity|levelname|loglevel|log_level|log\.level|@l|error|err|exception|error\.message|err\.message|error_message|errormessage|error_msg|err_msg)$/i.test(
            key,
          ),
      );
    // Values one level down may hold message keys of their own: the top level's wins.
    const other = fc.dictionary(otherKey, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
    fc.assert(
      fc.property(other, other, fc.nat({ max: 6 }), fc.nat({ max: 6 }), (a, b, atA, atB) => {
        const line = (fields: Record<string, unknown>, at: number) => {
          const entries = Object.entries(fields);
          entries.splice(
            Math.min(at, entries.length),
            0,
            ['msg', 'caf\u00e9 "open" failed\n after 3 tries'],
            ['level', 'warn'],
          );
          return JSON.stringify(Object.fromEntries(entries));
        };
        expect(t(line(a, atA))).toBe('[warn] café "<str>" failed after <num> tries');
        expect(t(line(b, atB))).toBe('[warn] café "<str>" failed after <num> tries');
      }),
      { numRuns: 1000 },
    );
  });

  it('reads any JSON value without failing, and any object cut anywhere', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat(), (value, cut) => {
        const text = JSON.stringify(value) ?? 'null';
        expect(t(text).length).toBeLessThanOrEqual(300);
        expect(t(text.slice(0, cut % (text.length + 1))).length).toBeLessThanOrEqual(300);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives lines with the same message one template, and lines with other messages other ones', () => {
    const lines = [
      '{"log":"GET /health 200 3ms\\n","stream":"stdout","time":"2024-03-05T14:02:11.381Z"}',
      '{"log":"GET /health 200 11ms\\n","stream":"stderr","time":"2024-03-05T14:02:12.002Z"}',
      '{"log":"GET /ready 503 1ms\\n","stream":"stdout","time":"2024-03-05T14:02:13.000Z"}',
      '{"level":"error","ts":1709647331.381,"caller":"api/handler.go:42","msg":"request failed","error":"dial tcp 10.0.0.5:5432: i/o timeout","user":"alice"}',
      '{"level":"error","ts":1709647399.001,"caller":"api/handler.go:57","msg":"request failed","error":"dial tcp 10.0.9.1:5432: i/o timeout","user":"bob"}',
      '{"level":"error","ts":1709647400.5,"caller":"api/handler.go:42","msg":"request failed","error":"context canceled"}',
    ];
    expect(lines.map(t)).toEqual([
      'GET /health <num> <num>ms',
      'GET /health <num> <num>ms',
      'GET /ready <num> <num>ms',
      '[error] request failed: dial tcp <ip>: i/o timeout',
      '[error] request failed: dial tcp <ip>: i/o timeout',
      '[error] request failed: context canceled',
    ]);
  });
});

describe('messageTemplate: logfmt lines', () => {
  it('builds the template of a logfmt line with a message field as that of a JSON line: [level] message: error', () => {
    expect(
      t(
        'time=2024-03-05T14:02:11.381Z level=INFO msg="request done" method=GET path=/api/v1/orders/42 status=200 dur=3.2ms user=alice',
      ),
    ).toBe('[INFO] request done');
    // Go's slog writes the same record either way; both give one template.
    expect(
      t(
        '{"time":"2024-03-05T14:02:11.381Z","level":"INFO","msg":"request done","method":"POST","path":"/health","status":201,"dur":"1ms","user":"bob"}',
      ),
    ).toBe('[INFO] request done');
    expect(
      t('ts=2024-03-05T14:02:11.381Z caller=main.go:520 level=info msg="Server is ready to receive web requests."'),
    ).toBe('[info] Server is ready to receive web requests.');
    expect(
      t(
        'time="2024-03-05T14:02:11.381Z" level=warning msg="Health check for container 3f2a9c1b7e4d failed" error="context deadline exceeded"',
      ),
    ).toBe('[warning] Health check for container <hex> failed: context deadline exceeded');
    expect(t('level=info msg=started port=8080 tls=')).toBe('[info] started');
    expect(t('level=error msg="user \\"bob\\" not found\\nretrying in 5s" err="EOF"')).toBe(
      '[error] user "<str>" not found retrying in <num>s: EOF',
    );
    // Cut short inside the message: as far as it goes.
    expect(t('level=error msg="disk full on /var/lib/data')).toBe('[error] disk full on <path>');
    // Docker's log of a logfmt app.
    expect(
      t(
        '{"log":"time=\\"2024-03-05T14:02:11Z\\" level=info msg=\\"job 7 done\\"\\n","stream":"stdout","time":"2024-03-05T14:02:11.381Z"}',
      ),
    ).toBe('[info] job <num> done');
  });

  it('masks as text a logfmt line without a message or error, and a line that is not all key=value', () => {
    expect(t('level=error user=alice id=42 took=30s ip=10.0.0.1 path=/a/b/c')).toBe(
      'level=error user=alice id=<num> took=<num>s ip=<ip> path=<path>',
    );
    expect(t('2024-03-05T14:02:11Z level=info msg="x 1" user=bob')).toBe('<ts> level=info msg="x <num>" user=bob');
    expect(t('level=info msg="x 1" and more')).toBe('level=info msg="x <num>" and more');
    expect(t('level=info msg="x 1"user=bob')).toBe('level=info msg="x <num>"user=bob');
    expect(t('=x msg=y')).toBe('=x msg=y');
  });
});

describe('messageTemplate: access log lines', () => {
  it('builds the template of a Common or Combined Log Format line from its method, path and status', () => {
    expect(
      t('192.168.7.1 - - [05/Mar/2024:14:02:11 +0000] "GET /api/v1/orders/42 HTTP/1.1" 200 512 "-" "curl/8.5.0"'),
    ).toBe('GET /api/v<num>/orders/<num> 200');
    expect(
      t(
        '10.0.0.2 - alice [05/Mar/2024:14:02:12 +0000] "POST /api/v1/orders HTTP/2.0" 500 154 "https://shop.example.com/cart" "Mozilla/5.0 (X11; Linux x86_64)"',
      ),
    ).toBe('POST /api/v<num>/orders 500');
    // Apache's vhost_combined, with a host first; no protocol (HTTP/0.9); nginx's request time after.
    expect(
      t(
        'shop.example.com:443 10.0.0.3 - - [05/Mar/2024:14:02:13 +0000] "GET /static/js/app.3f2a9c1b.js HTTP/1.1" 304 0 "-" "-"',
      ),
    ).toBe('GET /static/js/app.<hex>.js 304');
    expect(
      t('10.0.0.4 - - [05/Mar/2024:14:02:14 +0000] "GET /users/550e8400-e29b-41d4-a716-446655440000/avatar.png" 404 0'),
    ).toBe('GET /users/<uuid>/avatar.png 404');
    expect(
      t('10.0.0.5 - - [05/Mar/2024:14:02:15 +0000] "GET /health HTTP/1.1" 200 2 "-" "kube-probe/1.29" 0.001'),
    ).toBe('GET /health 200');
  });

  it('keeps the keys of a query and masks its values; a target that is no path is masked as text', () => {
    expect(
      t('10.0.0.6 - - [05/Mar/2024:14:02:16 +0000] "GET /search?q=red+shoes&page=2&sort= HTTP/1.1" 200 9120'),
    ).toBe('GET /search?q=<val>&page=<val>&sort= 200');
    expect(t('10.0.0.7 - - [05/Mar/2024:14:02:17 +0000] "CONNECT example.com:443 HTTP/1.1" 405 0')).toBe(
      'CONNECT example.com:<num> 405',
    );
    expect(t('10.0.0.8 - - [05/Mar/2024:14:02:18 +0000] "GET http://10.0.0.1/x/y HTTP/1.1" 400 0')).toBe(
      'GET <url> 400',
    );
  });

  it('reads an access line inside a Docker json-file line (nginx in a container)', () => {
    expect(
      t(String.raw`{"log":"10.0.0.1 - - [05/Mar/2024:14:02:11 +0000] "GET /api/v1/orders/42 HTTP/1.1" 200 512 "-" "curl/8.5.0"
","stream":"stdout","time":"2024-03-05T14:02:11.381Z"}`),
    ).toBe('GET /api/v<num>/orders/<num> 200');
  });

  it('masks as text an access line whose request is no method and target', () => {
    expect(t('10.0.0.9 - - [05/Mar/2024:14:02:19 +0000] "-" 408 0 "-" "-"')).toBe(
      '<ip> - - [<ts>] "<str>" <num> <num> "<str>" "<str>"',
    );
    expect(t('10.0.0.9 - - [05/Mar/2024:14:02:19 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01" 400 166 "-" "-"')).toBe(
      '<ip> - - [<ts>] "<str>" <num> <num> "<str>" "<str>"',
    );
  });
});

describe('messageTemplate: realistic lines', () => {
  it('Java / log4j lines and stack traces', () => {
    expect(
      t(
        '2024-03-05 14:02:11,381 ERROR [http-nio-8080-exec-12] c.e.orders.OrderService - Connection to 10.0.12.34:5432 refused after 1234 ms',
      ),
    ).toBe(
      '<ts> ERROR [http-nio-<num>-exec-<num>] c.e.orders.OrderService - Connection to <ip> refused after <num> ms',
    );
    expect(t('\tat com.example.orders.OrderService.place(OrderService.java:142) ~[orders-1.4.2.jar:1.4.2]')).toBe(
      'at com.example.orders.OrderService.place(OrderService.java:<num>) ~[orders-<num>.jar:<num>]',
    );
    expect(
      t('Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "orders"'),
    ).toBe('Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "<str>"');
    expect(t('\t... 42 common frames omitted')).toBe('... <num> common frames omitted');
  });

  it('nginx access and error logs', () => {
    expect(
      t(
        '192.168.7.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /api/v1/users/42 HTTP/1.1" 500 2326 "-" "Mozilla/5.0 (X11; Linux x86_64)"',
      ),
    ).toBe('GET /api/v<num>/users/<num> 500');
    expect(
      t(
        '2024/03/05 14:02:11 [error] 1234#1234: *5678 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: example.com, request: "GET /x HTTP/1.1", upstream: "http://127.0.0.1:8080/x", host: "example.com"',
      ),
    ).toBe(
      '<ts> [error] <num>#<num>: *<num> connect() failed (<num>: Connection refused) while connecting to upstream, client: <ip>, server: example.com, request: "<str>", upstream: "<str>", host: "<str>"',
    );
  });

  it('syslog sshd', () => {
    expect(
      t('Oct 11 22:14:15 web-01 sshd[4321]: Failed password for invalid user admin from 192.168.1.10 port 52311 ssh2'),
    ).toBe('<ts> web-<num> sshd[<num>]: Failed password for invalid user admin from <ip> port <num> ssh2');
    expect(
      t(
        'Oct  1 02:00:01 web-01 sshd[99]: Accepted publickey for deploy from 2001:db8::1 port 40022 ssh2: RSA SHA256:abc',
      ),
    ).toBe('<ts> web-<num> sshd[<num>]: Accepted publickey for deploy from <ip> port <num> ssh2: RSA SHA256:abc');
  });

  it('Go panics', () => {
    expect(t('panic: runtime error: index out of range [5] with length 3')).toBe(
      'panic: runtime error: index out of range [<num>] with length <num>',
    );
    expect(t('goroutine 17 [running]:')).toBe('goroutine <num> [running]:');
    expect(t('main.(*Server).handle(0xc000123456, {0x7f3a9c, 0x3})')).toBe(
      'main.(*Server).handle(<hex>, {<hex>, <hex>})',
    );
    expect(t('\t/home/app/src/server.go:88 +0x1d')).toBe('<path> +<hex>');
    expect(t('[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f2d5]')).toBe(
      '[signal SIGSEGV: segmentation violation code=<hex> addr=<hex> pc=<hex>]',
    );
  });

  it('Python tracebacks', () => {
    expect(t('Traceback (most recent call last):')).toBe('Traceback (most recent call last):');
    expect(t('  File "/usr/lib/python3.11/site-packages/app/db.py", line 42, in connect')).toBe(
      'File "<str>", line <num>, in connect',
    );
    expect(t("ValueError: invalid literal for int() with base 10: 'abc'")).toBe(
      "ValueError: invalid literal for int() with base <num>: '<str>'",
    );
    expect(t('ConnectionRefusedError: [Errno 111] Connection refused')).toBe(
      'ConnectionRefusedError: [Errno <num>] Connection refused',
    );
  });

  it('logfmt lines', () => {
    expect(
      t(
        'time=2024-03-05T14:02:11Z level=error msg="upstream failed" upstream=http://10.0.0.7:8080/v2/items status=502 duration=811ms id=550e8400-e29b-41d4-a716-446655440000',
      ),
    ).toBe('[error] upstream failed');
    expect(
      t(
        'at=error code=H12 desc="Request timeout" method=GET path="/" host=app.example.com fwd="10.1.2.3" dyno=web.1 connect=0ms service=30001ms status=503',
      ),
    ).toBe(
      'at=error code=H<num> desc="<str>" method=GET path="<str>" host=app.example.com fwd="<str>" dyno=web.<num> connect=<num>ms service=<num>ms status=<num>',
    );
  });
});

describe('messageTemplate: grouping', () => {
  const same: [string, string][] = [
    [
      '2024-03-05 14:02:11,381 ERROR Order 123456 failed: payment declined for user "alice"',
      '2024-03-06 09:00:00,002 ERROR Order 9 failed: payment declined for user "bob"',
    ],
    ['Connection to 10.0.1.2:5432 refused after 1234 ms', 'Connection to 10.0.200.17:5432 refused after 5 ms'],
    ['Timeout calling /api/v1/inventory/12 after 30s', 'Timeout calling /api/v1/inventory/9999 after 5s'],
    ['Unexpected null in request 7f3a00ab12c2e1', 'Unexpected null in request 7f3affffffc2e1'],
    ['job 550e8400-e29b-41d4-a716-446655440000 took 1.5s', 'job 123e4567-e89b-12d3-a456-426614174000 took 250.25s'],
    ['worker-3 lost lease on shard 7', 'worker-12 lost lease on shard 113'],
    ['login failed for bob@example.com from fe80::1', 'login failed for alice.smith@mail.example.org from 10.9.8.7'],
    ['Oct 11 22:14:15 sshd[4321]: session closed', 'Nov  2 01:02:03 sshd[7]: session closed'],
    ['retry  in\t5s ', 'retry in 60s\r'],
  ];
  it.each(same)('gives lines differing only in variable parts one template: %s', (a, b) => {
    expect(t(a)).toBe(t(b));
  });

  it('gives any two lines of the same words with other variable parts one template, without digits', () => {
    const chars = (set: string, min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(...set), minLength: min, maxLength: max });
    const hexId = fc
      .tuple(fc.constantFrom(...'0123456789'), fc.constantFrom(...'abcdefABCDEF'), chars('0123456789abcdef', 6, 30))
      .chain(([digit, letter, rest]) =>
        fc.shuffledSubarray([digit, letter, ...rest], { minLength: rest.length + 2 }).map((all) => all.join('')),
      );
    const variable: fc.Arbitrary<string>[] = [
      fc.oneof(
        fc.integer({ min: -1e9, max: 1e9 }).map(String),
        fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a}.${b}`),
      ),
      fc
        .tuple(fc.array(fc.nat({ max: 255 }), { minLength: 4, maxLength: 4 }), fc.option(fc.nat({ max: 65_535 })))
        .map(([bytes, port]) => `${bytes.join('.')}${port === null ? '' : `:${port}`}`),
      chars('0123456789abcdef', 1, 4).map((group) => `fe80::${group}`),
      fc.uuid(),
      hexId,
      fc.nat().map((n) => `0x${n.toString(16)}`),
      // (Not ending in `.`, which would be taken for the end of a sentence.)
      fc
        .array(fc.tuple(chars('abcxyz0123456789_.-', 0, 7), chars('abz019', 1, 1)), { minLength: 2, maxLength: 5 })
        .map((segments) => `/${segments.map((segment) => segment.join('')).join('/')}`),
      chars('abc XYZ 0189-_.:/@', 0, 20).map((text) => `"${text}"`),
      chars('abc XYZ 0189-_.:/@', 0, 20).map((text) => `'${text}'`),
      fc
        .tuple(chars('abcz0189', 1, 1), chars('abcz0189._+', 0, 8), chars('abcz0189-', 1, 8))
        .map(([first, rest, domain]) => `${first}${rest}@${domain}.com`),
      fc
        .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true })
        .map((date) => date.toISOString()),
      fc.nat().map((n) => `id=${n}`),
    ];
    const word = fc.constantFrom(
      'ERROR',
      'WARN',
      'Order',
      'failed',
      'connect',
      'user',
      'timeout',
      'retry',
      'for',
      'to',
      'from',
      'in',
      'after',
      'refused',
    );
    // Each part as it is in two lines: a word the same in both, a variable part of one kind with other values.
    const part = fc.oneof(
      word.map((w): [string, string] => [w, w]),
      fc.nat({ max: variable.length - 1 }).chain((kind) => fc.tuple(variable[kind]!, variable[kind]!)),
      // A duration: another number, the same unit.
      fc
        .tuple(fc.nat({ max: 99_999 }), fc.nat({ max: 99_999 }), fc.constantFrom('ms', 's', 'h', 'MB', '%', 'KiB'))
        .map(([a, b, unit]): [string, string] => [`${a}${unit}`, `${b}${unit}`]),
    );
    const separator = fc.constantFrom(' ', ' - ', ', ', ' | ', '  ', '\t');
    fc.assert(
      fc.property(fc.array(fc.tuple(part, separator), { minLength: 1, maxLength: 12 }), (parts) => {
        const a = parts.map(([[value], sep]) => value + sep).join('');
        const b = parts.map(([[, value], sep]) => value + sep).join('');
        expect(t(a)).toBe(t(b));
        expect(t(a)).not.toMatch(/\d/);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives lines with different messages different templates', () => {
    const lines = [
      'ERROR Connection to 10.0.1.2:5432 refused',
      'ERROR Connection to 10.0.1.2:5432 reset',
      'ERROR Order 1 failed: payment declined',
      'ERROR Order 1 failed: out of stock',
      'WARN Order 1 failed: payment declined',
      'level=error msg="disk full"',
      'level=error msg="disk slow"',
      'level=warn msg="disk full"',
    ];
    expect(new Set(lines.map(t)).size).toBe(lines.length);
  });
});

describe('messageTemplate: edge cases', () => {
  it('gives an empty template for an empty or blank line', () => {
    expect(t('')).toBe('');
    expect(t('   \t ')).toBe('');
    expect(t('\r')).toBe('');
    expect(t('\r\n')).toBe('');
  });

  it('caps the template at 300 characters, the last of them …', () => {
    const long = `start ${'word '.repeat(200)}`;
    const template = t(long);
    expect(template).toHaveLength(300);
    expect(template).toBe(`${long.slice(0, 299)}…`);
    // Masking happens before the cut, and the cut is the same however long the rest is.
    const numbers = `${'1 '.repeat(100)}end`;
    expect(t(numbers)).toBe(`${'<num> '.repeat(100).slice(0, 299)}…`);
    expect(t(`${numbers} and more`)).toBe(t(numbers));
    expect(t('x'.repeat(300))).toBe('x'.repeat(300));
    expect(t('x'.repeat(301))).toBe(`${'x'.repeat(299)}…`);
  });

  it('never cuts between the halves of a surrogate pair', () => {
    expect(t(`${'a'.repeat(298)}😀😀😀`)).toBe(`${'a'.repeat(298)}…`);
    expect(t(`${'a'.repeat(297)}😀😀😀`)).toBe(`${'a'.repeat(297)}😀…`);
  });

  it('keeps unicode text, and masks around it', () => {
    expect(t('Benutzer „Jürgen“ nicht gefunden: 42 Versuche')).toBe('Benutzer „Jürgen“ nicht gefunden: <num> Versuche');
    expect(t('用户 42 登录失败 😀 from 10.0.0.1')).toBe('用户 <num> 登录失败 😀 from <ip>');
    expect(t('café42 naïve-7')).toBe('café<num> naïve-<num>');
  });

  it('stays fast on long and pathological lines', () => {
    const units = [
      'a',
      'a.',
      'a:',
      'ab-',
      'a-1',
      '1.',
      '1-',
      '"\\"',
      "'a",
      '/a',
      'a1',
      ' ',
      '::',
      '0x',
      'deadbeef-',
      '\\',
      '{"a":',
      '["',
      '\\u00e9',
      '{"msg":"x"},',
    ];
    const started = performance.now();
    for (const unit of units) {
      for (const line of [
        unit.repeat(50_000),
        `msg="${unit.repeat(50_000)}"`,
        `"${unit.repeat(50_000)}`,
        `{"msg":"${unit.repeat(50_000)}`,
        `{"a":${unit.repeat(50_000)}`,
      ]) {
        expect(t(line).length).toBeLessThanOrEqual(300);
      }
    }
    // About a millisecond each here; the bound only catches a quadratic blow-up.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('is deterministic, whatever was masked before', () => {
    const line = '{"msg":"a 1 \\"b\\"","x":"y"} 2024-03-05 10.0.0.1 "q"';
    const first = t(line);
    t('"unterminated');
    t(`msg="${'z'.repeat(1000)}"`);
    expect(t(line)).toBe(first);
  });
});

describe('TemplateTallies', () => {
  it('tallies templates in first-seen order, with counts, first and last lines and the first line as the example', () => {
    const tallies = new TemplateTallies();
    tallies.add('ERROR job 1 failed\r', 3);
    tallies.add('ERROR disk full', 4);
    tallies.add('ERROR job 22 failed', 9);
    tallies.add('ERROR job 333 failed', 12);
    expect(tallies.entries()).toEqual([
      ['ERROR job <num> failed', { count: 3, example: 'ERROR job 1 failed', firstLine: 3, lastLine: 12 }],
      ['ERROR disk full', { count: 1, example: 'ERROR disk full', firstLine: 4, lastLine: 4 }],
    ]);
    expect(tallies.overflow).toBe(0);
  });

  it('caps the example at 500 characters', () => {
    const tallies = new TemplateTallies();
    const line = `ERROR ${'x'.repeat(600)}\r\n`;
    tallies.add(line, 1);
    const [[, tally]] = tallies.entries() as [[string, TemplateTally]];
    expect(tally.example).toBe(`${line.slice(0, 499)}…`);
  });

  it('keeps at most maxTemplates templates and counts the lines of further ones as overflow', () => {
    const tallies = new TemplateTallies(2);
    tallies.add('a 1', 1);
    tallies.add('b 1', 2);
    tallies.add('c 1', 3);
    tallies.add('a 2', 4);
    tallies.add('c 2', 5);
    tallies.add('d', 6);
    tallies.add('b 3', 7);
    expect(tallies.entries()).toEqual([
      ['a <num>', { count: 2, example: 'a 1', firstLine: 1, lastLine: 4 }],
      ['b <num>', { count: 2, example: 'b 1', firstLine: 2, lastLine: 7 }],
    ]);
    expect(tallies.overflow).toBe(3);
    const none = new TemplateTallies(0);
    none.add('a', 1);
    expect(none.entries()).toEqual([]);
    expect(none.overflow).toBe(1);
  });

  it('keeps 10000 templates by default', () => {
    const tallies = new TemplateTallies();
    const name = (i: number) => i.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)]!);
    for (let i = 0; i < 10_002; i++) tallies.add(`event ${name(i)}`, i + 1);
    expect(tallies.entries()).toHaveLength(10_000);
    expect(tallies.overflow).toBe(2);
  });

  it('refuses a bound that is not a whole number ≥ 0', () => {
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => new TemplateTallies(bad)).toThrow(RangeError);
    expect(() => new TemplateTallies(Number.POSITIVE_INFINITY)).not.toThrow();
  });

  it('hands out copies', () => {
    const tallies = new TemplateTallies();
    tallies.add('x 1', 1);
    tallies.entries()[0]![1].count = 99;
    tallies.add('x 2', 2);
    expect(tallies.entries()[0]![1]).toEqual({ count: 2, example: 'x 1', firstLine: 1, lastLine: 2 });
  });
});

describe('mergeTallies', () => {
  const tally = (count: number, example: string, firstLine: number, lastLine: number): TemplateTally => ({
    count,
    example,
    firstLine,
    lastLine,
  });

  it('adds counts, keeps example and firstLine of the earliest part and lastLine of the latest', () => {
    const into = new Map<string, TemplateTally>();
    mergeTallies(into, [
      ['a <num>', tally(2, 'a 1', 1, 5)],
      ['b', tally(1, 'b', 3, 3)],
    ]);
    mergeTallies(into, [
      ['c', tally(1, 'c', 11, 11)],
      ['a <num>', tally(3, 'a 7', 12, 20)],
    ]);
    mergeTallies(into, [['b', tally(4, 'b!', 21, 30)]]);
    expect([...into]).toEqual([
      ['a <num>', tally(5, 'a 1', 1, 20)],
      ['b', tally(5, 'b', 3, 30)],
      ['c', tally(1, 'c', 11, 11)],
    ]);
  });

  it('takes copies of the tallies it adds', () => {
    const from: [string, TemplateTally][] = [['a', tally(1, 'a', 1, 1)]];
    const into = new Map<string, TemplateTally>();
    mergeTallies(into, from);
    mergeTallies(into, [['a', tally(1, 'a', 2, 2)]]);
    expect(from[0]![1]).toEqual(tally(1, 'a', 1, 1));
    expect(into.get('a')).toEqual(tally(2, 'a', 1, 2));
  });

  it('merges TemplateTallies of consecutive parts as one TemplateTallies of all the lines', () => {
    const lines = ['x 1', 'y', 'x 2', 'z 5', 'y', 'x 3', 'z 6', 'w'];
    const whole = new TemplateTallies();
    lines.forEach((line, i) => whole.add(line, i + 1));
    const into = new Map<string, TemplateTally>();
    for (const [from, to] of [
      [0, 3],
      [3, 5],
      [5, 8],
    ] as const) {
      const part = new TemplateTallies();
      lines.slice(from, to).forEach((line, i) => part.add(line, from + i + 1));
      mergeTallies(into, part.entries());
    }
    expect([...into]).toEqual(whole.entries());
  });
});

describe('topTemplates', () => {
  const tally = (count: number, firstLine: number): TemplateTally => ({
    count,
    example: '',
    firstLine,
    lastLine: firstLine,
  });

  it('ranks by count, then first line, then template text', () => {
    const tallies = new Map<string, TemplateTally>([
      ['d', tally(1, 1)],
      ['c', tally(5, 9)],
      ['b', tally(5, 2)],
      ['z', tally(7, 30)],
      ['a', tally(5, 9)],
    ]);
    expect(topTemplates(tallies, 4).map(([template]) => template)).toEqual(['z', 'b', 'a', 'c']);
    expect(topTemplates(tallies, 10).map(([template]) => template)).toEqual(['z', 'b', 'a', 'c', 'd']);
    expect(topTemplates(tallies, 0)).toEqual([]);
    expect(topTemplates(new Map(), 3)).toEqual([]);
  });

  it('puts an unknown first line (NaN) after known ones', () => {
    const tallies = new Map<string, TemplateTally>([
      ['a', tally(2, Number.NaN)],
      ['b', tally(2, 40)],
      ['c', tally(2, Number.NaN)],
    ]);
    expect(topTemplates(tallies, 3).map(([template]) => template)).toEqual(['b', 'a', 'c']);
  });

  it('leaves the map as it is', () => {
    const tallies = new Map<string, TemplateTally>([
      ['a', tally(1, 1)],
      ['b', tally(2, 2)],
    ]);
    topTemplates(tallies, 1);
    expect([...tallies.keys()]).toEqual(['a', 'b']);
  });
});
