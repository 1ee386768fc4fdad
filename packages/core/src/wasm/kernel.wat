;; The counting kernel in WebAssembly with SIMD, 16 bytes compared at once. Built to
;; kernel.wasm by scripts/build-wasm.mjs; loaded by src/matching/counting-workspace.ts,
;; which places chunks, needles and their case masks in this memory.
(module
  (memory (export "memory") 1)
  ;; Lines holding the literal, set by countLiteral beside the occurrences it returns.
  (global $lines (export "lines") (mut i32) (i32.const 0))

  ;; Number of 0x0A bytes in [ptr, ptr + len): counts kept per byte lane and summed every
  ;; 63 steps of 64 bytes (at most 252 per lane, before one could overflow).
  (func $countNewlines (export "countNewlines") (param $ptr i32) (param $len i32) (result i32)
    (local $end i32) (local $vecEnd i32) (local $blockEnd i32)
    (local $total i32) (local $acc v128) (local $nl v128)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (local.set $vecEnd (i32.add (local.get $ptr) (i32.and (local.get $len) (i32.const -64))))
    (local.set $nl (i8x16.splat (i32.const 10)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $vecEnd)))
        (local.set $blockEnd (i32.add (local.get $ptr) (i32.const 4032)))
        (if (i32.gt_u (local.get $blockEnd) (local.get $vecEnd)) (then (local.set $blockEnd (local.get $vecEnd))))
        (local.set $acc (v128.const i64x2 0 0))
        (loop $steps
          (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load (local.get $ptr)) (local.get $nl))))
          (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=16 (local.get $ptr)) (local.get $nl))))
          (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=32 (local.get $ptr)) (local.get $nl))))
          (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=48 (local.get $ptr)) (local.get $nl))))
          (local.set $ptr (i32.add (local.get $ptr) (i32.const 64)))
          (br_if $steps (i32.lt_u (local.get $ptr) (local.get $blockEnd))))
        (local.set $acc (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc))))
        (local.set $total (i32.add (local.get $total)
          (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
                   (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))
        (br $blocks)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $total (i32.add (local.get $total) (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 10))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $tail)))
    (local.get $total))

  ;; Where the first 0x0A at or after $from lies before $end; $end if there is none.
  (func $newlineFrom (param $from i32) (param $end i32) (result i32)
    (local $bits i32) (local $nl v128)
    (local.set $nl (i8x16.splat (i32.const 10)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.gt_s (i32.add (local.get $from) (i32.const 16)) (local.get $end)))
        (local.set $bits (i8x16.bitmask (i8x16.eq (v128.load (local.get $from)) (local.get $nl))))
        (if (local.get $bits) (then (return (i32.add (local.get $from) (i32.ctz (local.get $bits))))))
        (local.set $from (i32.add (local.get $from) (i32.const 16)))
        (br $vectors)))
    (block $found
      (loop $bytes
        (br_if $found (i32.ge_u (local.get $from) (local.get $end)))
        (br_if $found (i32.eq (i32.load8_u (local.get $from)) (i32.const 10)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $bytes)))
    (local.get $from))

  ;; Whether bytes 1 .. k-2 of the needle are at $at (its first and last were compared
  ;; already): each haystack byte ORed with the mask's byte (0x20 for an ASCII letter
  ;; under ignore-case, where the needle holds the lower case; 0 otherwise). A needle of
  ;; up to 16 bytes is compared whole in one vector: the 16 bytes read at $at may go past
  ;; the range searched, never past the workspace's memory (it keeps 16 bytes after
  ;; every chunk), and those past the needle do not count.
  (func $middleMatches (param $at i32) (param $needle i32) (param $mask i32) (param $k i32) (result i32)
    (local $j i32)
    (if (i32.le_u (local.get $k) (i32.const 16))
      (then
        (local.set $j (i32.sub (i32.shl (i32.const 1) (local.get $k)) (i32.const 1)))
        (return (i32.eq (local.get $j) (i32.and (local.get $j) (i8x16.bitmask (i8x16.eq
          (v128.or (v128.load (local.get $at)) (v128.load (local.get $mask))) (v128.load (local.get $needle)))))))))
    (local.set $j (i32.const 1))
    (block $no
      (loop $next
        (if (i32.ge_s (local.get $j) (i32.sub (local.get $k) (i32.const 1))) (then (return (i32.const 1))))
        (br_if $no (i32.ne
          (i32.or (i32.load8_u (i32.add (local.get $at) (local.get $j))) (i32.load8_u (i32.add (local.get $mask) (local.get $j))))
          (i32.load8_u (i32.add (local.get $needle) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
    (i32.const 0))

;; A match at $q: counted, and, when $maxPairs > 0, its line recorded. Shared by both
  ;; loops of scanLiteral through these globals (the scan's state).
  (global $occurrences (mut i32) (i32.const 0))
  (global $countedLineEnd (mut i32) (i32.const 0))
  (global $nextAllowed (mut i32) (i32.const 0))
  (global $pairs (mut i32) (i32.const 0))
  ;; Where a scan that filled its output stopped (the start of the line it could not record).
  (global $resume (export "resume") (mut i32) (i32.const 0))

  ;; Records the match at $q, which lies past the lines counted so far; returns 0 when
  ;; the output is full (the scan stops and resumes at the line's start).
  (func $newLine (param $q i32) (param $ptr i32) (param $end i32) (param $k i32) (param $out i32) (param $maxPairs i32) (result i32)
    (local $lineStart i32)
    (global.set $lines (i32.add (global.get $lines) (i32.const 1)))
    (if (i32.eqz (local.get $maxPairs))
      (then
        (global.set $countedLineEnd (call $newlineFrom (i32.add (local.get $q) (local.get $k)) (local.get $end)))
        (return (i32.const 1))))
    ;; The line's start: after the last newline before $q, no further back than the lines counted.
    (local.set $lineStart (local.get $q))
    (block $found
      (loop $back
        (br_if $found (i32.le_s (local.get $lineStart) (i32.add (global.get $countedLineEnd) (i32.const 1))))
        (br_if $found (i32.eq (i32.load8_u (i32.sub (local.get $lineStart) (i32.const 1))) (i32.const 10)))
        (local.set $lineStart (i32.sub (local.get $lineStart) (i32.const 1)))
        (br $back)))
    (if (i32.ge_u (global.get $pairs) (local.get $maxPairs))
      (then
        (global.set $lines (i32.sub (global.get $lines) (i32.const 1)))
        (global.set $resume (local.get $lineStart))
        (return (i32.const 0))))
    (global.set $countedLineEnd (call $newlineFrom (i32.add (local.get $q) (local.get $k)) (local.get $end)))
    (i32.store (i32.add (local.get $out) (i32.shl (global.get $pairs) (i32.const 3))) (i32.sub (local.get $lineStart) (local.get $ptr)))
    (i32.store offset=4 (i32.add (local.get $out) (i32.shl (global.get $pairs) (i32.const 3))) (i32.sub (global.get $countedLineEnd) (local.get $ptr)))
    (global.set $pairs (i32.add (global.get $pairs) (i32.const 1)))
    ;; The rest of a recorded line needs no search.
    (global.set $nextAllowed (i32.add (global.get $countedLineEnd) (i32.const 1)))
    (i32.const 1))

  ;; The needle ($k >= 1 bytes at $needle, its case mask at $mask) in [ptr, ptr + len).
  ;; With $maxPairs = 0: returns its non-overlapping occurrences, left to right as grep -o
  ;; finds them, and sets $lines to the lines holding it. Otherwise: writes the lines
  ;; holding it as [start, end) pairs of i32 offsets from $ptr (end at the newline) to
  ;; $out, at most $maxPairs, and returns how many; $resume is $ptr + $len when it
  ;; reached the end, else where to go on from. The needle never holds a newline.
  ;; Candidates are the positions where its first and last bytes both match, 32
  ;; positions a step; each is then compared in full.
  (func (export "scanLiteral") (param $ptr i32) (param $len i32) (param $needle i32) (param $mask i32) (param $k i32) (param $out i32) (param $maxPairs i32) (result i32)
    (local $end i32) (local $p i32) (local $q i32) (local $bits i32)
    (local $lo v128) (local $hi v128) (local $first v128) (local $firstMask v128) (local $last v128) (local $lastMask v128)
    (local $lastByte i32) (local $lastMaskByte i32) (local $firstByte i32) (local $firstMaskByte i32)
    (global.set $lines (i32.const 0))
    (global.set $occurrences (i32.const 0))
    (global.set $pairs (i32.const 0))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (global.set $resume (local.get $end))
    (if (i32.or (i32.eqz (local.get $k)) (i32.gt_s (local.get $k) (local.get $len))) (then (return (i32.const 0))))
    (local.set $firstByte (i32.load8_u (local.get $needle)))
    (local.set $firstMaskByte (i32.load8_u (local.get $mask)))
    (local.set $lastByte (i32.load8_u (i32.add (local.get $needle) (i32.sub (local.get $k) (i32.const 1)))))
    (local.set $lastMaskByte (i32.load8_u (i32.add (local.get $mask) (i32.sub (local.get $k) (i32.const 1)))))
    (local.set $first (i8x16.splat (local.get $firstByte)))
    (local.set $firstMask (i8x16.splat (local.get $firstMaskByte)))
    (local.set $last (i8x16.splat (local.get $lastByte)))
    (local.set $lastMask (i8x16.splat (local.get $lastMaskByte)))
    (global.set $countedLineEnd (i32.sub (local.get $ptr) (i32.const 1)))
    (global.set $nextAllowed (local.get $ptr))
    (local.set $p (local.get $ptr))
    (block $stop
      ;; 32 candidate positions a step while all of them, and the bytes their last byte is
      ;; compared with, lie before $end.
      (block $vectorsDone
        (loop $vectors
          (br_if $vectorsDone (i32.gt_s (i32.add (local.get $p) (i32.add (local.get $k) (i32.const 31))) (local.get $end)))
          (local.set $lo (v128.and
            (i8x16.eq (v128.or (v128.load (local.get $p)) (local.get $firstMask)) (local.get $first))
            (i8x16.eq (v128.or (v128.load (i32.add (local.get $p) (i32.sub (local.get $k) (i32.const 1)))) (local.get $lastMask)) (local.get $last))))
          (local.set $hi (v128.and
            (i8x16.eq (v128.or (v128.load offset=16 (local.get $p)) (local.get $firstMask)) (local.get $first))
            (i8x16.eq (v128.or (v128.load offset=16 (i32.add (local.get $p) (i32.sub (local.get $k) (i32.const 1)))) (local.get $lastMask)) (local.get $last))))
          ;; Most steps have no candidate: one test for both halves.
          (if (v128.any_true (v128.or (local.get $lo) (local.get $hi)))
            (then
              (local.set $bits (i32.or (i8x16.bitmask (local.get $lo)) (i32.shl (i8x16.bitmask (local.get $hi)) (i32.const 16))))
              (block $candidatesDone
                (loop $candidates
                  (br_if $candidatesDone (i32.eqz (local.get $bits)))
                  (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $bits))))
                  (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
                  (if (i32.ge_s (local.get $q) (global.get $nextAllowed))
                    (then
                      (if (call $middleMatches (local.get $q) (local.get $needle) (local.get $mask) (local.get $k))
                        (then
                          (global.set $occurrences (i32.add (global.get $occurrences) (i32.const 1)))
                          (global.set $nextAllowed (i32.add (local.get $q) (local.get $k)))
                          (if (i32.gt_s (local.get $q) (global.get $countedLineEnd))
                            (then
                              (br_if $stop (i32.eqz (call $newLine (local.get $q) (local.get $ptr) (local.get $end) (local.get $k) (local.get $out) (local.get $maxPairs))))))))))
                  (br $candidates)))))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          ;; A recorded line's rest is skipped.
          (if (i32.gt_s (global.get $nextAllowed) (local.get $p)) (then (local.set $p (global.get $nextAllowed))))
          (br $vectors)))
      ;; The last positions one by one.
      (block $tailDone
        (loop $tail
          (br_if $tailDone (i32.gt_s (i32.add (local.get $p) (local.get $k)) (local.get $end)))
          (if (i32.and
                (i32.ge_s (local.get $p) (global.get $nextAllowed))
                (i32.and
                  (i32.eq (i32.or (i32.load8_u (local.get $p)) (local.get $firstMaskByte)) (local.get $firstByte))
                  (i32.eq (i32.or (i32.load8_u (i32.add (local.get $p) (i32.sub (local.get $k) (i32.const 1)))) (local.get $lastMaskByte)) (local.get $lastByte))))
            (then
              (if (call $middleMatches (local.get $p) (local.get $needle) (local.get $mask) (local.get $k))
                (then
                  (global.set $occurrences (i32.add (global.get $occurrences) (i32.const 1)))
                  (global.set $nextAllowed (i32.add (local.get $p) (local.get $k)))
                  (if (i32.gt_s (local.get $p) (global.get $countedLineEnd))
                    (then
                      (br_if $stop (i32.eqz (call $newLine (local.get $p) (local.get $ptr) (local.get $end) (local.get $k) (local.get $out) (local.get $maxPairs))))))))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $tail))))
    (if (result i32) (local.get $maxPairs) (then (global.get $pairs)) (else (global.get $occurrences))))

  ;; Newlines counted by countLiteralLines beside the occurrences it returns.
  (global $newlines (export "newlines") (mut i32) (i32.const 0))
  ;; The number of the line (the newlines before it) of the last match countLiteralLines counted.
  (global $lastLine (mut i32) (i32.const -1))

  ;; The sum of the 16 byte lanes of $v (each at most 255).
  (func $laneSum (param $v v128) (result i32)
    (local.set $v (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $v))))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
             (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; The 64 lanes of four comparisons' results as bits, the first vector's in the lowest.
  (func $bits64 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result i64)
    (i64.or
      (i64.extend_i32_u (i32.or (i8x16.bitmask (local.get $a)) (i32.shl (i8x16.bitmask (local.get $b)) (i32.const 16))))
      (i64.shl (i64.extend_i32_u (i32.or (i8x16.bitmask (local.get $c)) (i32.shl (i8x16.bitmask (local.get $d)) (i32.const 16))))
               (i64.const 32))))

  ;; A match of countLiteralLines on line number $line: the occurrence counted, and its line
  ;; if no match before was on it.
  (func $countMatch (param $line i32)
    (global.set $occurrences (i32.add (global.get $occurrences) (i32.const 1)))
    (if (i32.ne (local.get $line) (global.get $lastLine))
      (then
        (global.set $lines (i32.add (global.get $lines) (i32.const 1)))
        (global.set $lastLine (local.get $line)))))

  ;; The candidates of a step of countLiteralLines at $p, the positions where the needle's
  ;; first and last bytes match ($c0 .. $c3), each compared in full; the step's bytes
  ;; ($v0 .. $v3) give the newlines within it, and $before is the number before it.
  (func $stepCandidates (param $p i32) (param $c0 v128) (param $c1 v128) (param $c2 v128) (param $c3 v128)
    (param $v0 v128) (param $v1 v128) (param $v2 v128) (param $v3 v128)
    (param $before i32) (param $needle i32) (param $mask i32) (param $k i32)
    (local $bits i64) (local $newlineBits i64) (local $q i32) (local $nl v128)
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $newlineBits (call $bits64 (i8x16.eq (local.get $v0) (local.get $nl)) (i8x16.eq (local.get $v1) (local.get $nl))
      (i8x16.eq (local.get $v2) (local.get $nl)) (i8x16.eq (local.get $v3) (local.get $nl))))
    (local.set $bits (call $bits64 (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3)))
    (loop $candidates
      (local.set $q (i32.add (local.get $p) (i32.wrap_i64 (i64.ctz (local.get $bits)))))
      (local.set $bits (i64.and (local.get $bits) (i64.sub (local.get $bits) (i64.const 1))))
      (if (i32.ge_s (local.get $q) (global.get $nextAllowed))
        (then
          (if (call $middleMatches (local.get $q) (local.get $needle) (local.get $mask) (local.get $k))
            (then
              (global.set $nextAllowed (i32.add (local.get $q) (local.get $k)))
              ;; Its line: the newlines before the step, and those of the step before $q.
              (call $countMatch (i32.add (local.get $before) (i32.wrap_i64 (i64.popcnt (i64.and (local.get $newlineBits)
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.sub (local.get $q) (local.get $p)))) (i64.const 1)))))))))))
      (br_if $candidates (i64.ne (local.get $bits) (i64.const 0)))))

  ;; The steps of countLiteralLines, 64 positions each, from $p while $p <= $vecLimit (so
  ;; that the last byte compared, at up to $p + 63 + k - 1, is in the range): returns
  ;; where they stopped, and sets $newlines to the newlines before it. Newlines are
  ;; counted per byte lane on the bytes loaded for the needle's first byte, and summed
  ;; every 63 steps; a step where the needle's first and last bytes match nowhere costs
  ;; one branch. Two copies: with the needle's case masks (ignore-case) and without.
  (func $maskedSteps (param $p i32) (param $vecLimit i32) (param $needle i32) (param $mask i32) (param $k i32) (result i32)
    (local $blockEnd i32) (local $at i32) (local $total i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $acc v128) (local $nl v128) (local $first v128) (local $last v128) (local $firstMask v128) (local $lastMask v128)
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $first (i8x16.splat (i32.load8_u (local.get $needle))))
    (local.set $last (i8x16.splat (i32.load8_u (i32.add (local.get $needle) (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $firstMask (i8x16.splat (i32.load8_u (local.get $mask))))
    (local.set $lastMask (i8x16.splat (i32.load8_u (i32.add (local.get $mask) (i32.sub (local.get $k) (i32.const 1))))))
    (block $done
      (loop $blocks
        (br_if $done (i32.gt_s (local.get $p) (local.get $vecLimit)))
        (local.set $blockEnd (i32.add (local.get $p) (i32.const 4032)))
        (if (i32.gt_s (local.get $blockEnd) (i32.add (local.get $vecLimit) (i32.const 1)))
          (then (local.set $blockEnd (i32.add (local.get $vecLimit) (i32.const 1)))))
        (local.set $acc (v128.const i64x2 0 0))
        (loop $steps
          (local.set $v0 (v128.load (local.get $p)))
          (local.set $v1 (v128.load offset=16 (local.get $p)))
          (local.set $v2 (v128.load offset=32 (local.get $p)))
          (local.set $v3 (v128.load offset=48 (local.get $p)))
          (local.set $at (i32.add (local.get $p) (i32.sub (local.get $k) (i32.const 1))))
          (local.set $c0 (v128.and (i8x16.eq (v128.or (local.get $v0) (local.get $firstMask)) (local.get $first))
            (i8x16.eq (v128.or (v128.load (local.get $at)) (local.get $lastMask)) (local.get $last))))
          (local.set $c1 (v128.and (i8x16.eq (v128.or (local.get $v1) (local.get $firstMask)) (local.get $first))
            (i8x16.eq (v128.or (v128.load offset=16 (local.get $at)) (local.get $lastMask)) (local.get $last))))
          (local.set $c2 (v128.and (i8x16.eq (v128.or (local.get $v2) (local.get $firstMask)) (local.get $first))
            (i8x16.eq (v128.or (v128.load offset=32 (local.get $at)) (local.get $lastMask)) (local.get $last))))
          (local.set $c3 (v128.and (i8x16.eq (v128.or (local.get $v3) (local.get $firstMask)) (local.get $first))
            (i8x16.eq (v128.or (v128.load offset=48 (local.get $at)) (local.get $lastMask)) (local.get $last))))
          (if (v128.any_true (v128.or (v128.or (local.get $c0) (local.get $c1)) (v128.or (local.get $c2) (local.get $c3))))
            (then
              (call $stepCandidates (local.get $p) (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3)
                (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3)
                (i32.add (local.get $total) (call $laneSum (local.get $acc))) (local.get $needle) (local.get $mask) (local.get $k))))
          (local.set $acc (i8x16.sub (i8x16.sub (local.get $acc) (i8x16.eq (local.get $v0) (local.get $nl)))
                                     (i8x16.eq (local.get $v1) (local.get $nl))))
          (local.set $acc (i8x16.sub (i8x16.sub (local.get $acc) (i8x16.eq (local.get $v2) (local.get $nl)))
                                     (i8x16.eq (local.get $v3) (local.get $nl))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br_if $steps (i32.lt_s (local.get $p) (local.get $blockEnd))))
        (local.set $total (i32.add (local.get $total) (call $laneSum (local.get $acc))))
        (br $blocks)))
    (global.set $newlines (local.get $total))
    (local.get $p))

  (func $exactSteps (param $p i32) (param $vecLimit i32) (param $needle i32) (param $mask i32) (param $k i32) (result i32)
    (local $blockEnd i32) (local $at i32) (local $total i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $acc v128) (local $nl v128) (local $first v128) (local $last v128)
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $first (i8x16.splat (i32.load8_u (local.get $needle))))
    (local.set $last (i8x16.splat (i32.load8_u (i32.add (local.get $needle) (i32.sub (local.get $k) (i32.const 1))))))
    (block $done
      (loop $blocks
        (br_if $done (i32.gt_s (local.get $p) (local.get $vecLimit)))
        (local.set $blockEnd (i32.add (local.get $p) (i32.const 4032)))
        (if (i32.gt_s (local.get $blockEnd) (i32.add (local.get $vecLimit) (i32.const 1)))
          (then (local.set $blockEnd (i32.add (local.get $vecLimit) (i32.const 1)))))
        (local.set $acc (v128.const i64x2 0 0))
        (loop $steps
          (local.set $v0 (v128.load (local.get $p)))
          (local.set $v1 (v128.load offset=16 (local.get $p)))
          (local.set $v2 (v128.load offset=32 (local.get $p)))
          (local.set $v3 (v128.load offset=48 (local.get $p)))
          (local.set $at (i32.add (local.get $p) (i32.sub (local.get $k) (i32.const 1))))
          (local.set $c0 (v128.and (i8x16.eq (local.get $v0) (local.get $first))
            (i8x16.eq (v128.load (local.get $at)) (local.get $last))))
          (local.set $c1 (v128.and (i8x16.eq (local.get $v1) (local.get $first))
            (i8x16.eq (v128.load offset=16 (local.get $at)) (local.get $last))))
          (local.set $c2 (v128.and (i8x16.eq (local.get $v2) (local.get $first))
            (i8x16.eq (v128.load offset=32 (local.get $at)) (local.get $last))))
          (local.set $c3 (v128.and (i8x16.eq (local.get $v3) (local.get $first))
            (i8x16.eq (v128.load offset=48 (local.get $at)) (local.get $last))))
          (if (v128.any_true (v128.or (v128.or (local.get $c0) (local.get $c1)) (v128.or (local.get $c2) (local.get $c3))))
            (then
              (call $stepCandidates (local.get $p) (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3)
                (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3)
                (i32.add (local.get $total) (call $laneSum (local.get $acc))) (local.get $needle) (local.get $mask) (local.get $k))))
          (local.set $acc (i8x16.sub (i8x16.sub (local.get $acc) (i8x16.eq (local.get $v0) (local.get $nl)))
                                     (i8x16.eq (local.get $v1) (local.get $nl))))
          (local.set $acc (i8x16.sub (i8x16.sub (local.get $acc) (i8x16.eq (local.get $v2) (local.get $nl)))
                                     (i8x16.eq (local.get $v3) (local.get $nl))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br_if $steps (i32.lt_s (local.get $p) (local.get $blockEnd))))
        (local.set $total (i32.add (local.get $total) (call $laneSum (local.get $acc))))
        (br $blocks)))
    (global.set $newlines (local.get $total))
    (local.get $p))

  ;; In one read of [ptr, ptr + len): the needle's non-overlapping occurrences (returned),
  ;; the lines holding it ($lines), as scanLiteral with $maxPairs = 0 finds them, and the
  ;; 0x0A bytes ($newlines), as countNewlines counts them. A match's line is known by its
  ;; number (the newlines before it), so a line holding the needle is counted once with
  ;; no search for its end. $exact: the mask is all zeros (the case-sensitive steps run).
  (func (export "countLiteralLines") (param $ptr i32) (param $len i32) (param $needle i32) (param $mask i32) (param $k i32) (param $exact i32) (result i32)
    (local $end i32) (local $p i32) (local $vecLimit i32) (local $total i32)
    (local $firstByte i32) (local $firstMaskByte i32) (local $lastByte i32) (local $lastMaskByte i32)
    (global.set $lines (i32.const 0))
    (global.set $occurrences (i32.const 0))
    (global.set $lastLine (i32.const -1))
    (if (i32.or (i32.eqz (local.get $k)) (i32.gt_s (local.get $k) (local.get $len)))
      (then
        (global.set $newlines (call $countNewlines (local.get $ptr) (local.get $len)))
        (return (i32.const 0))))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (global.set $nextAllowed (local.get $ptr))
    (local.set $vecLimit (i32.sub (local.get $end) (i32.add (local.get $k) (i32.const 63))))
    (local.set $p (if (result i32) (local.get $exact)
      (then (call $exactSteps (local.get $ptr) (local.get $vecLimit) (local.get $needle) (local.get $mask) (local.get $k)))
      (else (call $maskedSteps (local.get $ptr) (local.get $vecLimit) (local.get $needle) (local.get $mask) (local.get $k)))))
    (local.set $total (global.get $newlines))
    ;; The positions after the last step one by one, $total kept the newlines before $p.
    (local.set $firstByte (i32.load8_u (local.get $needle)))
    (local.set $firstMaskByte (i32.load8_u (local.get $mask)))
    (local.set $lastByte (i32.load8_u (i32.add (local.get $needle) (i32.sub (local.get $k) (i32.const 1)))))
    (local.set $lastMaskByte (i32.load8_u (i32.add (local.get $mask) (i32.sub (local.get $k) (i32.const 1)))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.gt_s (i32.add (local.get $p) (local.get $k)) (local.get $end)))
        (if (i32.and
              (i32.ge_s (local.get $p) (global.get $nextAllowed))
              (i32.and
                (i32.eq (i32.or (i32.load8_u (local.get $p)) (local.get $firstMaskByte)) (local.get $firstByte))
                (i32.eq (i32.or (i32.load8_u (i32.add (local.get $p) (i32.sub (local.get $k) (i32.const 1)))) (local.get $lastMaskByte))
                        (local.get $lastByte))))
          (then
            (if (call $middleMatches (local.get $p) (local.get $needle) (local.get $mask) (local.get $k))
              (then
                (global.set $nextAllowed (i32.add (local.get $p) (local.get $k)))
                (call $countMatch (local.get $total))))))
        (local.set $total (i32.add (local.get $total) (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
    (global.set $newlines (i32.add (local.get $total) (call $countNewlines (local.get $p) (i32.sub (local.get $end) (local.get $p)))))
    (global.get $occurrences))

  ;; A line automaton (see src/matching/line-dfa.ts), placed by the workspace: its rows of
  ;; 256 targets, one per byte, where a target is the absolute address of a row (so a
  ;; step is one load); its rows of targets per wide symbol; per row, whether the
  ;; character just read is a word character; per code point below U+10000, its wide
  ;; symbol (255: the line goes to V8), and the segments above (see $wideSymbol); per
  ;; row, whether its line has a match counted.
  ;; The first six rows are the pseudo states the scan looks at: WIDE, END, END_MATCH,
  ;; DEAD, DEAD_MATCH, TO_V8; then the states that report a match, up to $dfaSpecial.
  ;; Addresses stay below 2 GiB (a chunk holds at most 500 MiB, the limit of
  ;; --max-line-size, after 1.375 MiB of fixed pages): they compare as signed numbers, and
  ;; -1 can stand for no match.
  (global $dfaTable (mut i32) (i32.const 0))
  (global $dfaWide (mut i32) (i32.const 0))
  (global $dfaWord (mut i32) (i32.const 0))
  (global $dfaLineMatched (mut i32) (i32.const 0))
  (global $dfaBmp (mut i32) (i32.const 0))
  (global $dfaAstral (mut i32) (i32.const 0))
  (global $dfaWideSymbols (mut i32) (i32.const 0))
  (global $dfaSpecial (mut i32) (i32.const 0))
  (global $dfaStartOfLine (mut i32) (i32.const 0))
  (global $dfaAfterWord (mut i32) (i32.const 0))
  (global $dfaAfterOther (mut i32) (i32.const 0))
  ;; Matching lines and matches, added to by scanDfa; the caller zeroes them.
  (global $dfaLines (export "dfaLines") (mut i32) (i32.const 0))
  (global $dfaOccurrences (export "dfaOccurrences") (mut i32) (i32.const 0))

  (func (export "loadDfa") (param $table i32) (param $wide i32) (param $word i32) (param $lineMatched i32) (param $bmp i32)
      (param $astral i32) (param $wideSymbols i32) (param $special i32) (param $startOfLine i32) (param $afterWord i32) (param $afterOther i32)
    (global.set $dfaTable (local.get $table))
    (global.set $dfaWide (local.get $wide))
    (global.set $dfaWord (local.get $word))
    (global.set $dfaLineMatched (local.get $lineMatched))
    (global.set $dfaBmp (local.get $bmp))
    (global.set $dfaAstral (local.get $astral))
    (global.set $dfaWideSymbols (local.get $wideSymbols))
    (global.set $dfaSpecial (local.get $special))
    (global.set $dfaStartOfLine (local.get $startOfLine))
    (global.set $dfaAfterWord (local.get $afterWord))
    (global.set $dfaAfterOther (local.get $afterOther)))

  ;; The code point of the valid UTF-8 sequence of two to four bytes at $p times 8 plus
  ;; its length, or -1 where it is not valid (V8 decodes U+FFFD there). A byte is read
  ;; only once the ones before it are a lead and continuations, so never past the
  ;; line's newline.
  (func $utf8At (param $p i32) (result i32)
    (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local.set $b0 (i32.load8_u (local.get $p)))
    (local.set $b1 (i32.load8_u offset=1 (local.get $p)))
    (if (i32.lt_u (local.get $b0) (i32.const 0xc2)) (then (return (i32.const -1))))
    (if (i32.lt_u (local.get $b0) (i32.const 0xe0))
      (then
        (if (i32.ne (i32.and (local.get $b1) (i32.const 0xc0)) (i32.const 0x80)) (then (return (i32.const -1))))
        (return (i32.or (i32.shl (i32.or (i32.shl (i32.and (local.get $b0) (i32.const 0x1f)) (i32.const 6))
                                         (i32.and (local.get $b1) (i32.const 0x3f))) (i32.const 3)) (i32.const 2)))))
    (if (i32.lt_u (local.get $b0) (i32.const 0xf0))
      (then
        ;; E0 must not be overlong; ED must not encode a surrogate.
        (if (i32.lt_u (local.get $b1) (select (i32.const 0xa0) (i32.const 0x80) (i32.eq (local.get $b0) (i32.const 0xe0)))) (then (return (i32.const -1))))
        (if (i32.gt_u (local.get $b1) (select (i32.const 0x9f) (i32.const 0xbf) (i32.eq (local.get $b0) (i32.const 0xed)))) (then (return (i32.const -1))))
        (local.set $b2 (i32.load8_u offset=2 (local.get $p)))
        (if (i32.ne (i32.and (local.get $b2) (i32.const 0xc0)) (i32.const 0x80)) (then (return (i32.const -1))))
        (return (i32.or (i32.shl (i32.or (i32.or (i32.shl (i32.and (local.get $b0) (i32.const 0x0f)) (i32.const 12))
                                                 (i32.shl (i32.and (local.get $b1) (i32.const 0x3f)) (i32.const 6)))
                                         (i32.and (local.get $b2) (i32.const 0x3f))) (i32.const 3)) (i32.const 3)))))
    (if (i32.gt_u (local.get $b0) (i32.const 0xf4)) (then (return (i32.const -1))))
    ;; F0 must not be overlong; F4 must stay below U+110000.
    (if (i32.lt_u (local.get $b1) (select (i32.const 0x90) (i32.const 0x80) (i32.eq (local.get $b0) (i32.const 0xf0)))) (then (return (i32.const -1))))
    (if (i32.gt_u (local.get $b1) (select (i32.const 0x8f) (i32.const 0xbf) (i32.eq (local.get $b0) (i32.const 0xf4)))) (then (return (i32.const -1))))
    (local.set $b2 (i32.load8_u offset=2 (local.get $p)))
    (if (i32.ne (i32.and (local.get $b2) (i32.const 0xc0)) (i32.const 0x80)) (then (return (i32.const -1))))
    (local.set $b3 (i32.load8_u offset=3 (local.get $p)))
    (if (i32.ne (i32.and (local.get $b3) (i32.const 0xc0)) (i32.const 0x80)) (then (return (i32.const -1))))
    (i32.or (i32.shl (i32.or (i32.or (i32.shl (i32.and (local.get $b0) (i32.const 0x07)) (i32.const 18))
                                     (i32.shl (i32.and (local.get $b1) (i32.const 0x3f)) (i32.const 12)))
                             (i32.or (i32.shl (i32.and (local.get $b2) (i32.const 0x3f)) (i32.const 6))
                                     (i32.and (local.get $b3) (i32.const 0x3f)))) (i32.const 3)) (i32.const 4)))

  ;; The wide symbol of a code point: from the table below U+10000, else by a binary
  ;; search of the segments above it ($dfaAstral: their count, first code points and
  ;; symbols, as i32). 255: none, the line goes to V8.
  (func $wideSymbol (param $cp i32) (result i32)
    (local $count i32) (local $starts i32) (local $low i32) (local $high i32) (local $mid i32)
    (if (i32.lt_u (local.get $cp) (i32.const 0x10000))
      (then (return (i32.load8_u (i32.add (global.get $dfaBmp) (local.get $cp))))))
    (local.set $count (i32.load (global.get $dfaAstral)))
    (if (i32.eqz (local.get $count)) (then (return (i32.const 255))))
    (local.set $starts (i32.add (global.get $dfaAstral) (i32.const 4)))
    (local.set $high (i32.sub (local.get $count) (i32.const 1)))
    (block $done
      (loop $halve
        (br_if $done (i32.ge_s (local.get $low) (local.get $high)))
        (local.set $mid (i32.shr_u (i32.add (i32.add (local.get $low) (local.get $high)) (i32.const 1)) (i32.const 1)))
        (if (i32.le_u (i32.load (i32.add (local.get $starts) (i32.shl (local.get $mid) (i32.const 2)))) (local.get $cp))
          (then (local.set $low (local.get $mid)))
          (else (local.set $high (i32.sub (local.get $mid) (i32.const 1)))))
        (br $halve)))
    (i32.load (i32.add (i32.add (local.get $starts) (i32.shl (local.get $count) (i32.const 2))) (i32.shl (local.get $low) (i32.const 2)))))

  ;; A stream of whole lines the automaton runs over, as a record in memory (i32 fields):
  ;; +0 p (the next byte), +4 end (after the last line's newline), +8 s (the state), +12
  ;; the stream's start, +16 matches counted on the line of the last one counted, +20
  ;; where the match waiting to be counted ends (-1: none), +24 whether a word character
  ;; precedes that end, +28 (out) the start of a line handed to V8.
  (func (export "openStream") (param $rec i32) (param $start i32) (param $end i32)
    (i32.store offset=4 (local.get $rec) (local.get $end))
    (i32.store offset=12 (local.get $rec) (local.get $start))
    (i32.store offset=16 (local.get $rec) (i32.const 0))
    (call $startLine (local.get $rec) (local.get $start)))

  ;; Sets the stream at $rec to the start of the line at $p.
  (func $startLine (export "startLine") (param $rec i32) (param $p i32)
    (i32.store (local.get $rec) (local.get $p))
    (i32.store offset=8 (local.get $rec) (global.get $dfaStartOfLine))
    (i32.store offset=20 (local.get $rec) (i32.const -1)))

  ;; Whether state $s's line has a match counted.
  (func $lineMatched (param $s i32) (result i32)
    (i32.load8_u (i32.add (global.get $dfaLineMatched) (i32.shr_u (i32.sub (local.get $s) (global.get $dfaTable)) (i32.const 10)))))

  ;; The line holding $p, in state $s, goes to V8: what was counted on it is taken back,
  ;; and its start (after the last newline before $p, not before the stream) is left at
  ;; +28 for the caller. Returns 1.
  (func $toV8 (param $rec i32) (param $s i32) (param $p i32) (result i32)
    (local $floor i32)
    (if (call $lineMatched (local.get $s))
      (then
        (global.set $dfaLines (i32.sub (global.get $dfaLines) (i32.const 1)))
        (global.set $dfaOccurrences (i32.sub (global.get $dfaOccurrences) (i32.load offset=16 (local.get $rec))))))
    (local.set $floor (i32.load offset=12 (local.get $rec)))
    (block $found
      (loop $back
        (br_if $found (i32.le_u (local.get $p) (local.get $floor)))
        (br_if $found (i32.eq (i32.load8_u (i32.sub (local.get $p) (i32.const 1))) (i32.const 10)))
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (br $back)))
    (i32.store offset=28 (local.get $rec) (local.get $p))
    (i32.const 1))

  ;; The stream at $rec read the byte at its p and stepped to $next, below $dfaSpecial
  ;; (its p and s not yet moved): does what that state asks, as scan() in line-dfa.ts
  ;; does. Returns 1 if the line goes to V8 (see $toV8), else 0.
  (func $event (param $rec i32) (param $next i32) (result i32)
    (local $table i32) (local $p i32) (local $s i32) (local $at i32) (local $decoded i32) (local $symbol i32)
    (local $matchEnd i32) (local $b0 i32) (local $b1 i32)
    (local.set $table (global.get $dfaTable))
    (local.set $p (i32.load (local.get $rec)))
    (local.set $s (i32.load offset=8 (local.get $rec)))
    (local.set $at (local.get $p))
    ;; TO_V8: a byte that does not go on with the character begun.
    (if (i32.eq (local.get $next) (i32.add (local.get $table) (i32.const 5120)))
      (then (return (call $toV8 (local.get $rec) (local.get $s) (local.get $p)))))
    ;; WIDE: a character of two to four bytes steps by its symbol; so do the ones right
    ;; after it (padding such as ···), here, while they lead to ordinary states.
    (if (i32.eq (local.get $next) (local.get $table))
      (then
        (loop $wide
          ;; Two bytes (the usual case) decoded here, others by $utf8At.
          (local.set $b0 (i32.load8_u (local.get $p)))
          (local.set $b1 (i32.load8_u offset=1 (local.get $p)))
          (if (i32.and (i32.and (i32.ge_u (local.get $b0) (i32.const 0xc2)) (i32.lt_u (local.get $b0) (i32.const 0xe0)))
                       (i32.eq (i32.and (local.get $b1) (i32.const 0xc0)) (i32.const 0x80)))
            (then (local.set $decoded (i32.or (i32.shl (i32.or (i32.shl (i32.and (local.get $b0) (i32.const 0x1f)) (i32.const 6))
                                                               (i32.and (local.get $b1) (i32.const 0x3f))) (i32.const 3)) (i32.const 2))))
            (else (local.set $decoded (call $utf8At (local.get $p)))))
          (if (i32.lt_s (local.get $decoded) (i32.const 0))
            (then (return (call $toV8 (local.get $rec) (local.get $s) (local.get $p)))))
          (local.set $symbol (call $wideSymbol (i32.shr_u (local.get $decoded) (i32.const 3))))
          (if (i32.eq (local.get $symbol) (i32.const 255))
            (then (return (call $toV8 (local.get $rec) (local.get $s) (local.get $p)))))
          (local.set $next (i32.load (i32.add (global.get $dfaWide)
            (i32.shl (i32.add (i32.mul (i32.shr_u (i32.sub (local.get $s) (local.get $table)) (i32.const 10)) (global.get $dfaWideSymbols))
                              (local.get $symbol)) (i32.const 2)))))
          (local.set $at (local.get $p))
          (local.set $p (i32.add (local.get $p) (i32.sub (i32.and (local.get $decoded) (i32.const 7)) (i32.const 1))))
          (if (i32.ge_u (local.get $next) (global.get $dfaSpecial))
            (then
              (local.set $s (local.get $next))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $wide (i32.ge_u (i32.load8_u (local.get $p)) (i32.const 0x80)))
              (i32.store (local.get $rec) (local.get $p))
              (i32.store offset=8 (local.get $rec) (local.get $s))
              (return (i32.const 0)))))))
    (local.set $matchEnd (i32.load offset=20 (local.get $rec)))
    ;; A match ended at $at: with threads still going (from row 6), at the line's end
    ;; (END_MATCH, row 2), or with none (DEAD_MATCH, row 4).
    (if (i32.or (i32.ge_u (local.get $next) (i32.add (local.get $table) (i32.const 6144)))
          (i32.or (i32.eq (local.get $next) (i32.add (local.get $table) (i32.const 2048)))
                  (i32.eq (local.get $next) (i32.add (local.get $table) (i32.const 4096)))))
      (then
        (local.set $matchEnd (local.get $at))
        (i32.store offset=24 (local.get $rec)
          (i32.load8_u (i32.add (global.get $dfaWord) (i32.shr_u (i32.sub (local.get $s) (local.get $table)) (i32.const 10)))))))
    (if (i32.ge_u (local.get $next) (i32.add (local.get $table) (i32.const 6144)))
      (then
        (i32.store (local.get $rec) (i32.add (local.get $p) (i32.const 1)))
        (i32.store offset=8 (local.get $rec) (local.get $next))
        (i32.store offset=20 (local.get $rec) (local.get $matchEnd))
        (return (i32.const 0))))
    ;; The automaton stopped, or the line ended: the match waiting is counted.
    (if (i32.ge_s (local.get $matchEnd) (i32.const 0))
      (then
        (if (i32.eqz (call $lineMatched (local.get $s)))
          (then
            (global.set $dfaLines (i32.add (global.get $dfaLines) (i32.const 1)))
            (i32.store offset=16 (local.get $rec) (i32.const 0))))
        (global.set $dfaOccurrences (i32.add (global.get $dfaOccurrences) (i32.const 1)))
        (i32.store offset=16 (local.get $rec) (i32.add (i32.load offset=16 (local.get $rec)) (i32.const 1)))
        ;; Unless it ended at the line's end, the next search starts where it ended.
        (if (i32.or (i32.lt_u (local.get $matchEnd) (local.get $at))
                    (i32.eq (local.get $next) (i32.add (local.get $table) (i32.const 4096))))
          (then
            (i32.store (local.get $rec) (local.get $matchEnd))
            (i32.store offset=8 (local.get $rec)
              (select (global.get $dfaAfterWord) (global.get $dfaAfterOther) (i32.load offset=24 (local.get $rec))))
            (i32.store offset=20 (local.get $rec) (i32.const -1))
            (return (i32.const 0)))))
      (else
        ;; DEAD with no match waiting cannot happen (DEAD follows a match); to the line's end.
        (if (i32.eq (local.get $next) (i32.add (local.get $table) (i32.const 3072)))
          (then (local.set $p (call $newlineFrom (local.get $p) (i32.load offset=4 (local.get $rec))))))))
    ;; The line ends at $p.
    (call $startLine (local.get $rec) (i32.add (local.get $p) (i32.const 1)))
    (i32.const 0))

  ;; Runs the stream at $rec alone to its end. Returns 1 if a line goes to V8, else 0.
  (func $scanOne (param $rec i32) (result i32)
    (local $p i32) (local $end i32) (local $s i32) (local $next i32) (local $special i32)
    (local.set $special (global.get $dfaSpecial))
    (local.set $end (i32.load offset=4 (local.get $rec)))
    (block $done
      (loop $reload
        (local.set $p (i32.load (local.get $rec)))
        (local.set $s (i32.load offset=8 (local.get $rec)))
        (loop $step
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $next (i32.load (i32.add (local.get $s) (i32.shl (i32.load8_u (local.get $p)) (i32.const 2)))))
          (if (i32.ge_u (local.get $next) (local.get $special))
            (then
              (local.set $s (local.get $next))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $step))))
        (i32.store (local.get $rec) (local.get $p))
        (i32.store offset=8 (local.get $rec) (local.get $s))
        (if (call $event (local.get $rec) (local.get $next)) (then (return (i32.const 1))))
        (br $reload)))
    (i32.store (local.get $rec) (local.get $p))
    (i32.store offset=8 (local.get $rec) (local.get $s))
    (i32.const 0))

  ;; Runs the loaded automaton over four streams of whole lines at once (records at
  ;; $a, $b, $c and $d): their steps do not wait on each other, so the processor overlaps them.
  ;; Adds each line's matches to $dfaLines and $dfaOccurrences. Returns -1 when all are
  ;; done, or the record of a stream whose line (from its record's line start) goes to
  ;; V8: the caller counts it, starts that stream after it (startLine) and calls again.
  (func (export "scanDfa") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (local $pA i32) (local $sA i32) (local $nA i32) (local $pB i32) (local $sB i32) (local $nB i32) (local $pC i32) (local $sC i32) (local $nC i32) (local $pD i32) (local $sD i32) (local $nD i32) (local $special i32) (local $steps i32) (local $left i32)
    (local.set $special (global.get $dfaSpecial))
    (local.set $pA (i32.load (local.get $a)))
    (local.set $sA (i32.load offset=8 (local.get $a)))
    (local.set $pB (i32.load (local.get $b)))
    (local.set $sB (i32.load offset=8 (local.get $b)))
    (local.set $pC (i32.load (local.get $c)))
    (local.set $sC (i32.load offset=8 (local.get $c)))
    (local.set $pD (i32.load (local.get $d)))
    (local.set $sD (i32.load offset=8 (local.get $d)))
    (block $one
      (loop $round
        ;; Steps every stream can take before one reaches its end.
      (local.set $steps (i32.sub (i32.load offset=4 (local.get $a)) (local.get $pA)))
      (local.set $left (i32.sub (i32.load offset=4 (local.get $b)) (local.get $pB)))
      (if (i32.lt_s (local.get $left) (local.get $steps)) (then (local.set $steps (local.get $left))))
      (local.set $left (i32.sub (i32.load offset=4 (local.get $c)) (local.get $pC)))
      (if (i32.lt_s (local.get $left) (local.get $steps)) (then (local.set $steps (local.get $left))))
      (local.set $left (i32.sub (i32.load offset=4 (local.get $d)) (local.get $pD)))
      (if (i32.lt_s (local.get $left) (local.get $steps)) (then (local.set $steps (local.get $left))))
        (loop $all
          (br_if $one (i32.le_s (local.get $steps) (i32.const 0)))
        (local.set $nA (i32.load (i32.add (local.get $sA) (i32.shl (i32.load8_u (local.get $pA)) (i32.const 2)))))
        (local.set $nB (i32.load (i32.add (local.get $sB) (i32.shl (i32.load8_u (local.get $pB)) (i32.const 2)))))
        (local.set $nC (i32.load (i32.add (local.get $sC) (i32.shl (i32.load8_u (local.get $pC)) (i32.const 2)))))
        (local.set $nD (i32.load (i32.add (local.get $sD) (i32.shl (i32.load8_u (local.get $pD)) (i32.const 2)))))
          (if (i32.and (i32.and (i32.ge_u (local.get $nA) (local.get $special)) (i32.ge_u (local.get $nB) (local.get $special))) (i32.and (i32.ge_u (local.get $nC) (local.get $special)) (i32.ge_u (local.get $nD) (local.get $special))))
            (then
            (local.set $sA (local.get $nA))
            (local.set $pA (i32.add (local.get $pA) (i32.const 1)))
            (local.set $sB (local.get $nB))
            (local.set $pB (i32.add (local.get $pB) (i32.const 1)))
            (local.set $sC (local.get $nC))
            (local.set $pC (i32.add (local.get $pC) (i32.const 1)))
            (local.set $sD (local.get $nD))
            (local.set $pD (i32.add (local.get $pD) (i32.const 1)))
              (local.set $steps (i32.sub (local.get $steps) (i32.const 1)))
              (br $all))))
        ;; Some need attention: each takes its step or handles its event. A stream that
        ;; hands a line to V8 has not moved; the others' records are brought up to date.
      (if (i32.ge_u (local.get $nA) (local.get $special))
        (then
          (local.set $sA (local.get $nA))
          (local.set $pA (i32.add (local.get $pA) (i32.const 1))))
        (else
          (i32.store (local.get $a) (local.get $pA))
          (i32.store offset=8 (local.get $a) (local.get $sA))
          (if (call $event (local.get $a) (local.get $nA))
            (then
                (i32.store (local.get $b) (local.get $pB))
                (i32.store offset=8 (local.get $b) (local.get $sB))
                (i32.store (local.get $c) (local.get $pC))
                (i32.store offset=8 (local.get $c) (local.get $sC))
                (i32.store (local.get $d) (local.get $pD))
                (i32.store offset=8 (local.get $d) (local.get $sD))
              (return (local.get $a))))
          (local.set $pA (i32.load (local.get $a)))
          (local.set $sA (i32.load offset=8 (local.get $a)))))
      (if (i32.ge_u (local.get $nB) (local.get $special))
        (then
          (local.set $sB (local.get $nB))
          (local.set $pB (i32.add (local.get $pB) (i32.const 1))))
        (else
          (i32.store (local.get $b) (local.get $pB))
          (i32.store offset=8 (local.get $b) (local.get $sB))
          (if (call $event (local.get $b) (local.get $nB))
            (then
                (i32.store (local.get $a) (local.get $pA))
                (i32.store offset=8 (local.get $a) (local.get $sA))
                (i32.store (local.get $c) (local.get $pC))
                (i32.store offset=8 (local.get $c) (local.get $sC))
                (i32.store (local.get $d) (local.get $pD))
                (i32.store offset=8 (local.get $d) (local.get $sD))
              (return (local.get $b))))
          (local.set $pB (i32.load (local.get $b)))
          (local.set $sB (i32.load offset=8 (local.get $b)))))
      (if (i32.ge_u (local.get $nC) (local.get $special))
        (then
          (local.set $sC (local.get $nC))
          (local.set $pC (i32.add (local.get $pC) (i32.const 1))))
        (else
          (i32.store (local.get $c) (local.get $pC))
          (i32.store offset=8 (local.get $c) (local.get $sC))
          (if (call $event (local.get $c) (local.get $nC))
            (then
                (i32.store (local.get $a) (local.get $pA))
                (i32.store offset=8 (local.get $a) (local.get $sA))
                (i32.store (local.get $b) (local.get $pB))
                (i32.store offset=8 (local.get $b) (local.get $sB))
                (i32.store (local.get $d) (local.get $pD))
                (i32.store offset=8 (local.get $d) (local.get $sD))
              (return (local.get $c))))
          (local.set $pC (i32.load (local.get $c)))
          (local.set $sC (i32.load offset=8 (local.get $c)))))
      (if (i32.ge_u (local.get $nD) (local.get $special))
        (then
          (local.set $sD (local.get $nD))
          (local.set $pD (i32.add (local.get $pD) (i32.const 1))))
        (else
          (i32.store (local.get $d) (local.get $pD))
          (i32.store offset=8 (local.get $d) (local.get $sD))
          (if (call $event (local.get $d) (local.get $nD))
            (then
                (i32.store (local.get $a) (local.get $pA))
                (i32.store offset=8 (local.get $a) (local.get $sA))
                (i32.store (local.get $b) (local.get $pB))
                (i32.store offset=8 (local.get $b) (local.get $sB))
                (i32.store (local.get $c) (local.get $pC))
                (i32.store offset=8 (local.get $c) (local.get $sC))
              (return (local.get $d))))
          (local.set $pD (i32.load (local.get $d)))
          (local.set $sD (i32.load offset=8 (local.get $d)))))
        (br $round)))
    (i32.store (local.get $a) (local.get $pA))
    (i32.store offset=8 (local.get $a) (local.get $sA))
    (i32.store (local.get $b) (local.get $pB))
    (i32.store offset=8 (local.get $b) (local.get $sB))
    (i32.store (local.get $c) (local.get $pC))
    (i32.store offset=8 (local.get $c) (local.get $sC))
    (i32.store (local.get $d) (local.get $pD))
    (i32.store offset=8 (local.get $d) (local.get $sD))
    (if (call $scanOne (local.get $a)) (then (return (local.get $a))))
    (if (call $scanOne (local.get $b)) (then (return (local.get $b))))
    (if (call $scanOne (local.get $c)) (then (return (local.get $c))))
    (if (call $scanOne (local.get $d)) (then (return (local.get $d))))
    (i32.const -1))

  ;; ---- JSON lines (src/records/json-fields.ts reads the entries) ----

  ;; The first byte at or after $p, before $end, that is not JSON's white space; $end if none.
  (func $jsonSpace (param $p i32) (param $end i32) (result i32)
    (local $c i32)
    (block $done
      (loop $skip
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done (i32.gt_u (local.get $c) (i32.const 0x20)))
        ;; 0x20, 0x0d, 0x0a, 0x09
        (br_if $done (i64.eqz (i64.and (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $c))) (i64.const 0x100002600))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $skip)))
    (local.get $p))

  ;; Whether the byte at $p is a hexadecimal digit.
  (func $jsonHex (param $p i32) (result i32)
    (local $c i32)
    (local.set $c (i32.load8_u (local.get $p)))
    (i32.or
      (i32.lt_u (i32.sub (local.get $c) (i32.const 0x30)) (i32.const 10))
      (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x61)) (i32.const 6))))

  ;; The `"` that ends the JSON string whose content starts at $p: its address, -address - 2
  ;; when the string holds an escape, or -1 when it is no JSON string (a control character,
  ;; a bad escape, no end before $end). Plain bytes are skipped 16 at a time.
  (func $jsonString (param $p i32) (param $end i32) (result i32)
    (local $bits i32) (local $c i32) (local $escaped i32) (local $v v128)
    (block $invalid
      (loop $scan
        (block $special
          (block $scalar
            (loop $vectors
              (br_if $scalar (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
              (local.set $v (v128.load (local.get $p)))
              (local.set $bits (i8x16.bitmask (v128.or
                (v128.or (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))) (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))
                (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20))))))
              (if (local.get $bits)
                (then
                  (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $bits))))
                  (br $special)))
              (local.set $p (i32.add (local.get $p) (i32.const 16)))
              (br $vectors)))
          (loop $bytes
            (br_if $invalid (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $c (i32.load8_u (local.get $p)))
            (br_if $special (i32.or (i32.lt_u (local.get $c) (i32.const 0x20))
              (i32.or (i32.eq (local.get $c) (i32.const 0x22)) (i32.eq (local.get $c) (i32.const 0x5c)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $bytes)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.eq (local.get $c) (i32.const 0x22))
          (then (return (select (i32.sub (i32.const -2) (local.get $p)) (local.get $p) (local.get $escaped)))))
        (br_if $invalid (i32.ne (local.get $c) (i32.const 0x5c)))
        (br_if $invalid (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
        (local.set $escaped (i32.const 1))
        (local.set $c (i32.load8_u offset=1 (local.get $p)))
        (if (i32.eq (local.get $c) (i32.const 0x75))
          (then
            ;; \uXXXX
            (br_if $invalid (i32.ge_u (i32.add (local.get $p) (i32.const 5)) (local.get $end)))
            (br_if $invalid (i32.eqz (i32.and
              (i32.and (call $jsonHex (i32.add (local.get $p) (i32.const 2))) (call $jsonHex (i32.add (local.get $p) (i32.const 3))))
              (i32.and (call $jsonHex (i32.add (local.get $p) (i32.const 4))) (call $jsonHex (i32.add (local.get $p) (i32.const 5)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 6))))
          (else
            ;; \" \\ \/ \b \f \n \r \t
            (br_if $invalid (i32.eqz (i32.or
              (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x22)) (i32.eq (local.get $c) (i32.const 0x5c)))
                      (i32.or (i32.eq (local.get $c) (i32.const 0x2f)) (i32.eq (local.get $c) (i32.const 0x62))))
              (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x66)) (i32.eq (local.get $c) (i32.const 0x6e)))
                      (i32.or (i32.eq (local.get $c) (i32.const 0x72)) (i32.eq (local.get $c) (i32.const 0x74)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 2)))))
        (br $scan)))
    (i32.const -1))

  ;; The first byte at or after $p, before $end, that is not a decimal digit; $end if none.
  (func $jsonDigits (param $p i32) (param $end i32) (result i32)
    (block $done
      (loop $digits
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (br_if $done (i32.ge_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 0x30)) (i32.const 10)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $digits)))
    (local.get $p))

  ;; Whether $p, before $end, holds a decimal digit.
  (func $jsonDigitAt (param $p i32) (param $end i32) (result i32)
    (if (result i32) (i32.ge_u (local.get $p) (local.get $end))
      (then (i32.const 0))
      (else (i32.lt_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 0x30)) (i32.const 10)))))

  ;; The end of the number at $p as JSON writes numbers, or -1.
  (func $jsonNumber (param $p i32) (param $end i32) (result i32)
    (local $c i32)
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x2d)) (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (if (i32.eqz (call $jsonDigitAt (local.get $p) (local.get $end))) (then (return (i32.const -1))))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x30))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else (local.set $p (call $jsonDigits (local.get $p) (local.get $end)))))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x2e))
          (then
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (if (i32.eqz (call $jsonDigitAt (local.get $p) (local.get $end))) (then (return (i32.const -1))))
            (local.set $p (call $jsonDigits (local.get $p) (local.get $end)))))))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (if (i32.eq (i32.or (i32.load8_u (local.get $p)) (i32.const 0x20)) (i32.const 0x65))
          (then
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (if (i32.lt_u (local.get $p) (local.get $end))
              (then
                (local.set $c (i32.load8_u (local.get $p)))
                (if (i32.or (i32.eq (local.get $c) (i32.const 0x2b)) (i32.eq (local.get $c) (i32.const 0x2d)))
                  (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))))
            (if (i32.eqz (call $jsonDigitAt (local.get $p) (local.get $end))) (then (return (i32.const -1))))
            (local.set $p (call $jsonDigits (local.get $p) (local.get $end)))))))
    (local.get $p))

  ;; The end of `true`, `false` or `null` at $p (its first letter known to be t, f or n), or -1.
  (func $jsonWord (param $p i32) (param $end i32) (result i32)
    (local $c i32)
    (local.set $c (i32.load8_u (local.get $p)))
    (if (i32.eq (local.get $c) (i32.const 0x66))
      (then
        (return (select
          (i32.add (local.get $p) (i32.const 5))
          (i32.const -1)
          (if (result i32) (i32.gt_u (i32.add (local.get $p) (i32.const 5)) (local.get $end))
            (then (i32.const 0))
            ;; "alse"
            (else (i32.eq (i32.load offset=1 align=1 (local.get $p)) (i32.const 0x65736c61))))))))
    (if (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)) (then (return (i32.const -1))))
    (select
      (i32.add (local.get $p) (i32.const 4))
      (i32.const -1)
      (i32.and
        ;; "ru" "e" or "ul" "l"
        (i32.eq (i32.load16_u offset=1 align=1 (local.get $p))
          (select (i32.const 0x7572) (i32.const 0x6c75) (i32.eq (local.get $c) (i32.const 0x74))))
        (i32.eq (i32.load8_u offset=3 (local.get $p))
          (select (i32.const 0x65) (i32.const 0x6c) (i32.eq (local.get $c) (i32.const 0x74)))))))

  ;; Which key of the table at $keys the key [$start, $end) (without escapes) is, or -1.
  ;; The table: how many keys (i32), then per key its length (i32) and its bytes, in 64.
  (func $jsonWantedKey (param $keys i32) (param $start i32) (param $end i32) (result i32)
    (local $k i32) (local $key i32) (local $length i32) (local $i i32)
    (local.set $length (i32.sub (local.get $end) (local.get $start)))
    (block $none
      (loop $each
        (br_if $none (i32.ge_u (local.get $k) (i32.load (local.get $keys))))
        (local.set $key (i32.add (i32.add (local.get $keys) (i32.const 4)) (i32.mul (local.get $k) (i32.const 68))))
        (if (i32.eq (i32.load (local.get $key)) (local.get $length))
          (then
            (local.set $i (i32.const 0))
            (block $differs
              (loop $bytes
                (if (i32.ge_u (local.get $i) (local.get $length)) (then (return (local.get $k))))
                (br_if $differs (i32.ne (i32.load8_u (i32.add (local.get $start) (local.get $i)))
                  (i32.load8_u offset=4 (i32.add (local.get $key) (local.get $i)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $bytes)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
    (i32.const -1))

  ;; Checks that [$start, $end) is one JSON object with nothing but white space around it,
  ;; exactly what JSON.parse of the bytes' UTF-8 reading accepts (invalid UTF-8 needs no
  ;; check: it reads as U+FFFD, which a string may hold and which is an error outside
  ;; one anyway), and writes an entry for each member of an object at most $maxDepth
  ;; deep (the line's object is 1 deep; arrays count), in the order of the line, to $out:
  ;; five i32, [depth | 0x100 if its key holds an escape | kind << 16, key start, key end,
  ;; value start, value end], addresses of a key's and a string's content (without the
  ;; quotes), of a number's or word's text, of an object's or array's opening byte (and
  ;; the one after it). Kinds as json-fields.ts numbers them: 1 string, 2 string with an
  ;; escape, 3 number, 4 true, 5 false, 6 null, 7 object, 8 array.
  ;; Only the members that may be wanted are written: those whose value is an object or an
  ;; array less than $maxDepth deep (the caller follows the depths through them), whose
  ;; key holds an escape, or whose key's bit is set in the 256-bit filter at $filter (the
  ;; reader sets the bits of the keys it wants).
  ;; Returns how many entries, -1 when the line is not such an object, -2 when it holds
  ;; more than $maxEntries entries or is more than $maxOpen deep ($stack holds a byte per
  ;; open object or array): the caller then reads the line itself.
  ;; With a table of wanted top-level keys at $keys (see $jsonWantedKey), no entry is
  ;; written: instead, for the k-th key, [kind, value start, value end] at $out + 12 k
  ;; (offsets from $base; kind 0 when the line has no such key; the last one when a key
  ;; comes twice), and the result is 0 for a line that is an object, -1 and -2 as above,
  ;; -2 also when a top-level key holds an escape (it may spell a wanted key).
  (func (export "jsonLine") (param $start i32) (param $end i32) (param $out i32) (param $maxEntries i32)
      (param $stack i32) (param $maxOpen i32) (param $maxDepth i32) (param $filter i32) (param $keys i32) (param $base i32)
      (result i32)
    (local $p i32) (local $c i32) (local $q i32) (local $depth i32) (local $n i32)
    ;; 0: after `{` (a key or `}`); 1: after `,` in an object (a key); 2: a value;
    ;; 3: after a value (`,` or what closes the innermost); 4: after `[` (a value or `]`).
    (local $state i32)
    (local $keyed i32) (local $keyHead i32) (local $keyStart i32) (local $keyEnd i32)
    (local $kind i32) (local $valueStart i32) (local $valueEnd i32) (local $entry i32)
    (if (local.get $keys)
      (then
        ;; Every wanted key missing until found.
        (block $cleared
          (loop $clear
            (br_if $cleared (i32.ge_u (local.get $n) (i32.load (local.get $keys))))
            (i32.store (i32.add (local.get $out) (i32.mul (local.get $n) (i32.const 12))) (i32.const 0))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $clear)))
        (local.set $n (i32.const 0))))
    (local.set $p (call $jsonSpace (local.get $start) (local.get $end)))
    (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x7b)) (then (return (i32.const -1))))
    (i32.store8 (local.get $stack) (i32.const 1))
    (local.set $depth (i32.const 1))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (block $invalid
      (loop $next
        (if (i32.lt_u (local.get $p) (local.get $end))
          (then
            (if (i32.le_u (i32.load8_u (local.get $p)) (i32.const 0x20))
              (then (local.set $p (call $jsonSpace (local.get $p) (local.get $end)))))))
        (if (i32.ge_u (local.get $p) (local.get $end))
          (then (return (select (local.get $n) (i32.const -1) (i32.eqz (local.get $depth))))))
        ;; Something after the line's object.
        (br_if $invalid (i32.eqz (local.get $depth)))
        (local.set $c (i32.load8_u (local.get $p)))
        (block $value
          (block $afterValue
            (block $key
              (br_table $key $key $value $afterValue $value (local.get $state)))
            ;; ---- a key, or `}` right after `{` ----
            (if (i32.eq (local.get $c) (i32.const 0x22))
              (then
                (local.set $keyStart (i32.add (local.get $p) (i32.const 1)))
                (local.set $q (call $jsonString (local.get $keyStart) (local.get $end)))
                (br_if $invalid (i32.eq (local.get $q) (i32.const -1)))
                (local.set $keyHead (local.get $depth))
                (if (i32.lt_s (local.get $q) (i32.const -1))
                  (then
                    (local.set $q (i32.sub (i32.const -2) (local.get $q)))
                    (local.set $keyHead (i32.or (local.get $depth) (i32.const 0x100)))))
                (local.set $keyEnd (local.get $q))
                (local.set $p (call $jsonSpace (i32.add (local.get $q) (i32.const 1)) (local.get $end)))
                (br_if $invalid (i32.ge_u (local.get $p) (local.get $end)))
                (br_if $invalid (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x3a)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $keyed (i32.const 1))
                (local.set $state (i32.const 2))
                (br $next)))
            (br_if $invalid (i32.or (i32.ne (local.get $c) (i32.const 0x7d)) (i32.ne (local.get $state) (i32.const 0))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
            (local.set $state (i32.const 3))
            (br $next))
          ;; ---- after a value: `,`, or what closes the innermost object or array ----
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $q (i32.load8_u (i32.sub (i32.add (local.get $stack) (local.get $depth)) (i32.const 1))))
          (if (i32.eq (local.get $c) (i32.const 0x2c))
            (then
              (local.set $state (select (i32.const 1) (i32.const 2) (local.get $q)))
              (br $next)))
          (br_if $invalid (i32.ne (local.get $c) (select (i32.const 0x7d) (i32.const 0x5d) (local.get $q))))
          (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
          (br $next))
        ;; ---- a value, or `]` right after `[` ----
        (if (i32.and (i32.eq (local.get $c) (i32.const 0x5d)) (i32.eq (local.get $state) (i32.const 4)))
          (then
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
            (local.set $state (i32.const 3))
            (br $next)))
        (local.set $state (i32.const 3))
        (if (i32.eq (local.get $c) (i32.const 0x22))
          (then
            (local.set $valueStart (i32.add (local.get $p) (i32.const 1)))
            (local.set $q (call $jsonString (local.get $valueStart) (local.get $end)))
            (br_if $invalid (i32.eq (local.get $q) (i32.const -1)))
            (local.set $kind (i32.const 1))
            (if (i32.lt_s (local.get $q) (i32.const -1))
              (then
                (local.set $q (i32.sub (i32.const -2) (local.get $q)))
                (local.set $kind (i32.const 2))))
            (local.set $valueEnd (local.get $q))
            (local.set $p (i32.add (local.get $q) (i32.const 1))))
          (else
            (if (i32.or (i32.eq (local.get $c) (i32.const 0x7b)) (i32.eq (local.get $c) (i32.const 0x5b)))
              (then
                (local.set $kind (select (i32.const 7) (i32.const 8) (i32.eq (local.get $c) (i32.const 0x7b))))
                (local.set $state (select (i32.const 0) (i32.const 4) (i32.eq (local.get $c) (i32.const 0x7b))))
                (local.set $valueStart (local.get $p))
                (local.set $valueEnd (i32.add (local.get $p) (i32.const 1))))
              (else
                (if (i32.or (i32.eq (local.get $c) (i32.const 0x74)) (i32.or (i32.eq (local.get $c) (i32.const 0x66)) (i32.eq (local.get $c) (i32.const 0x6e))))
                  (then
                    (local.set $q (call $jsonWord (local.get $p) (local.get $end)))
                    (local.set $kind (select (i32.const 4) (select (i32.const 5) (i32.const 6) (i32.eq (local.get $c) (i32.const 0x66)))
                      (i32.eq (local.get $c) (i32.const 0x74)))))
                  (else
                    (local.set $q (call $jsonNumber (local.get $p) (local.get $end)))
                    (local.set $kind (i32.const 3))))
                (br_if $invalid (i32.lt_s (local.get $q) (i32.const 0)))
                (local.set $valueStart (local.get $p))
                (local.set $valueEnd (local.get $q))
                (local.set $p (local.get $q))))))
        (if (local.get $keyed)
          (then
            (if (local.get $keys)
              (then
                ;; Straight to the wanted keys: their values in their places.
                (if (i32.eq (local.get $depth) (i32.const 1))
                  (then
                    ;; A key with an escape may spell a wanted one: the caller reads the line.
                    (if (i32.gt_u (local.get $keyHead) (i32.const 0xff)) (then (return (i32.const -2))))
                    (local.set $entry (call $jsonWantedKey (local.get $keys) (local.get $keyStart) (local.get $keyEnd)))
                    (if (i32.ge_s (local.get $entry) (i32.const 0))
                      (then
                        (local.set $entry (i32.add (local.get $out) (i32.mul (local.get $entry) (i32.const 12))))
                        (i32.store (local.get $entry) (local.get $kind))
                        (i32.store offset=4 (local.get $entry) (i32.sub (local.get $valueStart) (local.get $base)))
                        (i32.store offset=8 (local.get $entry) (i32.sub (local.get $valueEnd) (local.get $base))))))))
              (else
                ;; The member's entry.
                (if (i32.and
                      (i32.le_u (local.get $depth) (local.get $maxDepth))
                      (i32.or
                        (i32.or
                          (i32.and (i32.ge_u (local.get $kind) (i32.const 7)) (i32.lt_u (local.get $depth) (local.get $maxDepth)))
                          (i32.gt_u (local.get $keyHead) (i32.const 0xff)))
                        ;; The key's bit in the filter: (length + 7 × first byte + 13 × last byte)
                        ;; mod 256, 0 for the empty key (keyFilterBit in src/records/json-fields.ts).
                        (block $bit (result i32)
                          (local.set $entry (i32.const 0))
                          (if (i32.ne (local.get $keyEnd) (local.get $keyStart))
                            (then
                              (local.set $entry (i32.and
                                (i32.add (i32.add (i32.sub (local.get $keyEnd) (local.get $keyStart))
                                  (i32.mul (i32.load8_u (local.get $keyStart)) (i32.const 7)))
                                  (i32.mul (i32.load8_u (i32.sub (local.get $keyEnd) (i32.const 1))) (i32.const 13)))
                                (i32.const 0xff)))))
                          (i32.and
                            (i32.shr_u (i32.load8_u (i32.add (local.get $filter) (i32.shr_u (local.get $entry) (i32.const 3))))
                              (i32.and (local.get $entry) (i32.const 7)))
                            (i32.const 1)))))
                  (then
                    (if (i32.ge_u (local.get $n) (local.get $maxEntries)) (then (return (i32.const -2))))
                    (local.set $entry (i32.add (local.get $out) (i32.mul (local.get $n) (i32.const 20))))
                    (i32.store (local.get $entry) (i32.or (local.get $keyHead) (i32.shl (local.get $kind) (i32.const 16))))
                    (i32.store offset=4 (local.get $entry) (local.get $keyStart))
                    (i32.store offset=8 (local.get $entry) (local.get $keyEnd))
                    (i32.store offset=12 (local.get $entry) (local.get $valueStart))
                    (i32.store offset=16 (local.get $entry) (local.get $valueEnd))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))))))))
        (local.set $keyed (i32.const 0))
        ;; An object or array opens.
        (if (i32.ge_u (local.get $kind) (i32.const 7))
          (then
            (if (i32.ge_u (local.get $depth) (local.get $maxOpen)) (then (return (i32.const -2))))
            (i32.store8 (i32.add (local.get $stack) (local.get $depth)) (i32.eq (local.get $kind) (i32.const 7)))
            (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $kind (i32.const 0))))
        (br $next)))
    (i32.const -1))
)
