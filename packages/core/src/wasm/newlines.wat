;; Counting newlines with SIMD: 16 bytes compared at once, counts kept per byte lane
;; and summed every 63 steps of 64 bytes (at most 252 per lane, before one could overflow). Built to newlines.wasm
;; by scripts/build-wasm.mjs; loaded by src/chunking/wasm-newlines.ts.
(module
  (memory (export "memory") 1)
  ;; Number of 0x0A bytes in [ptr, ptr + len).
  (func (export "countNewlines") (param $ptr i32) (param $len i32) (result i32)
    (local $end i32) (local $vecEnd i32) (local $blockEnd i32)
    (local $total i32) (local $acc v128) (local $nl v128)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (local.set $vecEnd (i32.add (local.get $ptr) (i32.and (local.get $len) (i32.const -64))))
    (local.set $nl (i8x16.splat (i32.const 10)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $vecEnd)))
        ;; At most 63 steps of 4 vectors per block: no byte lane of $acc passes 252.
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
    (local.get $total)))
