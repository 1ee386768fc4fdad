export { type TestRedis, type TestRedisOptions, startTestRedis } from './redis-server.js';
export { type GrepCounts, type GrepPattern, grepAnyCount, grepCounts, grepLineCount } from './grep.js';
export {
  type CliOptions,
  type CliProcess,
  type CliResult,
  type Follower,
  type StartCliOptions,
  LOGCLUSTER_BIN,
  cleanEnv,
  killFollowers,
  runCli,
  startCli,
  startFollow,
} from './cli.js';
export { type SyntheticLogOptions, seededRandom, syntheticLog } from './synthetic-log.js';
export { embeddedLeftovers } from './processes.js';
export { clusterFlags, linesOf, reportOf, startWorker, waitForRun } from './cluster.js';
export {
  type TestRedisCluster,
  type TestSentinel,
  redisCliAt,
  sentinelMasterPort,
  startTestRedisCluster,
  startTestSentinel,
} from './redis-topologies.js';
export { type NetnsHost, type NetnsNetwork, NO_NETNS_ENV, createNetnsNetwork, netnsUnavailable } from './netns.js';
export { BACKTRACKING_REGEX, BACKTRACKING_REGEX_FOR_GREP } from './backtracking.js';
export { type UntilOptions, sleep, until } from './polling.js';
export * from './structured-logs.js';
