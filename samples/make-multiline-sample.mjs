// Makes the multiline sample the README's `--multiline` example runs on (deterministic:
// the same file every time): a Kafka broker's server.log, where an event starts with
// `[yyyy-MM-dd HH:mm:ss,SSS]` and an error's stack trace follows it, its frames
// tab-indented, with `Caused by:` sections and `... n more`, as log4j writes them.
//   node samples/make-multiline-sample.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from './seeded-random.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { random, pick } = seededRandom(20_261_207);
const topics = ['orders', 'payments', 'checkout-events', '__consumer_offsets', 'inventory'];
const groups = ['checkout', 'billing', 'search-indexer', 'fraud-scoring'];

const infos = [
  () =>
    `INFO [GroupCoordinator 1]: Stabilized group ${pick(groups)} generation ${1 + Math.floor(random() * 40)} (__consumer_offsets-${Math.floor(random() * 50)}) with ${1 + Math.floor(random() * 6)} members (kafka.coordinator.group.GroupCoordinator)`,
  () =>
    `INFO [Log partition=${pick(topics)}-${Math.floor(random() * 12)}, dir=/var/lib/kafka/data] Rolled new log segment at offset ${Math.floor(random() * 9e6)} in 3 ms. (kafka.log.Log)`,
  () =>
    `INFO [ProducerStateManager partition=${pick(topics)}-${Math.floor(random() * 12)}] Wrote producer snapshot at offset ${Math.floor(random() * 9e6)} with 0 producer ids in 1 ms. (kafka.log.ProducerStateManager)`,
  () =>
    `INFO [GroupMetadataManager brokerId=1] Removed 0 expired offsets in 0 milliseconds. (kafka.coordinator.group.GroupMetadataManager)`,
  () =>
    `WARN [ReplicaFetcher replicaId=1, leaderId=${2 + Math.floor(random() * 2)}, fetcherId=0] Reset fetch offset for partition ${pick(topics)}-${Math.floor(random() * 12)} from 0 to current leader's start offset (kafka.server.ReplicaFetcherThread)`,
];

const frames = {
  fetch: [
    'kafka.server.ReplicaManager.getPartitionOrException(ReplicaManager.scala:1024)',
    'kafka.server.ReplicaManager.$anonfun$readFromLocalLog$1(ReplicaManager.scala:1112)',
    'scala.collection.Iterator.foreach(Iterator.scala:943)',
    'kafka.server.ReplicaFetcherThread.processPartitionData(ReplicaFetcherThread.scala:188)',
    'kafka.server.AbstractFetcherThread.processFetchRequest(AbstractFetcherThread.scala:345)',
    'kafka.server.AbstractFetcherThread.doWork(AbstractFetcherThread.scala:135)',
    'kafka.utils.ShutdownableThread.run(ShutdownableThread.scala:96)',
  ],
  flush: [
    'java.base/sun.nio.ch.FileDispatcherImpl.force0(Native Method)',
    'java.base/sun.nio.ch.FileDispatcherImpl.force(FileDispatcherImpl.java:82)',
    'java.base/sun.nio.ch.FileChannelImpl.force(FileChannelImpl.java:461)',
    'org.apache.kafka.common.record.FileRecords.flush(FileRecords.java:197)',
    'kafka.log.LogSegment.flush(LogSegment.scala:471)',
    'kafka.log.Log.flush(Log.scala:1561)',
    'kafka.log.LogManager.flushDirtyLogs(LogManager.scala:1070)',
  ],
  request: [
    'kafka.network.RequestChannel$Request.<init>(RequestChannel.scala:108)',
    'kafka.network.Processor.processCompletedReceives(SocketServer.scala:1057)',
    'kafka.network.Processor.run(SocketServer.scala:943)',
    'java.base/java.lang.Thread.run(Thread.java:829)',
  ],
  timeout: [
    'java.base/java.util.concurrent.CompletableFuture.timedGet(CompletableFuture.java:1960)',
    'java.base/java.util.concurrent.CompletableFuture.get(CompletableFuture.java:2095)',
    'kafka.zk.KafkaZkClient.retryRequestsUntilConnected(KafkaZkClient.scala:1822)',
  ],
};

const failures = [
  () => ({
    line: `ERROR [ReplicaFetcher replicaId=1, leaderId=${2 + Math.floor(random() * 2)}, fetcherId=0] Error for partition ${pick(topics)}-${Math.floor(random() * 12)} at offset ${Math.floor(random() * 9e6)} (kafka.server.ReplicaFetcherThread)`,
    trace: [
      'org.apache.kafka.common.errors.NotLeaderOrFollowerException: This server is not the leader for that topic-partition.',
      ...frames.fetch.map((frame) => `\tat ${frame}`),
    ],
  }),
  () => ({
    line: `ERROR Error while flushing log for ${pick(topics)}-${Math.floor(random() * 12)} in dir /var/lib/kafka/data with offset ${Math.floor(random() * 9e6)} (kafka.server.LogDirFailureChannel)`,
    trace: ['java.io.IOException: No space left on device', ...frames.flush.map((frame) => `\tat ${frame}`)],
  }),
  () => ({
    line: `ERROR [KafkaApi-1] Error when handling request: clientId=${pick(groups)}-consumer, correlationId=${Math.floor(random() * 1e5)}, api=FETCH (kafka.server.KafkaApis)`,
    trace: [
      'org.apache.kafka.common.errors.InvalidRequestException: Error getting request for apiKey: FETCH, apiVersion: 12',
      ...frames.request.map((frame) => `\tat ${frame}`),
      "Caused by: org.apache.kafka.common.protocol.types.SchemaException: Error reading field 'topics': java.nio.BufferUnderflowException",
      '\tat org.apache.kafka.common.protocol.types.Schema.read(Schema.java:77)',
      '\tat org.apache.kafka.common.requests.AbstractRequest.parseRequest(AbstractRequest.java:150)',
      `\t... ${frames.request.length} more`,
    ],
  }),
  () => ({
    line: `WARN [Controller id=1] Timed out waiting for ZooKeeper session; retrying (kafka.controller.KafkaController)`,
    trace: [
      'kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: CONNECTING',
      ...frames.timeout.map((frame) => `\tat ${frame}`),
      'Caused by: java.util.concurrent.TimeoutException',
      `\t... ${frames.timeout.length} more`,
    ],
  }),
];

const lines = [];
let at = Date.UTC(2026, 10, 26, 9, 0, 0);
const stamp = () => {
  at += Math.floor(random() * 900);
  const d = new Date(at);
  const two = (n) => String(n).padStart(2, '0');
  return `[${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())},${String(d.getUTCMilliseconds()).padStart(3, '0')}]`;
};
for (let n = 0; n < 3000; n++) {
  if (random() < 0.12) {
    const { line, trace } = pick(failures)();
    lines.push(`${stamp()} ${line}`, ...trace);
  } else {
    lines.push(`${stamp()} ${pick(infos)()}`);
  }
}
const file = join(here, 'kafka', 'server.log');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${lines.join('\n')}\n`);
