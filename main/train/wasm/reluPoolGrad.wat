;; Backward pass of relu -> 2x2 max pool (stride 2, no padding), four channels per SIMD step,
;; on tfjs-backend-wasm's own memory (imported). Each pool gradient goes to its window's first
;; maximum in row-major order where that maximum is positive (the relu let it through), and is
;; added to the channel's bias gradient. Byte offsets throughout; channels a multiple of 4.
;; Compiled by scripts/compile-wasm.mjs into reluPoolGradWasm.ts (checked by a test).
(module
  (import "env" "memory" (memory 0))
  ;; r, g, dConv, dBias: byte addresses of the relu output [B,H,W,C], the pool gradient
  ;; [B,H/2,W/2,C], the result [B,H,W,C] (zeroed by the caller) and the bias gradient [C].
  (func (export "route") (param $r i32) (param $g i32) (param $d i32) (param $bias i32)
                         (param $batch i32) (param $h i32) (param $w i32) (param $c i32)
    (local $b i32) (local $row i32) (local $q i32) (local $ch i32)
    (local $oh i32) (local $ow i32) (local $rowBytes i32) (local $cBytes i32)
    (local $at i32) (local $gat i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $s01 v128) (local $s23 v128) (local $s v128) (local $m01 v128) (local $m23 v128)
    (local $dv v128)
    (local.set $oh (i32.shr_u (local.get $h) (i32.const 1)))
    (local.set $ow (i32.shr_u (local.get $w) (i32.const 1)))
    (local.set $cBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $w) (local.get $cBytes)))
    (local.set $gat (local.get $g))
    (local.set $b (i32.const 0))
    (block $doneB (loop $loopB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $row (i32.const 0))
      (block $doneRow (loop $loopRow
        (br_if $doneRow (i32.ge_u (local.get $row) (local.get $oh)))
        (local.set $q (i32.const 0))
        (block $doneQ (loop $loopQ
          (br_if $doneQ (i32.ge_u (local.get $q) (local.get $ow)))
          ;; top-left element of the window, channel 0
          (local.set $at
            (i32.add (local.get $r)
              (i32.mul
                (i32.add
                  (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.shl (local.get $row) (i32.const 1))) (local.get $w))
                  (i32.shl (local.get $q) (i32.const 1)))
                (local.get $cBytes))))
          (local.set $ch (i32.const 0))
          (block $doneCh (loop $loopCh
            (br_if $doneCh (i32.ge_u (local.get $ch) (local.get $cBytes)))
            (local.set $v0 (v128.load (local.get $at)))
            (local.set $v1 (v128.load (i32.add (local.get $at) (local.get $cBytes))))
            (local.set $v2 (v128.load (i32.add (local.get $at) (local.get $rowBytes))))
            (local.set $v3 (v128.load (i32.add (i32.add (local.get $at) (local.get $rowBytes)) (local.get $cBytes))))
            ;; first maximum: a later value wins only when strictly greater
            (local.set $s01 (f32x4.gt (local.get $v1) (local.get $v0)))
            (local.set $m01 (v128.bitselect (local.get $v1) (local.get $v0) (local.get $s01)))
            (local.set $s23 (f32x4.gt (local.get $v3) (local.get $v2)))
            (local.set $m23 (v128.bitselect (local.get $v3) (local.get $v2) (local.get $s23)))
            (local.set $s (f32x4.gt (local.get $m23) (local.get $m01)))
            ;; the gradient where the window's maximum is positive, else 0
            (local.set $dv
              (v128.and
                (v128.load (local.get $gat))
                (f32x4.gt (v128.bitselect (local.get $m23) (local.get $m01) (local.get $s)) (v128.const f32x4 0 0 0 0))))
            (v128.store (i32.add (local.get $d) (i32.sub (local.get $at) (local.get $r)))
              (v128.and (local.get $dv) (v128.andnot (v128.not (local.get $s)) (local.get $s01))))
            (v128.store (i32.add (i32.add (local.get $d) (i32.sub (local.get $at) (local.get $r))) (local.get $cBytes))
              (v128.and (local.get $dv) (v128.and (v128.not (local.get $s)) (local.get $s01))))
            (v128.store (i32.add (i32.add (local.get $d) (i32.sub (local.get $at) (local.get $r))) (local.get $rowBytes))
              (v128.and (local.get $dv) (v128.andnot (local.get $s) (local.get $s23))))
            (v128.store (i32.add (i32.add (i32.add (local.get $d) (i32.sub (local.get $at) (local.get $r))) (local.get $rowBytes)) (local.get $cBytes))
              (v128.and (local.get $dv) (v128.and (local.get $s) (local.get $s23))))
            (v128.store (i32.add (local.get $bias) (local.get $ch))
              (f32x4.add (v128.load (i32.add (local.get $bias) (local.get $ch))) (local.get $dv)))
            (local.set $at (i32.add (local.get $at) (i32.const 16)))
            (local.set $gat (i32.add (local.get $gat) (i32.const 16)))
            (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
            (br $loopCh)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $loopQ)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $loopRow)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $loopB)))))
