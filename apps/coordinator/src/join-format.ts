import type { JoinEventRef, JoinReport } from '@logcluster/core';
import { table } from './text-table.js';

/** The human report's join: the two sides, the pairs, their offsets, and examples of each kind. */
export function formatJoin(join: JoinReport | undefined): string[] {
  if (!join) return [];
  const [leftKey, rightKey] = join.key;
  const on = leftKey === rightKey ? leftKey : `${leftKey} = ${rightKey}`;
  const lines = [
    '',
    `join on ${on}${join.within !== null ? ` within ${join.within}` : ''}: ${join.pairs} pairs, ${join.matchedKeys} keys matched`,
  ];
  if (join.partitions.reduced < join.partitions.total || join.partitions.deadLettered > 0)
    lines.push(
      `  (of ${join.partitions.total} partitions: ${join.partitions.reduced} reduced, ${join.partitions.deadLettered} of them dead-lettered and not counted)`,
    );
  lines.push(
    ...table(
      ['SIDE', 'EVENTS', 'MATCHED', 'UNMATCHED', 'KEYS', 'UNMATCHED KEYS'],
      (['left', 'right'] as const).map((side) => {
        const figures = join[side];
        return [
          side,
          String(figures.events),
          String(figures.matchedEvents),
          String(figures.unmatchedEvents),
          String(figures.keys),
          String(figures.unmatchedKeys),
        ];
      }),
      [false, true, true, true, true, true],
    ).map((line) => `  ${line}`),
  );
  const offsets = join.offsets.filter((bucket) => bucket.pairs > 0);
  if (offsets.length > 0) {
    lines.push('  offsets |right − left|:');
    let before = 0;
    for (const { upToMs, pairs } of join.offsets) {
      if (pairs > 0) lines.push(`    ${upToMs === null ? `> ${before} ms` : `${before}–${upToMs} ms`}: ${pairs}`);
      before = upToMs ?? before;
    }
  }
  if (join.untimedPairs) lines.push(`    (${join.untimedPairs} pairs with an event without a timestamp)`);
  if (join.late && join.late.left + join.late.right > 0)
    lines.push(
      `  late (more than ${join.lateness} behind their side's newest time; their pairs may be missing): ${join.late.left} left, ${join.late.right} right events`,
    );
  const place = (ref: JoinEventRef) => `${ref.source}:${ref.line ?? '?'}`;
  const { matched, leftOnly, rightOnly } = join.examples;
  if (matched.length > 0) {
    lines.push('  matched, e.g.:');
    for (const example of matched)
      lines.push(
        `    ${example.key}  ${place(example.left)} → ${place(example.right)}${example.offsetMs !== null ? ` (${example.offsetMs} ms)` : ''}`,
      );
  }
  for (const [name, examples] of [
    ['left only', leftOnly],
    ['right only', rightOnly],
  ] as const) {
    if (examples.length === 0) continue;
    lines.push(`  ${name}, e.g.:`);
    for (const example of examples)
      lines.push(
        `    ${example.key}  ${place(example.first)}${example.events > 1 ? ` (${example.events} events)` : ''}`,
      );
  }
  return lines;
}
