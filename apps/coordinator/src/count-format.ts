import type { RunReport } from '@logcluster/core';

/** How grep names standard input in its output. */
const STDIN_NAME = '(standard input)';

/**
 * The report as grep -c prints it: per source, `name:count`, or the count alone where
 * grep shows no names (one file given, no directory searched). The count is the lines
 * that the patterns select: the one pattern's matching lines, or with several the lines
 * matching any of them (`any`); with -v, the lines that do not match.
 */
export function formatCounts(report: RunReport, namesShown: boolean): string {
  const [only] = report.patterns;
  return report.sources
    .map((source) => {
      const count = report.patterns.length > 1 ? (source.any?.lines ?? 0) : (source.matches[only!.pattern]?.lines ?? 0);
      return namesShown ? `${source.name === '-' ? STDIN_NAME : source.name}:${count}` : String(count);
    })
    .join('\n');
}
