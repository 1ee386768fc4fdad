;; The counting kernel in WebAssembly with SIMD, 16 bytes compared at once. Built to
;; kernel.wasm by scripts/build-wasm.mjs; loaded by src/matching/counting-workspace.ts,
;; which places chunks, needles and their case masks in this memory.
(module
  (memory (export "memory") 1)
  ;; Lines holding the literal, set by countLiteral beside the occurrences it returns.
  (global $lines (export "lines") (mut i32) (i32.const 0))

  ;; Number of 0x0A bytes in [ptr, ptr + len): counts kept per byte lane and summed every
  ;; 63 steps of 64 bytes (at most 252 per lane, before one could overflow).
  (func (export "countNewlines") (param $ptr i32) (param $len i32) (result i32)
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
  ;; under ignore-case, where the needle holds the lower case; 0 otherwise).
  (func $middleMatches (param $at i32) (param $needle i32) (param $mask i32) (param $k i32) (result i32)
    (local $j i32)
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
    (if (result i32) (local.get $maxPairs) (then (global.get $pairs)) (else (global.get $occurrences)))))
