/**
 * The map step of a join (`--left`, `--right`): of a chunk's selected lines, those each
 * side of the chunk's source selects (`--left-where`, `--right-where`) and that hold the
 * side's key are its join events, each with its line and its timestamp. They go out per
 * partition (the key's hash), as the text ChunkJoinFindings describes, for the reduce.
 */
import { type ChunkJoinFindings, type ChunkJoinSpec, LEFT, RIGHT } from '../contract/join-spec.js';
import { type FieldValue, isComposite } from './field-value.js';
import { type WhereTest, whereTest } from './where-test.js';

/** The partition of a key (its JSON text): FNV-1a of its UTF-16 code units, mod `partitions`. */
export function joinPartition(keyText: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < keyText.length; i++) {
    hash ^= keyText.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** The fields a join reads, to be read with the run's others. */
export function joinFields(spec: ChunkJoinSpec): string[] {
  return [spec.left.key, spec.right.key, ...(spec.left.where ?? []), ...(spec.right.where ?? [])].map((f) =>
    typeof f === 'string' ? f : f.field,
  );
}

interface SideTest {
  bit: number;
  keyIndex: number;
  where: { index: number; test: WhereTest; present: boolean }[];
}

/** Collects one chunk's join events while the records pass selects its lines. */
export class JoinEvents {
  private readonly sides: SideTest[];
  private readonly partitions: number;
  private texts: string[][] = [];
  private events = 0;
  private chunkSides = 0;
  private latest: number | undefined;

  /** `indexOf`: where a field's value is in the reader's `values`. */
  constructor(spec: ChunkJoinSpec, indexOf: (field: string) => number) {
    this.partitions = spec.partitions;
    this.sides = [
      [LEFT, spec.left],
      [RIGHT, spec.right],
    ].map(([bit, side]) => {
      const { key, where = [] } = side as ChunkJoinSpec['left'];
      return {
        bit: bit as number,
        keyIndex: indexOf(key),
        where: where.map((clause) => ({
          index: indexOf(clause.field),
          test: whereTest(clause),
          present: clause.op === '?',
        })),
      };
    });
  }

  /** Before a chunk's lines: the sides of its source (LEFT, RIGHT, or both). */
  startChunk(sides: number): void {
    this.chunkSides = sides;
    this.texts = [];
    this.events = 0;
    this.latest = undefined;
  }

  /**
   * A selected line: an event of each side of the chunk that selects it and finds its key
   * in it. Its time, event or not, moves the chunk's newest time (a followed join's watermark).
   */
  line(values: readonly FieldValue[], lineNumber: number, time: number | undefined): void {
    if (time !== undefined && (this.latest === undefined || time > this.latest)) this.latest = time;
    for (const side of this.sides) {
      if ((this.chunkSides & side.bit) === 0) continue;
      const key = values[side.keyIndex];
      if (typeof key !== 'string') continue;
      let holds = true;
      for (const clause of side.where) {
        const value = values[clause.index];
        // An object or an array is present, and compares with nothing.
        holds = isComposite(value) ? clause.present : clause.test(value);
        if (!holds) break;
      }
      if (!holds) continue;
      const keyText = JSON.stringify(key);
      const partition = joinPartition(keyText, this.partitions);
      (this.texts[partition] ??= []).push(`${side.bit}\t${lineNumber}\t${time ?? ''}\t${keyText}\n`);
      this.events++;
    }
  }

  /** The chunk's events, per partition; undefined for a chunk of neither side. */
  finish(): ChunkJoinFindings | undefined {
    if (this.chunkSides === 0) return undefined;
    const pieces: [number, string][] = [];
    this.texts.forEach((lines, partition) => pieces.push([partition, lines.join('')]));
    return {
      events: this.events,
      pieces,
      sides: this.chunkSides,
      ...(this.latest !== undefined ? { latest: this.latest } : {}),
    };
  }
}
