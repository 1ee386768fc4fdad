import { describe, expect, it } from 'vitest';
import { messageTemplate } from '../src/insight/message-template.js';

/*
 * Top-message templates on lines of public log formats, written for these tests in the
 * shape each format has (none copied from a real log): the template each line becomes,
 * and which lines share one (line numbers from 0), as a person reading the log would
 * group them. Where a person might group further than a mask of one line can, the
 * sample says so.
 */

interface Sample {
  /** Each line with its template. */
  lines: [line: string, template: string][];
  /** Lines that share a template, in the order their templates first appear. */
  groups: number[][];
}

/** The lines of `lines` that share a template, in the order the templates first appear. */
function groupsOf(lines: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  lines.forEach((line, i) => {
    const template = messageTemplate(line);
    groups.set(template, [...(groups.get(template) ?? []), i]);
  });
  return [...groups.values()];
}

const samples: Record<string, Sample> = {
  // Apache's error log: 2.2's, and 2.4's with microseconds, the module and the pid. One message a template, whatever the weekday.
  apacheError: {
    lines: [
      [
        '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
        '[<ts>] [notice] workerEnv.init() ok <path>',
      ],
      [
        '[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6',
        '[<ts>] [error] mod_jk child workerEnv in error state <num>',
      ],
      [
        '[Sun Dec 04 04:51:08 2005] [notice] jk2_init() Found child 6725 in scoreboard slot 10',
        '[<ts>] [notice] jk<num>_init() Found child <num> in scoreboard slot <num>',
      ],
      [
        '[Sun Dec 04 04:51:09 2005] [notice] jk2_init() Found child 6726 in scoreboard slot 8',
        '[<ts>] [notice] jk<num>_init() Found child <num> in scoreboard slot <num>',
      ],
      [
        '[Mon Dec 05 06:35:27 2005] [error] mod_jk child workerEnv in error state 7',
        '[<ts>] [error] mod_jk child workerEnv in error state <num>',
      ],
      [
        '[Mon Dec 05 07:57:02 2005] [error] [client 10.1.2.3] Directory index forbidden by rule: /var/www/html/',
        '[<ts>] [error] [client <ip>] Directory index forbidden by rule: <path>',
      ],
      [
        '[Tue Dec 06 19:17:18 2005] [error] [client 172.16.9.44] Directory index forbidden by rule: /var/www/html/',
        '[<ts>] [error] [client <ip>] Directory index forbidden by rule: <path>',
      ],
      [
        '[Wed Dec 07 07:01:31 2005] [error] [client 203.0.113.9] File does not exist: /var/www/html/favicon.ico',
        '[<ts>] [error] [client <ip>] File does not exist: <path>',
      ],
      [
        '[Thu Dec 08 11:42:10 2005] [error] [client 198.51.100.23] File does not exist: /var/www/html/robots.txt',
        '[<ts>] [error] [client <ip>] File does not exist: <path>',
      ],
      [
        '[Fri Dec 09 00:00:01 2005] [error] mod_jk child workerEnv in error state 6',
        '[<ts>] [error] mod_jk child workerEnv in error state <num>',
      ],
      [
        '[Sat Dec 10 13:15:52 2005] [error] [client 10.1.2.3] script not found or unable to stat: /var/www/cgi-bin/awstats.pl',
        '[<ts>] [error] [client <ip>] script not found or unable to stat: <path>',
      ],
      [
        '[Wed Oct 11 14:32:52.123456 2023] [core:error] [pid 1234:tid 140362] [client 10.0.0.8:51234] AH00126: Invalid URI in request GET /../../etc/passwd HTTP/1.1',
        '[<ts>] [core:error] [pid <num>:tid <num>] [client <ip>] AH<num>: Invalid URI in request GET <path> HTTP/<num>',
      ],
      [
        '[Thu Oct 12 09:03:01.998001 2023] [core:error] [pid 1240:tid 140370] [client 10.0.0.9:40022] AH00126: Invalid URI in request GET /cgi-bin/../../bin/sh HTTP/1.1',
        '[<ts>] [core:error] [pid <num>:tid <num>] [client <ip>] AH<num>: Invalid URI in request GET <path> HTTP/<num>',
      ],
    ],
    groups: [[0], [1, 4, 9], [2, 3], [5, 6], [7, 8], [10], [11, 12]],
  },
  // Apache's and nginx's Combined Log Format: method, path shape and status. The last line's request is TLS bytes sent to a plain port: no method, masked as text.
  access: {
    lines: [
      [
        '192.168.7.1 - - [05/Mar/2024:14:02:11 +0000] "GET /api/v1/orders/42 HTTP/1.1" 200 512 "-" "curl/8.5.0"',
        'GET /api/v<num>/orders/<num> 200',
      ],
      [
        '10.0.0.2 - alice [05/Mar/2024:14:02:12 +0000] "GET /api/v1/orders/1337 HTTP/1.1" 200 498 "https://shop.example.com/cart" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"',
        'GET /api/v<num>/orders/<num> 200',
      ],
      [
        '10.0.0.3 - - [05/Mar/2024:14:02:12 +0000] "GET /api/v1/orders/77 HTTP/1.1" 404 0 "-" "python-requests/2.31.0"',
        'GET /api/v<num>/orders/<num> 404',
      ],
      [
        '10.0.0.2 - alice [05/Mar/2024:14:02:13 +0000] "POST /api/v1/orders HTTP/1.1" 201 87 "https://shop.example.com/cart" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"',
        'POST /api/v<num>/orders 201',
      ],
      [
        '10.0.0.4 - - [05/Mar/2024:14:02:14 +0000] "POST /api/v1/orders HTTP/2.0" 502 157 "-" "okhttp/4.12.0"',
        'POST /api/v<num>/orders 502',
      ],
      [
        '10.0.0.5 - - [05/Mar/2024:14:02:15 +0000] "GET /health HTTP/1.1" 200 2 "-" "kube-probe/1.29"',
        'GET /health 200',
      ],
      [
        '10.0.0.5 - - [05/Mar/2024:14:02:25 +0000] "GET /health HTTP/1.1" 200 2 "-" "kube-probe/1.29"',
        'GET /health 200',
      ],
      [
        '10.0.0.6 - - [05/Mar/2024:14:02:16 +0000] "GET /static/js/app.3f2a9c1b.js HTTP/1.1" 200 48213 "https://shop.example.com/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15"',
        'GET /static/js/app.<hex>.js 200',
      ],
      [
        '10.0.0.7 - - [05/Mar/2024:14:02:17 +0000] "GET /static/js/app.9e8d7c6b.js HTTP/1.1" 304 0 "https://shop.example.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"',
        'GET /static/js/app.<hex>.js 304',
      ],
      [
        '10.0.0.8 - - [05/Mar/2024:14:02:18 +0000] "GET /search?q=red+shoes&page=2 HTTP/1.1" 200 9120 "-" "Mozilla/5.0"',
        'GET /search?q=<val>&page=<val> 200',
      ],
      [
        '10.0.0.9 - - [05/Mar/2024:14:02:19 +0000] "GET /search?q=boots&page=1 HTTP/1.1" 200 8877 "-" "Mozilla/5.0"',
        'GET /search?q=<val>&page=<val> 200',
      ],
      [
        '203.0.113.50 - - [05/Mar/2024:14:02:20 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" "Mozilla/5.0 (compatible; Googlebot/2.1)"',
        'GET /wp-login.php 404',
      ],
      [
        String.raw`203.0.113.51 - - [05/Mar/2024:14:02:21 +0000] "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" 400 157 "-" "-"`,
        '<ip> - - [<ts>] "<str>" <num> <num> "<str>" "<str>"',
      ],
    ],
    groups: [[0, 1], [2], [3], [4], [5, 6], [7], [8], [9, 10], [11], [12]],
  },
  // Linux /var/log/auth.log (syslog): sshd, sudo, cron. A person might also put 0 with 1, and 11 with 12 (one attacker trying user names):
  // a user name is a word, and a mask of one line cannot tell it from the message's words. The same key's fingerprint (3, 9) groups.
  authLog: {
    lines: [
      [
        'Mar  5 14:02:11 web-01 sshd[4321]: Failed password for invalid user admin from 203.0.113.9 port 52311 ssh2',
        '<ts> web-<num> sshd[<num>]: Failed password for invalid user admin from <ip> port <num> ssh2',
      ],
      [
        'Mar  5 14:02:13 web-01 sshd[4321]: Failed password for invalid user oracle from 203.0.113.9 port 52318 ssh2',
        '<ts> web-<num> sshd[<num>]: Failed password for invalid user oracle from <ip> port <num> ssh2',
      ],
      [
        'Mar  5 14:02:14 web-01 sshd[4321]: Connection closed by invalid user admin 203.0.113.9 port 52311 [preauth]',
        '<ts> web-<num> sshd[<num>]: Connection closed by invalid user admin <ip> port <num> [preauth]',
      ],
      [
        'Mar  5 14:02:15 web-01 sshd[4330]: Accepted publickey for deploy from 10.0.4.17 port 40022 ssh2: ED25519 SHA256:mG3bX9kq0Yb1vS2fW8e7dL4cR6tN5pJ3hU1aZ0xQwEo',
        '<ts> web-<num> sshd[<num>]: Accepted publickey for deploy from <ip> port <num> ssh2: ED<num> SHA256:mG<num>bX<num>kq<num>Yb<num>vS<num>fW<num>e<num>dL<num>cR<num>tN<num>pJ<num>hU<num>aZ<num>xQwEo',
      ],
      [
        'Mar  5 14:02:15 web-01 sshd[4330]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)',
        '<ts> web-<num> sshd[<num>]: pam_unix(sshd:session): session opened for user deploy(uid=<num>) by (uid=<num>)',
      ],
      [
        'Mar  5 14:02:16 web-01 sshd[4340]: Received disconnect from 198.51.100.23 port 61022:11: Bye Bye [preauth]',
        '<ts> web-<num> sshd[<num>]: Received disconnect from <ip> port <num>:<num>: Bye Bye [preauth]',
      ],
      [
        'Mar  5 14:02:17 web-01 sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx',
        '<ts> web-<num> sudo: deploy : TTY=pts/<num> ; PWD=<path> ; USER=root ; COMMAND=<path> restart nginx',
      ],
      [
        'Mar  5 14:02:18 web-01 CRON[5012]: pam_unix(cron:session): session closed for user root',
        '<ts> web-<num> CRON[<num>]: pam_unix(cron:session): session closed for user root',
      ],
      [
        'Mar  5 14:03:01 web-01 CRON[5101]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
        '<ts> web-<num> CRON[<num>]: pam_unix(cron:session): session opened for user root(uid=<num>) by (uid=<num>)',
      ],
      [
        'Mar 15 09:00:55 web-01 sshd[5200]: Accepted publickey for deploy from 10.0.4.18 port 40100 ssh2: ED25519 SHA256:mG3bX9kq0Yb1vS2fW8e7dL4cR6tN5pJ3hU1aZ0xQwEo',
        '<ts> web-<num> sshd[<num>]: Accepted publickey for deploy from <ip> port <num> ssh2: ED<num> SHA256:mG<num>bX<num>kq<num>Yb<num>vS<num>fW<num>e<num>dL<num>cR<num>tN<num>pJ<num>hU<num>aZ<num>xQwEo',
      ],
      [
        'Mar 15 09:01:40 web-01 sshd[5200]: pam_unix(sshd:session): session closed for user deploy',
        '<ts> web-<num> sshd[<num>]: pam_unix(sshd:session): session closed for user deploy',
      ],
      [
        'Mar 15 09:02:02 web-01 sshd[5301]: Invalid user test from 192.0.2.77 port 33440',
        '<ts> web-<num> sshd[<num>]: Invalid user test from <ip> port <num>',
      ],
      [
        'Mar 15 09:02:03 web-01 sshd[5302]: Invalid user ubuntu from 192.0.2.78 port 33452',
        '<ts> web-<num> sshd[<num>]: Invalid user ubuntu from <ip> port <num>',
      ],
    ],
    groups: [[0], [1], [2], [3, 9], [4], [5], [6], [7], [8], [10], [11], [12]],
  },
  // Docker's json-file driver: each line's `log` is the template, whatever its stream and time; a JSON app's line inside it (8, 9) is read as one.
  dockerJsonFile: {
    lines: [
      [
        String.raw`{"log":"GET /health 200 3ms\n","stream":"stdout","time":"2024-03-05T14:02:11.381249551Z"}`,
        'GET /health <num> <num>ms',
      ],
      [
        String.raw`{"log":"GET /health 200 11ms\n","stream":"stdout","time":"2024-03-05T14:02:21.390110002Z"}`,
        'GET /health <num> <num>ms',
      ],
      [
        String.raw`{"log":"POST /api/v1/orders 201 48ms\n","stream":"stdout","time":"2024-03-05T14:02:12.002871553Z"}`,
        'POST <path> <num> <num>ms',
      ],
      [
        String.raw`{"log":"POST /api/v1/orders 500 5003ms\n","stream":"stdout","time":"2024-03-05T14:02:17.120030811Z"}`,
        'POST <path> <num> <num>ms',
      ],
      [
        String.raw`{"log":"2024-03-05T14:02:17.119Z ERROR [orders] upstream 10.0.3.7:8080 timed out after 5000 ms\n","stream":"stderr","time":"2024-03-05T14:02:17.119553820Z"}`,
        '<ts> ERROR [orders] upstream <ip> timed out after <num> ms',
      ],
      [
        String.raw`{"log":"2024-03-05T14:02:29.004Z ERROR [orders] upstream 10.0.3.9:8080 timed out after 5000 ms\n","stream":"stderr","time":"2024-03-05T14:02:29.004312398Z"}`,
        '<ts> ERROR [orders] upstream <ip> timed out after <num> ms',
      ],
      [
        String.raw`{"log":"Error: connect ECONNREFUSED 10.0.3.7:5432\n","stream":"stderr","time":"2024-03-05T14:02:30.000100200Z"}`,
        'Error: connect ECONNREFUSED <ip>',
      ],
      [
        String.raw`{"log":"    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n","stream":"stderr","time":"2024-03-05T14:02:30.000210300Z"}`,
        'at TCPConnectWrap.afterConnect [as oncomplete] (node:net:<num>:<num>)',
      ],
      [
        String.raw`{"log":"{\"level\":\"warn\",\"time\":1709647351000,\"msg\":\"cache miss for key \\\"cart:42\\\"\"}\n","stream":"stdout","time":"2024-03-05T14:02:31.000011000Z"}`,
        '[warn] cache miss for key "<str>"',
      ],
      [
        String.raw`{"log":"{\"level\":\"warn\",\"time\":1709647352000,\"msg\":\"cache miss for key \\\"cart:7\\\"\"}\n","stream":"stdout","time":"2024-03-05T14:02:32.000011000Z"}`,
        '[warn] cache miss for key "<str>"',
      ],
      [
        String.raw`{"log":"Server listening on port 8080 \u2014 ready\n","stream":"stdout","time":"2024-03-05T14:02:10.000000001Z"}`,
        'Server listening on port <num> — ready',
      ],
      [
        String.raw`{"log":"Caf\u00e9 menu refreshed: 12 items\r\n","stream":"stdout","time":"2024-03-05T14:02:40.500000000Z"}`,
        'Café menu refreshed: <num> items',
      ],
    ],
    groups: [[0, 1], [2, 3], [4, 5], [6], [7], [8, 9], [10], [11]],
  },
  // A Kafka broker's log4j lines. A person might also put 0 with 1, and 8 with 9: topic names (`orders`, `payments`) are words, kept as any word is.
  kafka: {
    lines: [
      [
        '[2024-03-05 14:02:11,381] INFO [ReplicaFetcher replicaId=1, leaderId=0, fetcherId=0] Truncating partition orders-3 to local high watermark 0 (kafka.server.ReplicaFetcherThread)',
        '[<ts>] INFO [ReplicaFetcher replicaId=<num>, leaderId=<num>, fetcherId=<num>] Truncating partition orders-<num> to local high watermark <num> (kafka.server.ReplicaFetcherThread)',
      ],
      [
        '[2024-03-05 14:02:11,402] INFO [ReplicaFetcher replicaId=1, leaderId=2, fetcherId=1] Truncating partition payments-11 to local high watermark 52311 (kafka.server.ReplicaFetcherThread)',
        '[<ts>] INFO [ReplicaFetcher replicaId=<num>, leaderId=<num>, fetcherId=<num>] Truncating partition payments-<num> to local high watermark <num> (kafka.server.ReplicaFetcherThread)',
      ],
      [
        '[2024-03-05 14:02:12,007] INFO [GroupCoordinator 1]: Preparing to rebalance group payments-consumer in state PreparingRebalance with old generation 41 (__consumer_offsets-17) (reason: Adding new member) (kafka.coordinator.group.GroupCoordinator)',
        '[<ts>] INFO [GroupCoordinator <num>]: Preparing to rebalance group payments-consumer in state PreparingRebalance with old generation <num> (__consumer_offsets-<num>) (reason: Adding new member) (kafka.coordinator.group.GroupCoordinator)',
      ],
      [
        '[2024-03-05 14:02:12,913] INFO [GroupCoordinator 1]: Stabilized group payments-consumer generation 42 (__consumer_offsets-17) with 3 members (kafka.coordinator.group.GroupCoordinator)',
        '[<ts>] INFO [GroupCoordinator <num>]: Stabilized group payments-consumer generation <num> (__consumer_offsets-<num>) with <num> members (kafka.coordinator.group.GroupCoordinator)',
      ],
      [
        '[2024-03-05 14:02:13,551] INFO [LocalLog partition=orders-3, dir=/var/lib/kafka/data] Rolled new log segment at offset 1048576 in 3 ms. (kafka.log.LocalLog)',
        '[<ts>] INFO [LocalLog partition=orders-<num>, dir=<path>] Rolled new log segment at offset <num> in <num> ms. (kafka.log.LocalLog)',
      ],
      [
        '[2024-03-05 14:02:13,602] INFO [LocalLog partition=orders-7, dir=/var/lib/kafka/data] Rolled new log segment at offset 2097152 in 12 ms. (kafka.log.LocalLog)',
        '[<ts>] INFO [LocalLog partition=orders-<num>, dir=<path>] Rolled new log segment at offset <num> in <num> ms. (kafka.log.LocalLog)',
      ],
      [
        '[2024-03-05 14:02:14,100] WARN [ReplicaFetcher replicaId=1, leaderId=2, fetcherId=0] Error in response for fetch request (type=FetchRequest, replicaId=1, maxWait=500, minBytes=1) (kafka.server.ReplicaFetcherThread)',
        '[<ts>] WARN [ReplicaFetcher replicaId=<num>, leaderId=<num>, fetcherId=<num>] Error in response for fetch request (type=FetchRequest, replicaId=<num>, maxWait=<num>, minBytes=<num>) (kafka.server.ReplicaFetcherThread)',
      ],
      [
        '[2024-03-05 14:02:15,020] INFO [Controller id=0] Newly added brokers: 2, deleted brokers: , bringing up brokers: 2, all live brokers: 0,1,2 (kafka.controller.KafkaController)',
        '[<ts>] INFO [Controller id=<num>] Newly added brokers: <num>, deleted brokers: , bringing up brokers: <num>, all live brokers: <num>,<num>,<num> (kafka.controller.KafkaController)',
      ],
      [
        '[2024-03-05 14:02:16,733] ERROR [ReplicaManager broker=1] Error processing append operation on partition orders-3 (kafka.server.ReplicaManager)',
        '[<ts>] ERROR [ReplicaManager broker=<num>] Error processing append operation on partition orders-<num> (kafka.server.ReplicaManager)',
      ],
      [
        '[2024-03-05 14:02:16,734] ERROR [ReplicaManager broker=1] Error processing append operation on partition payments-0 (kafka.server.ReplicaManager)',
        '[<ts>] ERROR [ReplicaManager broker=<num>] Error processing append operation on partition payments-<num> (kafka.server.ReplicaManager)',
      ],
      [
        '[2024-03-05 14:02:17,001] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)',
        '[<ts>] INFO [KafkaServer id=<num>] started (kafka.server.KafkaServer)',
      ],
      [
        '[2024-03-05 14:02:18,250] INFO [Log partition=__consumer_offsets-17, dir=/var/lib/kafka/data] Deleting segment files LogSegment(baseOffset=0, size=1024, lastModifiedTime=1709647331000, largestRecordTimestamp=Some(1709647330999)) (kafka.log.LocalLog$)',
        '[<ts>] INFO [Log partition=__consumer_offsets-<num>, dir=<path>] Deleting segment files LogSegment(baseOffset=<num>, size=<num>, lastModifiedTime=<num>, largestRecordTimestamp=Some(<num>)) (kafka.log.LocalLog$)',
      ],
    ],
    groups: [[0], [1], [2], [3], [4, 5], [6], [7], [8], [9], [10], [11]],
  },
  // HDFS (Hadoop 0.x DataNode and NameNode): block ids positive or negative, IPs with ports after a `/`. The date (`081109 203615`) is digits only: numbers.
  hdfs: {
    lines: [
      [
        '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating',
        '<num> <num> <num> INFO dfs.DataNode$PacketResponder: PacketResponder <num> for block blk_<num> terminating',
      ],
      [
        '081109 203615 149 INFO dfs.DataNode$PacketResponder: PacketResponder 2 for block blk_-6952295868487656571 terminating',
        '<num> <num> <num> INFO dfs.DataNode$PacketResponder: PacketResponder <num> for block blk_<num> terminating',
      ],
      [
        '081109 203807 222 INFO dfs.DataNode$PacketResponder: Received block blk_-6952295868487656571 of size 67108864 from /10.251.42.84',
        '<num> <num> <num> INFO dfs.DataNode$PacketResponder: Received block blk_<num> of size <num> from /<ip>',
      ],
      [
        '081109 203808 223 INFO dfs.DataNode$PacketResponder: Received block blk_7128370237687728475 of size 3541 from /10.251.73.220',
        '<num> <num> <num> INFO dfs.DataNode$PacketResponder: Received block blk_<num> of size <num> from /<ip>',
      ],
      [
        '081109 204005 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864',
        '<num> <num> <num> INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: <ip> is added to blk_<num> size <num>',
      ],
      [
        '081109 204006 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.250.19.102:50010 is added to blk_-1608999687919862906 size 91178',
        '<num> <num> <num> INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: <ip> is added to blk_<num> size <num>',
      ],
      [
        '081109 204106 329 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010',
        '<num> <num> <num> INFO dfs.DataNode$DataXceiver: Receiving block blk_<num> src: /<ip> dest: /<ip>',
      ],
      [
        '081109 204107 330 INFO dfs.DataNode$DataXceiver: Receiving block blk_38865049064139660 src: /10.251.42.84:57069 dest: /10.251.42.84:50010',
        '<num> <num> <num> INFO dfs.DataNode$DataXceiver: Receiving block blk_<num> src: /<ip> dest: /<ip>',
      ],
      [
        '081109 204132 26 INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_200811092030_0001_m_000590_0/part-00590. blk_-1727475099218615100',
        '<num> <num> <num> INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: <path>. blk_<num>',
      ],
      [
        '081109 204133 26 INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_200811092030_0001_m_000591_0/part-00591. blk_5033720284938000',
        '<num> <num> <num> INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: <path>. blk_<num>',
      ],
      [
        '081110 103544 31 WARN dfs.DataNode$DataXceiver: 10.251.30.6:50010:Got exception while serving blk_-2918118818249673980 to /10.251.90.64:',
        '<num> <num> <num> WARN dfs.DataNode$DataXceiver: <ip>:Got exception while serving blk_<num> to /<ip>:',
      ],
      [
        '081110 103545 32 WARN dfs.DataNode$DataXceiver: 10.251.39.144:50010:Got exception while serving blk_7128370237687728475 to /10.251.42.84:',
        '<num> <num> <num> WARN dfs.DataNode$DataXceiver: <ip>:Got exception while serving blk_<num> to /<ip>:',
      ],
      [
        '081111 090015 19 INFO dfs.DataBlockScanner: Verification succeeded for blk_-4980916519894289629',
        '<num> <num> <num> INFO dfs.DataBlockScanner: Verification succeeded for blk_<num>',
      ],
    ],
    groups: [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11], [12]],
  },
  // Android's `logcat -v threadtime`: month-day date, pid, tid, priority, tag.
  logcat: {
    lines: [
      [
        '03-05 14:02:11.381  1234  5678 I ActivityManager: Start proc 4321:com.example.app/u0a123 for activity {com.example.app/com.example.app.MainActivity}',
        '<ts> <num> <num> I ActivityManager: Start proc <num>:com.example.app/u<num>a<num> for activity {com.example.app/com.example.app.MainActivity}',
      ],
      [
        '03-05 14:02:11.512  1234  1290 W ActivityManager: Slow operation: 112ms so far, now at startProcess: done updating battery stats',
        '<ts> <num> <num> W ActivityManager: Slow operation: <num>ms so far, now at startProcess: done updating battery stats',
      ],
      [
        '03-05 14:02:11.890  1234  1290 W ActivityManager: Slow operation: 57ms so far, now at startProcess: done updating battery stats',
        '<ts> <num> <num> W ActivityManager: Slow operation: <num>ms so far, now at startProcess: done updating battery stats',
      ],
      [
        '03-05 14:02:12.001  4321  4321 E AndroidRuntime: FATAL EXCEPTION: main',
        '<ts> <num> <num> E AndroidRuntime: FATAL EXCEPTION: main',
      ],
      [
        '03-05 14:02:12.002  4321  4321 E AndroidRuntime: Process: com.example.app, PID: 4321',
        '<ts> <num> <num> E AndroidRuntime: Process: com.example.app, PID: <num>',
      ],
      [
        "03-05 14:02:12.003  4321  4321 E AndroidRuntime: java.lang.NullPointerException: Attempt to invoke virtual method 'int java.lang.String.length()' on a null object reference",
        "<ts> <num> <num> E AndroidRuntime: java.lang.NullPointerException: Attempt to invoke virtual method '<str>' on a null object reference",
      ],
      [
        '03-05 14:02:12.004  4321  4321 E AndroidRuntime: \tat com.example.app.MainActivity.onCreate(MainActivity.java:42)',
        '<ts> <num> <num> E AndroidRuntime: at com.example.app.MainActivity.onCreate(MainActivity.java:<num>)',
      ],
      [
        '03-05 14:02:12.005  4321  4321 E AndroidRuntime: \tat android.app.Activity.performCreate(Activity.java:8305)',
        '<ts> <num> <num> E AndroidRuntime: at android.app.Activity.performCreate(Activity.java:<num>)',
      ],
      [
        '03-05 14:02:13.100   987  1010 D ConnectivityService: NetworkAgentInfo [WIFI () - 101] validation passed',
        '<ts> <num> <num> D ConnectivityService: NetworkAgentInfo [WIFI () - <num>] validation passed',
      ],
      [
        '03-05 14:02:13.300   987  1010 D ConnectivityService: NetworkAgentInfo [WIFI () - 102] validation passed',
        '<ts> <num> <num> D ConnectivityService: NetworkAgentInfo [WIFI () - <num>] validation passed',
      ],
      [
        '03-05 14:02:14.220  1234  2001 I chatty  : uid=1000(system) Binder:1234_5 expire 3 lines',
        '<ts> <num> <num> I chatty : uid=<num>(system) Binder:<num>_<num> expire <num> lines',
      ],
      [
        '03-05 14:02:15.777  4400  4400 I Choreographer: Skipped 31 frames!  The application may be doing too much work on its main thread.',
        '<ts> <num> <num> I Choreographer: Skipped <num> frames! The application may be doing too much work on its main thread.',
      ],
      [
        '03-06 09:15:02.010  4402  4402 I Choreographer: Skipped 118 frames!  The application may be doing too much work on its main thread.',
        '<ts> <num> <num> I Choreographer: Skipped <num> frames! The application may be doing too much work on its main thread.',
      ],
    ],
    groups: [[0], [1, 2], [3], [4], [5], [6], [7], [8, 9], [10], [11, 12]],
  },
  // JSON app logs: zap (0-5), pino (6-8), bunyan (9, 10), controller-runtime (11, 12). The message, its level and its error; other fields left out.
  jsonApp: {
    lines: [
      [
        '{"level":"error","ts":1709647331.381,"caller":"api/handler.go:42","msg":"request failed","error":"dial tcp 10.0.0.5:5432: i/o timeout","request_id":"7f3a9c2e1b"}',
        '[error] request failed: dial tcp <ip>: i/o timeout',
      ],
      [
        '{"level":"error","ts":1709647332.902,"caller":"api/handler.go:42","msg":"request failed","error":"dial tcp 10.0.0.6:5432: i/o timeout","request_id":"c2e1b7f3a9"}',
        '[error] request failed: dial tcp <ip>: i/o timeout',
      ],
      [
        '{"level":"error","ts":1709647333.114,"caller":"api/handler.go:42","msg":"request failed","error":"context deadline exceeded","request_id":"00ab12c2e1"}',
        '[error] request failed: context deadline exceeded',
      ],
      [
        '{"level":"info","ts":1709647334.5,"caller":"api/server.go:88","msg":"request done","method":"GET","path":"/api/v1/orders/42","status":200,"latency":0.0031}',
        '[info] request done',
      ],
      [
        '{"level":"info","ts":1709647335.75,"caller":"api/server.go:88","msg":"request done","method":"POST","path":"/api/v1/orders","status":201,"latency":0.048}',
        '[info] request done',
      ],
      [
        '{"level":"warn","ts":1709647336.01,"caller":"cache/redis.go:131","msg":"slow cache call","op":"GET","key":"cart:42","took":"212.4ms"}',
        '[warn] slow cache call',
      ],
      [
        String.raw`{"level":50,"time":1709647337381,"pid":4242,"hostname":"api-7d9f8","err":{"type":"Error","message":"connect ECONNREFUSED 10.0.0.5:5432","stack":"Error: connect ECONNREFUSED 10.0.0.5:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)"},"msg":"db query failed"}`,
        '[50] db query failed: connect ECONNREFUSED <ip>',
      ],
      [
        String.raw`{"level":50,"time":1709647338002,"pid":4243,"hostname":"api-7d9f9","err":{"type":"Error","message":"connect ECONNREFUSED 10.0.0.6:5432","stack":"Error: connect ECONNREFUSED 10.0.0.6:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)"},"msg":"db query failed"}`,
        '[50] db query failed: connect ECONNREFUSED <ip>',
      ],
      [
        '{"level":30,"time":1709647339000,"pid":4242,"hostname":"api-7d9f8","req":{"id":17,"method":"GET","url":"/health"},"msg":"request completed","responseTime":2}',
        '[30] request completed',
      ],
      [
        '{"name":"billing","hostname":"billing-1","pid":77,"level":40,"msg":"invoice 10293 retry 2 of 5","time":"2024-03-05T14:02:20.001Z","v":0}',
        '[40] invoice <num> retry <num> of <num>',
      ],
      [
        '{"name":"billing","hostname":"billing-1","pid":77,"level":40,"msg":"invoice 10311 retry 3 of 5","time":"2024-03-05T14:02:21.450Z","v":0}',
        '[40] invoice <num> retry <num> of <num>',
      ],
      [
        String.raw`{"level":"error","ts":1709647340.2,"logger":"controller","msg":"Reconciler error","controller":"deployment","name":"web","namespace":"shop","error":"Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"}`,
        '[error] Reconciler error: Operation cannot be fulfilled on deployments.apps "<str>": the object has been modified; please apply your changes to the latest version and try again',
      ],
      [
        String.raw`{"level":"error","ts":1709647341.9,"logger":"controller","msg":"Reconciler error","controller":"deployment","name":"api","namespace":"shop","error":"Operation cannot be fulfilled on deployments.apps \"api\": the object has been modified; please apply your changes to the latest version and try again"}`,
        '[error] Reconciler error: Operation cannot be fulfilled on deployments.apps "<str>": the object has been modified; please apply your changes to the latest version and try again',
      ],
    ],
    groups: [[0, 1], [2], [3, 4], [5], [6, 7], [8], [9, 10], [11, 12]],
  },
  // logfmt: Go's slog (0-4), Prometheus (5-7), Docker's daemon (8-10); Heroku's router (11, 12) has no message field, so it is masked as text.
  logfmt: {
    lines: [
      [
        'time=2024-03-05T14:02:11.381Z level=INFO msg="request done" method=GET path=/api/v1/orders/42 status=200 dur=3.2ms user=alice',
        '[INFO] request done',
      ],
      [
        'time=2024-03-05T14:02:11.902Z level=INFO msg="request done" method=POST path=/api/v1/orders status=201 dur=48ms user=bob',
        '[INFO] request done',
      ],
      [
        'time=2024-03-05T14:02:12.004Z level=WARN msg="retrying upstream" attempt=2 upstream=http://10.0.3.7:8080/v2/items err="context deadline exceeded"',
        '[WARN] retrying upstream: context deadline exceeded',
      ],
      [
        'time=2024-03-05T14:02:12.250Z level=WARN msg="retrying upstream" attempt=3 upstream=http://10.0.3.9:8080/v2/items err="context deadline exceeded"',
        '[WARN] retrying upstream: context deadline exceeded',
      ],
      [
        'time=2024-03-05T14:02:13.000Z level=ERROR msg="upstream failed" upstream=http://10.0.3.7:8080/v2/items err="dial tcp 10.0.3.7:8080: connect: connection refused"',
        '[ERROR] upstream failed: dial tcp <ip>: connect: connection refused',
      ],
      [
        'ts=2024-03-05T14:02:14.117Z caller=main.go:520 level=info msg="Server is ready to receive web requests."',
        '[info] Server is ready to receive web requests.',
      ],
      [
        'ts=2024-03-05T14:02:15.001Z caller=scrape.go:1294 level=warn component="scrape manager" scrape_pool=node target=http://10.0.5.21:9100/metrics msg="Append failed" err="out of bounds"',
        '[warn] Append failed: out of bounds',
      ],
      [
        'ts=2024-03-05T14:02:15.013Z caller=scrape.go:1294 level=warn component="scrape manager" scrape_pool=node target=http://10.0.5.22:9100/metrics msg="Append failed" err="out of bounds"',
        '[warn] Append failed: out of bounds',
      ],
      [
        'time="2024-03-05T14:02:16.500Z" level=warning msg="Health check for container 3f2a9c1b7e4d failed" error="context deadline exceeded"',
        '[warning] Health check for container <hex> failed: context deadline exceeded',
      ],
      [
        'time="2024-03-05T14:02:17.500Z" level=warning msg="Health check for container 9e8d7c6b5a41 failed" error="context deadline exceeded"',
        '[warning] Health check for container <hex> failed: context deadline exceeded',
      ],
      [
        'time="2024-03-05T14:02:18.000Z" level=info msg="Container 3f2a9c1b7e4d started" module=libcontainerd namespace=moby',
        '[info] Container <hex> started',
      ],
      [
        'at=error code=H12 desc="Request timeout" method=GET path="/" host=shop.herokuapp.com request_id=8601b555-6a83-4c12-8169-4c5c0e1d0e2a fwd="203.0.113.9" dyno=web.1 connect=0ms service=30001ms status=503 bytes=0',
        'at=error code=H<num> desc="<str>" method=GET path="<str>" host=shop.herokuapp.com request_id=<uuid> fwd="<str>" dyno=web.<num> connect=<num>ms service=<num>ms status=<num> bytes=<num>',
      ],
      [
        'at=error code=H12 desc="Request timeout" method=GET path="/cart" host=shop.herokuapp.com request_id=1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9 fwd="198.51.100.7" dyno=web.2 connect=1ms service=30000ms status=503 bytes=0',
        'at=error code=H<num> desc="<str>" method=GET path="<str>" host=shop.herokuapp.com request_id=<uuid> fwd="<str>" dyno=web.<num> connect=<num>ms service=<num>ms status=<num> bytes=<num>',
      ],
    ],
    groups: [[0, 1], [2, 3], [4], [5], [6, 7], [8, 9], [10], [11, 12]],
  },
};

describe('messageTemplate on public log formats', () => {
  it.each(Object.entries(samples))(
    '%s: each line becomes its template, and lines group as a person would group them',
    (_format, sample) => {
      expect(sample.lines.map(([line]) => messageTemplate(line))).toEqual(sample.lines.map(([, template]) => template));
      expect(groupsOf(sample.lines.map(([line]) => line))).toEqual(sample.groups);
    },
  );
});
