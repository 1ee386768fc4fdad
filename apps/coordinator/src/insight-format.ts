import type { RunReport } from '@logcluster/core';
import { type HistogramOptions, formatWindows } from './window-histogram.js';
import { formatWindowKeys } from './window-keys.js';

/** The human form of windows, spikes and top messages; empty when the run asked for none. */
export function formatInsight(report: RunReport, options: HistogramOptions = {}): string[] {
  const lines: string[] = [];
  const patterns = report.patterns.map((spec) => spec.pattern);
  if (report.windows) {
    lines.push('', ...formatWindows(report.windows, patterns[0], options));
    lines.push(...formatWindowKeys(report.windows, report.groups?.by ?? [], patterns[0]));
  }
  if (report.spikes) {
    lines.push('', report.spikes.length === 0 ? 'spikes: none' : `spikes (${report.spikes.length}):`);
    for (const spike of report.spikes) {
      lines.push(
        `  ${shortTime(spike.start)}  ${spike.pattern}: ${spike.count} lines, against ${spike.baseline} on average before`,
      );
    }
  }
  if (report.topMessages) {
    // With --multiline, messages are events' first lines, counted once per event.
    const of = report.totals.events !== undefined ? ' (events, by their first line)' : '';
    for (const pattern of patterns) {
      const top = report.topMessages[pattern] ?? [];
      lines.push('', `top messages for ${pattern}${of}${top.length === 0 ? ': none' : ':'}`);
      for (const message of top) {
        const where =
          message.firstLine === null
            ? message.source
            : `${message.source}:${message.firstLine}${message.lastLine !== message.firstLine ? `–${message.lastLine}` : ''}`;
        lines.push(
          `  ${String(message.count).padStart(8)}  ${message.template}`,
          `            e.g. ${truncate(message.example, 160)}  (${where})`,
        );
      }
      const ungrouped = report.ungroupedLines?.[pattern];
      const unit = report.totals.events !== undefined ? 'events' : 'lines';
      if (ungrouped) lines.push(`  (${ungrouped} matching ${unit} not grouped: too many distinct messages in a chunk)`);
    }
  }
  return lines;
}

/** `2015-10-18 18:06:00` (UTC). */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.000Z$/, 'Z');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
