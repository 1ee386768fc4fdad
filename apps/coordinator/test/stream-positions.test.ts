import { describe, expect, it } from 'vitest';
import { StreamPositions } from '../src/stream-positions.js';

const file = (ino: bigint) => ({ dev: 1n, ino, fingerprint: `f${ino}`, fingerprintLength: 3 });

describe('StreamPositions', () => {
  it('maps stream offsets to the file and offset they were read from, across rotation and truncation', () => {
    // Taken up at stream byte 100, in file 7 at its byte 40.
    const positions = new StreamPositions(100);
    positions.begin(file(7n), 40);
    positions.advance(60); // stream 100–160: file 7, 40–100
    positions.begin(file(8n), 0); // rotated: file 8 from its start
    positions.advance(30); // stream 160–190
    positions.begin(file(8n), 0); // truncated: file 8 again from its start
    positions.begin(file(8n), 0); // (a stretch with no byte in it is replaced)
    positions.advance(5); // stream 190–195
    expect(positions.at(130)).toMatchObject({ ino: '7', offset: 70 });
    // A chunk ending where a file ended goes on in the next file, at its start.
    expect(positions.at(160)).toMatchObject({ ino: '8', offset: 0, fingerprint: 'f8' });
    expect(positions.at(175)).toMatchObject({ ino: '8', offset: 15 });
    expect(positions.at(195)).toMatchObject({ ino: '8', offset: 5 });
    // Stretches before a checkpoint are forgotten: offsets asked for only grow.
    expect(positions.at(120)).toBeNull();
  });
});
