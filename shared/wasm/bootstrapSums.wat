;; The β bootstrap's two inner loops (shared/bootstrapSums.ts, shared/deviationMetrics.ts
;; bootstrapBetas): counting a resample's draws of the xorshift32 stream into a byte per pair, and
;; one block's weighted sums. Results equal the JavaScript loops' to the bit: the same index
;; floor(u·(n/2³²)) by f64 multiply and truncation, and each sum's two partial sums (even and odd
;; pairs) kept as lanes 0 and 1 of an f64x2, added in the same order.
(module
  (memory (export "memory") 1)

  ;; Counts n draws from `state` into the n bytes at `counts` (a count wraps past 255 as a
  ;; Uint8Array's does); the state after them.
  (func (export "countDraws") (param $state i32) (param $counts i32) (param $n i32) (result i32)
    (local $scale f64)
    (local $t i32)
    (local $p i32)
    (local.set $scale (f64.div (f64.convert_i32_u (local.get $n)) (f64.const 4294967296)))
    (local.set $t (local.get $n))
    (block $done
      (br_if $done (i32.eqz (local.get $t)))
      (loop $draw
        (local.set $state (i32.xor (local.get $state) (i32.shl (local.get $state) (i32.const 13))))
        (local.set $state (i32.xor (local.get $state) (i32.shr_u (local.get $state) (i32.const 17))))
        (local.set $state (i32.xor (local.get $state) (i32.shl (local.get $state) (i32.const 5))))
        (local.set $p (i32.add (local.get $counts)
          (i32.trunc_f64_s (f64.mul (f64.convert_i32_u (local.get $state)) (local.get $scale)))))
        (i32.store8 (local.get $p) (i32.add (i32.load8_u (local.get $p)) (i32.const 1)))
        (br_if $draw (local.tee $t (i32.sub (local.get $t) (i32.const 1))))))
    (local.get $state))

  ;; Four streams side by side: the four i32 states at `states` (written back after), stream L
  ;; counting its n draws into the n bytes at counts + L·n. The states are independent, so their
  ;; shifts run as one i32x4 and their four scattered increments overlap.
  (func (export "countDraws4") (param $states i32) (param $counts i32) (param $n i32)
    (local $s v128)
    (local $scale v128)
    (local $idx v128)
    (local $t i32)
    (local $c1 i32)
    (local $c2 i32)
    (local $c3 i32)
    (local $p i32)
    (local.set $scale (f64x2.splat (f64.div (f64.convert_i32_u (local.get $n)) (f64.const 4294967296))))
    (local.set $s (v128.load (local.get $states)))
    (local.set $c1 (i32.add (local.get $counts) (local.get $n)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $n)))
    (local.set $c3 (i32.add (local.get $c2) (local.get $n)))
    (local.set $t (local.get $n))
    (block $done
      (br_if $done (i32.eqz (local.get $t)))
      (loop $draw
        (local.set $s (v128.xor (local.get $s) (i32x4.shl (local.get $s) (i32.const 13))))
        (local.set $s (v128.xor (local.get $s) (i32x4.shr_u (local.get $s) (i32.const 17))))
        (local.set $s (v128.xor (local.get $s) (i32x4.shl (local.get $s) (i32.const 5))))
        ;; lanes 0, 1 from the low states, 2, 3 from the high ones
        (local.set $idx (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (i32x4.trunc_sat_f64x2_s_zero (f64x2.mul (f64x2.convert_low_i32x4_u (local.get $s)) (local.get $scale)))
          (i32x4.trunc_sat_f64x2_s_zero (f64x2.mul
            (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $s) (local.get $s)))
            (local.get $scale)))))
        (local.set $p (i32.add (local.get $counts) (i32x4.extract_lane 0 (local.get $idx))))
        (i32.store8 (local.get $p) (i32.add (i32.load8_u (local.get $p)) (i32.const 1)))
        (local.set $p (i32.add (local.get $c1) (i32x4.extract_lane 1 (local.get $idx))))
        (i32.store8 (local.get $p) (i32.add (i32.load8_u (local.get $p)) (i32.const 1)))
        (local.set $p (i32.add (local.get $c2) (i32x4.extract_lane 2 (local.get $idx))))
        (i32.store8 (local.get $p) (i32.add (i32.load8_u (local.get $p)) (i32.const 1)))
        (local.set $p (i32.add (local.get $c3) (i32x4.extract_lane 3 (local.get $idx))))
        (i32.store8 (local.get $p) (i32.add (i32.load8_u (local.get $p)) (i32.const 1)))
        (br_if $draw (local.tee $t (i32.sub (local.get $t) (i32.const 1))))))
    (v128.store (local.get $states) (local.get $s)))

  ;; Over m pairs, with c the byte counts at `counts`, x and y the f64s at `x` and `y`: Σ c·y and
  ;; Σ (c·x)·y, and when `withX` is not 0 also Σ c·x, Σ (c·x)·x and Σ c, as five f64 at `out`.
  ;; Lane 0 sums the even pairs and lane 1 the odd ones; an odd last pair goes to lane 0 alone
  ;; (lane 1 adds +0, which leaves a sum started at +0 unchanged).
  (func (export "blockSums") (param $counts i32) (param $x i32) (param $y i32) (param $m i32) (param $withX i32) (param $out i32)
    (local $sy v128)
    (local $sxy v128)
    (local $sx v128)
    (local $sxx v128)
    (local $total v128)
    (local $c v128)
    (local $xv v128)
    (local $yv v128)
    (local $cx v128)
    (local $pairs i32)
    (local.set $pairs (i32.shr_u (local.get $m) (i32.const 1)))
    (if (local.get $withX)
      (then
        (block $done
          (br_if $done (i32.eqz (local.get $pairs)))
          (loop $pair
            (local.set $c (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
              (v128.load16_splat (local.get $counts))))))
            (local.set $xv (v128.load (local.get $x)))
            (local.set $yv (v128.load (local.get $y)))
            (local.set $cx (f64x2.mul (local.get $c) (local.get $xv)))
            (local.set $total (f64x2.add (local.get $total) (local.get $c)))
            (local.set $sy (f64x2.add (local.get $sy) (f64x2.mul (local.get $c) (local.get $yv))))
            (local.set $sxy (f64x2.add (local.get $sxy) (f64x2.mul (local.get $cx) (local.get $yv))))
            (local.set $sx (f64x2.add (local.get $sx) (local.get $cx)))
            (local.set $sxx (f64x2.add (local.get $sxx) (f64x2.mul (local.get $cx) (local.get $xv))))
            (local.set $counts (i32.add (local.get $counts) (i32.const 2)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (br_if $pair (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1))))))
        (if (i32.and (local.get $m) (i32.const 1))
          (then
            (local.set $c (f64x2.replace_lane 0 (v128.const f64x2 0 0) (f64.convert_i32_u (i32.load8_u (local.get $counts)))))
            (local.set $xv (v128.load64_zero (local.get $x)))
            (local.set $yv (v128.load64_zero (local.get $y)))
            (local.set $cx (f64x2.mul (local.get $c) (local.get $xv)))
            (local.set $total (f64x2.add (local.get $total) (local.get $c)))
            (local.set $sy (f64x2.add (local.get $sy) (f64x2.mul (local.get $c) (local.get $yv))))
            (local.set $sxy (f64x2.add (local.get $sxy) (f64x2.mul (local.get $cx) (local.get $yv))))
            (local.set $sx (f64x2.add (local.get $sx) (local.get $cx)))
            (local.set $sxx (f64x2.add (local.get $sxx) (f64x2.mul (local.get $cx) (local.get $xv)))))))
      (else
        (block $done
          (br_if $done (i32.eqz (local.get $pairs)))
          (loop $pair
            (local.set $c (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
              (v128.load16_splat (local.get $counts))))))
            (local.set $yv (v128.load (local.get $y)))
            (local.set $sy (f64x2.add (local.get $sy) (f64x2.mul (local.get $c) (local.get $yv))))
            (local.set $sxy (f64x2.add (local.get $sxy)
              (f64x2.mul (f64x2.mul (local.get $c) (v128.load (local.get $x))) (local.get $yv))))
            (local.set $counts (i32.add (local.get $counts) (i32.const 2)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (br_if $pair (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1))))))
        (if (i32.and (local.get $m) (i32.const 1))
          (then
            (local.set $c (f64x2.replace_lane 0 (v128.const f64x2 0 0) (f64.convert_i32_u (i32.load8_u (local.get $counts)))))
            (local.set $yv (v128.load64_zero (local.get $y)))
            (local.set $sy (f64x2.add (local.get $sy) (f64x2.mul (local.get $c) (local.get $yv))))
            (local.set $sxy (f64x2.add (local.get $sxy)
              (f64x2.mul (f64x2.mul (local.get $c) (v128.load64_zero (local.get $x))) (local.get $yv))))))))
    (f64.store offset=0 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $sy)) (f64x2.extract_lane 1 (local.get $sy))))
    (f64.store offset=8 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $sxy)) (f64x2.extract_lane 1 (local.get $sxy))))
    (f64.store offset=16 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $sx)) (f64x2.extract_lane 1 (local.get $sx))))
    (f64.store offset=24 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $sxx)) (f64x2.extract_lane 1 (local.get $sxx))))
    (f64.store offset=32 (local.get $out) (f64.add (f64x2.extract_lane 0 (local.get $total)) (f64x2.extract_lane 1 (local.get $total))))))
