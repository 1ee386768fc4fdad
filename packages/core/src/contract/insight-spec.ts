/**
 * What a run asks beyond counting, as its jobs carry it to the workers: per-window counts
 * (`--window`) and message templates (`--top`). Absent when neither was asked for.
 */
export interface ChunkInsightSpec {
  /** Window length in ms; absent: no windows. */
  windowMs?: number;
  /** `--time-format`; absent: the built-in formats are recognised. */
  timeFormat?: string;
  /** Collect message templates of matching lines (for the top messages). */
  templates?: boolean;
  /** When the run started (ms): the year of timestamps that have none (syslog) is chosen from it, the same on every worker. */
  now: number;
}

/** What the report does with the workers' findings; stored with the run, so that `report` from anywhere says the same. */
export interface RunInsightSpec extends ChunkInsightSpec {
  /** Top messages per pattern in the report; absent: none. */
  top?: number;
  /** A window is a spike when its count exceeds `factor` × the average of the `history` windows before it, and is at least `minCount`. */
  spikes?: SpikeRule;
}

export interface SpikeRule {
  factor: number;
  history: number;
  minCount: number;
}

export const DEFAULT_SPIKE_RULE: SpikeRule = { factor: 3, history: 10, minCount: 5 };

/** The part of a run's insight spec that workers need. */
export function chunkInsightSpec(spec: RunInsightSpec): ChunkInsightSpec {
  return {
    ...(spec.windowMs !== undefined ? { windowMs: spec.windowMs } : {}),
    ...(spec.timeFormat !== undefined ? { timeFormat: spec.timeFormat } : {}),
    ...(spec.top !== undefined ? { templates: true } : {}),
    now: spec.now,
  };
}
