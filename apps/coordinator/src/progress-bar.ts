import { formatBytes } from '@logcluster/core';

/** What the progress line shows of a run. */
export interface ProgressFigures {
  runId: string;
  /** Bytes of the chunks settled (counted or dead-lettered). */
  bytesDone: number;
  /**
   * The input's size when it is known before it is read (plain files: the sum of their
   * sizes), else null (standard input, gzip): then there is no percent, bar or ETA.
   */
  bytesTotal: number | null;
  /** Bytes settled per second lately; null until measured (see `RateMeter`). */
  bytesPerSecond: number | null;
  chunksSettled: number;
  /** Chunks enqueued so far. */
  chunks: number;
  chunksDeadLettered: number;
}

const SEPARATOR = '  ';
/** The bar's width with its brackets: at least this, or it is not shown… */
const BAR_MIN = 12;
/** …and at most this, however wide the terminal. */
const BAR_MAX = 42;
/** The widest `formatBytes` gives (`1023 MiB`), so that a part's room does not change as its figures do. */
const BYTES_WIDTH = 8;
const RATE_WIDTH = BYTES_WIDTH + '/s'.length;
const ETA_WIDTH = 'ETA 99h59m'.length;
/** Digits of chunk counts that fit in the chunks part's room: the total grows while enqueueing. */
const CHUNK_DIGITS = 6;

/**
 * One part of the line. `rank` 0 is dropped last. `room` is the most it can take: what
 * is kept, and so the bar's width, is decided on that, not on the text of the moment, so
 * that the bar keeps its width as figures grow and as the rate and the ETA appear.
 */
interface Part {
  rank: number;
  text: string;
  room: number;
}

const BAR: Part = { rank: 1, text: '', room: BAR_MIN };

/**
 * The progress line, at most `width` columns: `[=====>    ]   45%  128 MiB/283 MiB
 * 52.3 MiB/s  ETA 3s  18/40 chunks  run r-…`. When it does not fit, parts are dropped
 * whole, least useful first: the run id, the chunks, the rate, the bytes, the ETA, the
 * bar, and last the percent (without a known size, no bar, percent or ETA). The bar takes
 * what room is left, up to `BAR_MAX`. Pure, for tests.
 */
export function formatProgressBar(figures: ProgressFigures, width: number): string {
  const { bytesDone, bytesTotal, bytesPerSecond } = figures;
  const fraction = bytesTotal === null ? null : bytesTotal === 0 ? 1 : Math.min(1, bytesDone / bytesTotal);
  const done = bytesTotal !== null && bytesDone >= bytesTotal;
  const part = (rank: number, text: string, room = text.length): Part => ({
    rank,
    text,
    room: Math.max(room, text.length),
  });
  const parts: Part[] = [];
  if (fraction !== null) parts.push(BAR, part(0, `${String(done ? 100 : Math.floor(fraction * 100)).padStart(3)}%`));
  parts.push(
    bytesTotal === null
      ? part(3, formatBytes(bytesDone), BYTES_WIDTH)
      : part(3, `${formatBytes(bytesDone)}/${formatBytes(bytesTotal)}`, 2 * BYTES_WIDTH + 1),
    part(4, bytesPerSecond === null ? '' : `${formatBytes(Math.round(bytesPerSecond))}/s`, RATE_WIDTH),
  );
  if (bytesTotal !== null) {
    // Unknown while nothing has been measured or nothing moves (no worker, say): "--".
    const eta = done ? '' : `ETA ${bytesPerSecond ? formatEta((bytesTotal - bytesDone) / bytesPerSecond) : '--'}`;
    parts.push(part(2, eta, ETA_WIDTH));
  }
  const dead = figures.chunksDeadLettered > 0 ? `, ${figures.chunksDeadLettered} dead-lettered` : '';
  const most = '9'.repeat(Math.max(CHUNK_DIGITS, String(figures.chunks).length));
  parts.push(
    part(5, `${figures.chunksSettled}/${figures.chunks} chunks${dead}`, `${most}/${most} chunks${dead}`.length),
    part(6, `run ${figures.runId}`),
  );

  const room = (kept: Part[]) =>
    kept.reduce((sum, { room }) => sum + room, 0) + SEPARATOR.length * Math.max(0, kept.length - 1);
  let kept = parts;
  while (kept.length > 0 && room(kept) > width) {
    const least = Math.max(...kept.map(({ rank }) => rank));
    kept = kept.filter(({ rank }) => rank !== least);
  }
  const barWidth = Math.min(BAR_MAX, BAR_MIN + width - room(kept));
  return kept
    .map((part) => (part === BAR ? bar(fraction!, barWidth) : part.text))
    .filter((text) => text !== '')
    .join(SEPARATOR);
}

/** `[=====>    ]`, `width` columns with its brackets. */
function bar(fraction: number, width: number): string {
  const inside = width - 2;
  const filled = Math.floor(fraction * inside);
  return `[${filled >= inside ? '='.repeat(inside) : `${'='.repeat(filled)}>${' '.repeat(inside - filled - 1)}`}]`;
}

/** `9s`, `2m05s`, `1h02m`; beyond 99 hours only that it is more. */
function formatEta(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 100 * 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return '>99h';
}

/** The rate is measured over this long, so that it follows a run that speeds up or stalls. */
const RATE_WINDOW_MS = 5_000;
/** A rate from less than this would jump with every chunk that settles. */
const RATE_MIN_SPAN_MS = 1_000;

/** Bytes per second over the last few seconds, from samples of a growing byte count. */
export class RateMeter {
  private readonly samples: { at: number; bytes: number }[];

  /** `startedAt`: when the count was 0 (the run's start). */
  constructor(startedAt: number) {
    this.samples = [{ at: startedAt, bytes: 0 }];
  }

  /** Adds a sample and returns the rate, or null while it has seen less than a second. */
  add(at: number, bytes: number): number | null {
    this.samples.push({ at, bytes });
    // Keep the last sample at or before the window's start, so the window is full.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const span = at - first.at;
    return span < RATE_MIN_SPAN_MS ? null : ((bytes - first.bytes) * 1000) / span;
  }
}
