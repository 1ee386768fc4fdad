import { describe, expect, it } from 'vitest';
import { assembleReport } from '../src/runs/report-assembly.js';

describe('assembleReport', () => {
  it('keys matches by any pattern text, __proto__ included', () => {
    const run = {
      runId: 'r-1-1',
      status: 'completed',
      startedAt: '1',
      definition: JSON.stringify({
        patterns: [{ pattern: '__proto__', regex: false, ignoreCase: false }],
        sources: ['a.log'],
      }),
    };
    const report = assembleReport(run, { 's0:p0:l': '3', 's0:p0:o': '4', 'w:__proto__': '1' }, {}, 2);
    const json = JSON.parse(JSON.stringify(report)) as typeof report;
    expect(Object.keys(json.totals.matches)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(json.sources[0]!.matches, '__proto__')?.value).toEqual({
      lines: 3,
      occurrences: 4,
    });
    expect(Object.keys(json.workers)).toEqual(['__proto__']);
  });
});
