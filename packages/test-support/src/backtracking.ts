/**
 * A regex that makes V8 backtrack for 2^n steps on a line of n x's: for the tests that
 * need a chunk to take long or to fail at the task timeout. `(x+x+)+y` alone no longer
 * does: it runs as a line automaton, in linear time. A lookahead is what the automaton
 * leaves to V8, so this one still backtracks. It matches the lines `(x+x+)+y` matches,
 * as often (the `y` it does not take can never start the next match), so grep -E
 * '(x+x+)+y' counts it.
 */
export const BACKTRACKING_REGEX = '(x+x+)+(?=y)';
/** What grep -E counts for BACKTRACKING_REGEX. */
export const BACKTRACKING_REGEX_FOR_GREP = '(x+x+)+y';
