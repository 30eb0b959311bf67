;; One Adam update of one variable in a single pass, four floats per SIMD step, on
;; tfjs-backend-wasm's own memory (imported). The same float32 operations in the same order as
;; the op-by-op update in optimizers.ts (no fused multiply-add), so the numbers are those too:
;;   g' = g + w*decay (when hasDecay)      m' = m*b1 + g'*ob1      v' = v*b2 + (g'*g')*ob2
;;   w' = w - (m' / (sqrt(v' / c2) + eps)) * stepSize
;; w, g, m, v are read; w', m', v' written to their own buffers. Byte offsets; any n.
;; Compiled by scripts/compile-wasm.mjs into adamStepWasm.ts (checked by a test).
(module
  (import "env" "memory" (memory 0))
  (func (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32)
                        (param $outW i32) (param $outM i32) (param $outV i32) (param $n i32)
                        (param $hasDecay i32) (param $decay f32) (param $b1 f32) (param $ob1 f32)
                        (param $b2 f32) (param $ob2 f32) (param $c2 f32) (param $eps f32) (param $stepSize f32)
    (local $at i32) (local $end i32) (local $vectorEnd i32)
    (local $wv v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $ws f32) (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vectorEnd (i32.and (local.get $end) (i32.const -16)))
    (local.set $at (i32.const 0))
    (block $doneV (loop $loopV
      (br_if $doneV (i32.ge_u (local.get $at) (local.get $vectorEnd)))
      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $at))))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $at))))
      (if (local.get $hasDecay)
        (then (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $wv) (f32x4.splat (local.get $decay)))))))
      (local.set $mv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $at))) (f32x4.splat (local.get $b1)))
        (f32x4.mul (local.get $gv) (f32x4.splat (local.get $ob1)))))
      (local.set $vv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $at))) (f32x4.splat (local.get $b2)))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $ob2)))))
      (v128.store (i32.add (local.get $outM) (local.get $at)) (local.get $mv))
      (v128.store (i32.add (local.get $outV) (local.get $at)) (local.get $vv))
      (v128.store (i32.add (local.get $outW) (local.get $at))
        (f32x4.sub (local.get $wv)
          (f32x4.mul
            (f32x4.div (local.get $mv)
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $c2)))) (f32x4.splat (local.get $eps))))
            (f32x4.splat (local.get $stepSize)))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br $loopV)))
    ;; the last n mod 4 floats, one at a time: the same operations on scalars
    (block $doneS (loop $loopS
      (br_if $doneS (i32.ge_u (local.get $at) (local.get $end)))
      (local.set $ws (f32.load (i32.add (local.get $w) (local.get $at))))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $at))))
      (if (local.get $hasDecay)
        (then (local.set $gs (f32.add (local.get $gs) (f32.mul (local.get $ws) (local.get $decay))))))
      (local.set $ms (f32.add
        (f32.mul (f32.load (i32.add (local.get $m) (local.get $at))) (local.get $b1))
        (f32.mul (local.get $gs) (local.get $ob1))))
      (local.set $vs (f32.add
        (f32.mul (f32.load (i32.add (local.get $v) (local.get $at))) (local.get $b2))
        (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $ob2))))
      (f32.store (i32.add (local.get $outM) (local.get $at)) (local.get $ms))
      (f32.store (i32.add (local.get $outV) (local.get $at)) (local.get $vs))
      (f32.store (i32.add (local.get $outW) (local.get $at))
        (f32.sub (local.get $ws)
          (f32.mul
            (f32.div (local.get $ms) (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $c2))) (local.get $eps)))
            (local.get $stepSize))))
      (local.set $at (i32.add (local.get $at) (i32.const 4)))
      (br $loopS)))))
