// A seeded random number generator (xorshift32) for the sample makers: the same files every time.
export function seededRandom(seed) {
  let state = seed;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  return { random, pick: (items) => items[Math.floor(random() * items.length)] };
}
