;; The small CNN's block forward in one pass: a stride-1, undilated convolution over a zero-padded
;; input, plus bias, relu, then 2x2 max pool (stride 2), on tfjs-backend-wasm's own memory
;; (imported). It writes the relu output r (the backward pass reads it) and the pooled output.
;; In the padded input every output pixel's window lies inside, and a kernel row's KW taps of Ci
;; channels are KW*Ci consecutive floats, so
;;   r[b, y, x, o] = relu(bias[o] + sum over i < KH, t < KW*Ci of x[b, y+i, x*Ci + t] * w[i, t, o])
;; with w [KH, KW*Ci, Co] (a filter [KH, KW, Ci, Co] as it lies). Each pass keeps one pool window
;; (2x2 pixels) x 8 output channels of sums in registers; every sum adds in the order i, t, the
;; same on every machine. Output channels a multiple of 8, output height and width even; byte
;; offsets throughout. Compiled by scripts/compile-wasm.mjs into convReluPoolWasm.ts (checked by
;; a test).
(module
  (import "env" "memory" (memory 0))
  ;; x: the padded input, image/row/pixel strides in bytes; w [KH, T, Co] with T = KW*Ci; bias
  ;; [Co]; r [B, OH, OW, Co] and pooled [B, OH/2, OW/2, Co] written.
  (func (export "forward") (param $x i32) (param $w i32) (param $bias i32) (param $r i32) (param $pooled i32)
                           (param $batch i32) (param $xImage i32) (param $xRow i32) (param $xPixel i32)
                           (param $t i32) (param $oh i32) (param $ow i32) (param $co i32) (param $kh i32)
    (local $b i32) (local $y i32) (local $q i32) (local $ob i32) (local $i i32)
    (local $coBytes i32) (local $rowBytes i32) (local $tBytes i32) (local $down i32)
    (local $xBase i32) (local $rowAt i32) (local $xp i32) (local $xEnd i32) (local $wp i32) (local $rAt i32) (local $pAt i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $w0 v128) (local $w1 v128) (local $s v128) (local $zero v128)
    (local.set $coBytes (i32.shl (local.get $co) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $ow) (local.get $coBytes)))
    (local.set $tBytes (i32.shl (local.get $t) (i32.const 2)))
    (local.set $down (i32.add (local.get $xRow) (local.get $xPixel)))
    (local.set $zero (v128.const f32x4 0 0 0 0))
    (local.set $pAt (local.get $pooled))
    (local.set $b (i32.const 0))
    (block $doneB (loop $loopB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $y (i32.const 0))
      (block $doneY (loop $loopY
        (br_if $doneY (i32.ge_u (local.get $y) (local.get $oh)))
        (local.set $q (i32.const 0))
        (block $doneQ (loop $loopQ
          (br_if $doneQ (i32.ge_u (local.get $q) (local.get $ow)))
          ;; the window's top-left pixel (y, q): its own window's top-left float in the padded input
          (local.set $xBase (i32.add (local.get $x)
            (i32.add (i32.add (i32.mul (local.get $b) (local.get $xImage)) (i32.mul (local.get $y) (local.get $xRow)))
              (i32.mul (local.get $q) (local.get $xPixel)))))
          (local.set $rAt (i32.add (local.get $r)
            (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $y)) (local.get $ow)) (local.get $q))
              (local.get $coBytes))))
          (local.set $ob (i32.const 0))
          (block $doneO (loop $loopO
            (br_if $doneO (i32.ge_u (local.get $ob) (local.get $co)))
            (local.set $a0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $ob) (i32.const 2)))))
            (local.set $a1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $ob) (i32.const 2)))))
            (local.set $a2 (local.get $a0)) (local.set $a3 (local.get $a1))
            (local.set $a4 (local.get $a0)) (local.set $a5 (local.get $a1))
            (local.set $a6 (local.get $a0)) (local.set $a7 (local.get $a1))
            ;; w's kernel rows follow one another: wp runs on through them; xp starts each row a padded row down
            (local.set $wp (i32.add (local.get $w) (i32.shl (local.get $ob) (i32.const 2))))
            (local.set $rowAt (local.get $xBase))
            (local.set $i (i32.const 0))
            (block $doneI (loop $loopI
              (br_if $doneI (i32.ge_u (local.get $i) (local.get $kh)))
              (local.set $xp (local.get $rowAt))
              (local.set $xEnd (i32.add (local.get $xp) (local.get $tBytes)))
              ;; pixels (y, q), (y, q+1), (y+1, q), (y+1, q+1): sums a0/a1, a2/a3, a4/a5, a6/a7
              (loop $loopT
                (local.set $w0 (v128.load (local.get $wp)))
                (local.set $w1 (v128.load offset=16 (local.get $wp)))
                (local.set $s (v128.load32_splat (local.get $xp)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $w0))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $w1))))
                (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $xPixel))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $w0))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $w1))))
                (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $xRow))))
                (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $w0))))
                (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $w1))))
                (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $down))))
                (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $w0))))
                (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $w1))))
                (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                (local.set $wp (i32.add (local.get $wp) (local.get $coBytes)))
                (br_if $loopT (i32.lt_u (local.get $xp) (local.get $xEnd))))
              (local.set $rowAt (i32.add (local.get $rowAt) (local.get $xRow)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $loopI)))
            (local.set $a0 (f32x4.max (local.get $a0) (local.get $zero)))
            (local.set $a1 (f32x4.max (local.get $a1) (local.get $zero)))
            (local.set $a2 (f32x4.max (local.get $a2) (local.get $zero)))
            (local.set $a3 (f32x4.max (local.get $a3) (local.get $zero)))
            (local.set $a4 (f32x4.max (local.get $a4) (local.get $zero)))
            (local.set $a5 (f32x4.max (local.get $a5) (local.get $zero)))
            (local.set $a6 (f32x4.max (local.get $a6) (local.get $zero)))
            (local.set $a7 (f32x4.max (local.get $a7) (local.get $zero)))
            (v128.store (local.get $rAt) (local.get $a0))
            (v128.store offset=16 (local.get $rAt) (local.get $a1))
            (v128.store (i32.add (local.get $rAt) (local.get $coBytes)) (local.get $a2))
            (v128.store offset=16 (i32.add (local.get $rAt) (local.get $coBytes)) (local.get $a3))
            (v128.store (i32.add (local.get $rAt) (local.get $rowBytes)) (local.get $a4))
            (v128.store offset=16 (i32.add (local.get $rAt) (local.get $rowBytes)) (local.get $a5))
            (v128.store (i32.add (i32.add (local.get $rAt) (local.get $rowBytes)) (local.get $coBytes)) (local.get $a6))
            (v128.store offset=16 (i32.add (i32.add (local.get $rAt) (local.get $rowBytes)) (local.get $coBytes)) (local.get $a7))
            (v128.store (local.get $pAt)
              (f32x4.max (f32x4.max (local.get $a0) (local.get $a2)) (f32x4.max (local.get $a4) (local.get $a6))))
            (v128.store offset=16 (local.get $pAt)
              (f32x4.max (f32x4.max (local.get $a1) (local.get $a3)) (f32x4.max (local.get $a5) (local.get $a7))))
            (local.set $rAt (i32.add (local.get $rAt) (i32.const 32)))
            (local.set $pAt (i32.add (local.get $pAt) (i32.const 32)))
            (local.set $ob (i32.add (local.get $ob) (i32.const 8)))
            (br $loopO)))
          (local.set $q (i32.add (local.get $q) (i32.const 2)))
          (br $loopQ)))
        (local.set $y (i32.add (local.get $y) (i32.const 2)))
        (br $loopY)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $loopB)))))
