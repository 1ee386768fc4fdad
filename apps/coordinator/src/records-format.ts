import type { RunReport } from '@logcluster/core';
import { groupedDigits as count } from './number-text.js';
import { table } from './text-table.js';
import { keyCell } from './key-cell.js';

/** Rows of a key table shown to people, the last one summing the keys not shown; also the crossings listed. */
export const SHOWN_KEYS = 20;

type Groups = NonNullable<RunReport['groups']>;
type KeyRow = Groups['keys'][number];

/**
 * The human form of what the lines' fields gave: which lines were selected, the rejects
 * by reason, and per pattern the keys with the most matching lines (at most
 * `SHOWN_KEYS`, then one row for all the others, exact). Empty for a run without them.
 */
export function formatRecords(report: RunReport): string[] {
  const lines: string[] = [];
  const { totals } = report;
  // Nothing left out: every line was selected, which the totals above say already.
  if (totals.selectedLines !== undefined && totals.selectedLines !== totals.lines) {
    // Not lines − selected − rejected: the lines of chunks not counted yet (or dead-lettered) are none of these.
    const filtered = totals.filteredLines ?? 0;
    lines.push(
      '',
      `selected ${count(totals.selectedLines)} of ${count(totals.lines)} lines` +
        (filtered > 0 || report.rejected?.lines
          ? `: ${count(filtered)} filtered out, ${count(report.rejected?.lines ?? 0)} rejected`
          : '') +
        (totals.selectedEvents !== undefined
          ? `; ${count(totals.selectedEvents)} of ${count(totals.events ?? 0)} events (those whose first line is selected)`
          : ''),
    );
  }
  if (report.rejected && report.rejected.lines > 0) {
    lines.push(`rejected (${count(report.rejected.lines)} lines):`);
    const rows = report.rejected.reasons.map((reason) => [
      reason.reason,
      count(reason.lines),
      reason.examples.map((example) => `${example.source}:${example.line}`).join(', '),
    ]);
    lines.push(
      ...table(
        ['  REASON', 'LINES', 'E.G.'],
        rows.map((row) => [`  ${row[0]}`, row[1]!, row[2]!]),
        [false, true, false],
      ),
    );
  }
  if (totals.distinct) {
    lines.push('');
    for (const [field, distinct] of Object.entries(totals.distinct))
      lines.push(
        `distinct ${field}: ${distinct.exact ? '' : '~'}${count(distinct.count)}${distinct.exact ? '' : ' (estimate)'}`,
      );
  }
  if (report.groups) lines.push(...formatGroups(report, report.groups));
  if (report.crossings) lines.push(...formatCrossings(report.crossings));
  return lines;
}

function formatGroups(report: RunReport, groups: Groups): string[] {
  const lines: string[] = [];
  const keyCount = `${groups.distinctKeysExact ? '' : '~'}${count(groups.distinctKeys)} distinct keys${groups.distinctKeysExact ? '' : ' (estimate)'}`;
  const inTable =
    groups.others.keys > 0 ? `; ${count(groups.keys.length)} in the table, the others summed (--max-keys)` : '';
  lines.push('', `by ${groups.by.join(', ')}: ${keyCount}${inTable}`);
  if (groups.keys.length === 0 && groups.others.lines === 0) return lines;
  const distinctFields = Object.keys(groups.keys[0]?.distinct ?? groups.others.distinct ?? {});
  // With -v the lines counted are those that do not match.
  const inverted = report.patterns.some((spec) => spec.invert === true);
  // With --multiline: each key's events (by their first line) beside its lines.
  const events = groups.others.events !== undefined;
  for (const spec of report.patterns) {
    const matchesOf = (row: Pick<KeyRow, 'matches'>) => row.matches[spec.pattern] ?? { lines: 0, occurrences: 0 };
    const ranked = [...groups.keys].sort(
      (a, b) => matchesOf(b).lines - matchesOf(a).lines || b.lines - a.lines || compareKeys(a.key, b.key),
    );
    // At most SHOWN_KEYS rows: with keys left over, the last row is theirs.
    const fits = ranked.length + (groups.others.keys > 0 ? 1 : 0) <= SHOWN_KEYS;
    const shown = fits ? ranked : ranked.slice(0, SHOWN_KEYS - 1);
    const rest = fits ? [] : ranked.slice(SHOWN_KEYS - 1);
    const header = [
      ...groups.by.map((field) => field.toUpperCase()),
      'LINES',
      ...(events ? ['EVENTS'] : []),
      inverted ? 'NON-MATCHING' : 'MATCHING',
      ...(events ? [inverted ? 'NON-MATCHING EVENTS' : 'MATCHING EVENTS'] : []),
      'OCCURRENCES',
      ...distinctFields.map((field) => `DISTINCT ${field.toUpperCase()}`),
    ];
    const row = (
      key: string[],
      item: { lines: number; events?: number; matches: KeyRow['matches']; distinct?: KeyRow['distinct'] },
    ) => [
      ...key,
      count(item.lines),
      ...(events ? [count(item.events ?? 0)] : []),
      count(matchesOf(item).lines),
      ...(events ? [count(matchesOf(item).events ?? 0)] : []),
      count(matchesOf(item).occurrences),
      ...distinctFields.map((field) => {
        const distinct = item.distinct?.[field];
        return distinct ? `${distinct.exact ? '' : '~'}${count(distinct.count)}` : '–';
      }),
    ];
    const rows = shown.map((item) => row(item.key.map(keyCell), item));
    const otherKeys = rest.length + groups.others.keys;
    if (otherKeys > 0) {
      const sum = (value: (item: Pick<KeyRow, 'lines' | 'events' | 'matches'>) => number) =>
        value(groups.others) + rest.reduce((total, item) => total + value(item), 0);
      const others = {
        lines: sum((item) => item.lines),
        events: sum((item) => item.events ?? 0),
        matches: {
          [spec.pattern]: {
            lines: sum((item) => matchesOf(item).lines),
            occurrences: sum((item) => matchesOf(item).occurrences),
            events: sum((item) => matchesOf(item).events ?? 0),
          },
        },
      };
      const label = `(${groups.others.keys > 0 && !groups.distinctKeysExact ? '~' : ''}${count(otherKeys)} other keys)`;
      rows.push(
        row([label, ...groups.by.slice(1).map(() => '')], others).map((cell, i) =>
          i >= header.length - distinctFields.length ? '–' : cell,
        ),
      );
    }
    lines.push('', `${spec.pattern} — keys with the most ${inverted ? 'non-matching' : 'matching'} lines:`);
    lines.push(
      ...table(
        header,
        rows,
        header.map((_, i) => i >= groups.by.length),
      ),
    );
  }
  return lines;
}

/** Keys that passed --notify-over, at most `SHOWN_KEYS` of them, the rest counted. */
function formatCrossings(crossings: NonNullable<RunReport['crossings']>): string[] {
  if (crossings.length === 0) return ['', 'no key passed --notify-over'];
  const lines = ['', `keys that passed --notify-over (${count(crossings.length)}):`];
  const rows = crossings
    .slice(0, SHOWN_KEYS)
    .map((crossing) => [
      `  ${crossing.key.map(keyCell).join(', ')}`,
      count(crossing.count),
      crossing.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      crossing.line === null ? crossing.source : `${crossing.source}:${crossing.line}`,
    ]);
  lines.push(...table(['  KEY', 'LINES', 'AT', 'BY LINE'], rows, [false, true, false, false]));
  if (crossings.length > SHOWN_KEYS) lines.push(`  (${count(crossings.length - SHOWN_KEYS)} more in --json)`);
  return lines;
}

function compareKeys(a: (string | null)[], b: (string | null)[]): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
