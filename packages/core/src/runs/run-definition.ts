import type { RunInsightSpec } from '../contract/insight-spec.js';
import type { PatternSpec } from '../contract/pattern-spec.js';
import type { RunRecordSpec } from '../contract/record-spec.js';

/** What a run was asked to do; stored once when the run starts. */
export interface RunDefinition {
  patterns: PatternSpec[];
  /** Source names as given: paths, or `-` for standard input. */
  sources: string[];
  /** Windows, spikes and top messages, when asked for (`--window`, `--top`). */
  insight?: RunInsightSpec;
  /** Fields, keys, filters and distinct counts, when asked for (`--by`, `--where`, …). */
  records?: RunRecordSpec;
}
