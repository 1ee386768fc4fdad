import type { RunInsightSpec } from '../contract/insight-spec.js';
import type { MultilineSpec } from '../contract/multiline-spec.js';
import type { PatternSpec } from '../contract/pattern-spec.js';
import type { RunRecordSpec } from '../contract/record-spec.js';

/**
 * The definition with the sources a followed run added since it started (the run's
 * sources hash, RedisKeys.sources: source number → name) after those it started with.
 */
export function withAddedSources(definition: RunDefinition, added: Record<string, string>): RunDefinition {
  const numbers = Object.keys(added).map(Number);
  if (numbers.length === 0) return definition;
  const sources = [...definition.sources];
  for (const source of numbers) sources[source] = added[source]!;
  // A number never filled (a coordinator that died between naming and adding a source) stays visible.
  for (let s = 0; s < sources.length; s++) sources[s] ??= `(source ${s})`;
  return { ...definition, sources };
}

/** What a run was asked to do; stored once when the run starts. */
export interface RunDefinition {
  patterns: PatternSpec[];
  /** Source names as given: paths, or `-` for standard input. */
  sources: string[];
  /** Windows, spikes and top messages, when asked for (`--window`, `--top`). */
  insight?: RunInsightSpec;
  /** Fields, keys, filters and distinct counts, when asked for (`--by`, `--where`, …). */
  records?: RunRecordSpec;
  /** How lines group into events, when asked for (`--multiline`): the report counts events too. */
  multiline?: MultilineSpec;
}
