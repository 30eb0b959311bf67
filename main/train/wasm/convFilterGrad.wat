;; A convolution's filter gradient, stride 1 and dilation 1, straight from x and dy as they lie
;; (NHWC) on tfjs-backend-wasm's own memory (imported): no transposes, no patch matrix.
;;   dW[i,j,c,o] += sum over b, r, q of x[b, r+i-top, q+j-left, c] * dy[b, r, q, o]
;; for the output pixels (r, q) whose tap (i, j) lies inside the image. Each pass keeps a tile of
;; 4 input x 8 output channels (eight f32x4 sums) in registers over one image's pixels, where one
;; image's x and dy sit in the L1 cache. Every sum adds in the order b, r, q: the same on every
;; machine. Input channels a multiple of 4, output channels a multiple of 8; byte offsets throughout.
;; Compiled by scripts/compile-wasm.mjs into convFilterGradWasm.ts (checked by a test).
(module
  (import "env" "memory" (memory 0))
  ;; x [B,H,W,Ci], dy [B,OH,OW,Co], dw [KH,KW,Ci,Co]: byte addresses; dw holds the sums so far
  ;; (zeros, or an earlier part's), and the images' terms are added to it. x's image, row and
  ;; pixel strides are given in bytes: an NHWC tensor has pixel = 4 Ci, row = W pixel, image =
  ;; H row; a zero-padded image of few channels read with overlapping pixels (pixel < 4 Ci) puts
  ;; a kernel row's taps side by side as if they were channels (wasmGradients.ts).
  (func (export "filterGrad") (param $x i32) (param $dy i32) (param $dw i32)
                              (param $batch i32) (param $h i32) (param $w i32)
                              (param $xImage i32) (param $xRow i32) (param $xPixel i32) (param $ci i32)
                              (param $oh i32) (param $ow i32) (param $co i32)
                              (param $kh i32) (param $kw i32) (param $top i32) (param $left i32)
    (local $b i32) (local $i i32) (local $j i32) (local $cb i32) (local $ob i32) (local $r i32)
    (local $r0 i32) (local $r1 i32) (local $q0 i32) (local $q1 i32)
    (local $coBytes i32) (local $xImg i32) (local $dyImg i32)
    (local $wAt i32) (local $xp i32) (local $dp i32) (local $dEnd i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (local.set $coBytes (i32.shl (local.get $co) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $doneB (loop $loopB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $xImg (i32.add (local.get $x) (i32.mul (local.get $b) (local.get $xImage))))
      (local.set $dyImg (i32.add (local.get $dy)
        (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $oh)) (local.get $ow)) (local.get $coBytes))))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_s (local.get $i) (local.get $kh)))
        ;; output rows whose input row r + i - top lies in [0, h)
        (local.set $r0 (select (i32.sub (local.get $top) (local.get $i)) (i32.const 0)
          (i32.gt_s (i32.sub (local.get $top) (local.get $i)) (i32.const 0))))
        (local.set $r1 (i32.add (i32.sub (local.get $h) (local.get $i)) (local.get $top)))
        (local.set $r1 (select (local.get $oh) (local.get $r1) (i32.lt_s (local.get $oh) (local.get $r1))))
        (local.set $j (i32.const 0))
        (block $doneJ (loop $loopJ
          (br_if $doneJ (i32.ge_s (local.get $j) (local.get $kw)))
          (local.set $q0 (select (i32.sub (local.get $left) (local.get $j)) (i32.const 0)
            (i32.gt_s (i32.sub (local.get $left) (local.get $j)) (i32.const 0))))
          (local.set $q1 (i32.add (i32.sub (local.get $w) (local.get $j)) (local.get $left)))
          (local.set $q1 (select (local.get $ow) (local.get $q1) (i32.lt_s (local.get $ow) (local.get $q1))))
          (if (i32.and (i32.lt_s (local.get $r0) (local.get $r1)) (i32.lt_s (local.get $q0) (local.get $q1)))
            (then
              (local.set $cb (i32.const 0))
              (block $doneC (loop $loopC
                (br_if $doneC (i32.ge_u (local.get $cb) (local.get $ci)))
                (local.set $ob (i32.const 0))
                (block $doneO (loop $loopO
                  (br_if $doneO (i32.ge_u (local.get $ob) (local.get $co)))
                  ;; dw[i, j, cb, ob]: rows cb..cb+3 of 8 floats each, coBytes apart
                  (local.set $wAt (i32.add (local.get $dw)
                    (i32.shl
                      (i32.add
                        (i32.mul
                          (i32.add (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $ci)) (local.get $cb))
                          (local.get $co))
                        (local.get $ob))
                      (i32.const 2))))
                  (local.set $a0 (v128.load (local.get $wAt)))
                  (local.set $a1 (v128.load offset=16 (local.get $wAt)))
                  (local.set $a2 (v128.load (i32.add (local.get $wAt) (local.get $coBytes))))
                  (local.set $a3 (v128.load offset=16 (i32.add (local.get $wAt) (local.get $coBytes))))
                  (local.set $a4 (v128.load (i32.add (local.get $wAt) (i32.shl (local.get $coBytes) (i32.const 1)))))
                  (local.set $a5 (v128.load offset=16 (i32.add (local.get $wAt) (i32.shl (local.get $coBytes) (i32.const 1)))))
                  (local.set $a6 (v128.load (i32.add (local.get $wAt) (i32.mul (local.get $coBytes) (i32.const 3)))))
                  (local.set $a7 (v128.load offset=16 (i32.add (local.get $wAt) (i32.mul (local.get $coBytes) (i32.const 3)))))
                  (local.set $r (local.get $r0))
                  (block $doneR (loop $loopR
                    (br_if $doneR (i32.ge_s (local.get $r) (local.get $r1)))
                    ;; x[b, r + i - top, q0 + j - left, cb] and dy[b, r, q0, ob]
                    (local.set $xp (i32.add (local.get $xImg)
                      (i32.add
                        (i32.add
                          (i32.mul (i32.sub (i32.add (local.get $r) (local.get $i)) (local.get $top)) (local.get $xRow))
                          (i32.mul (i32.sub (i32.add (local.get $q0) (local.get $j)) (local.get $left)) (local.get $xPixel)))
                        (i32.shl (local.get $cb) (i32.const 2)))))
                    (local.set $dp (i32.add (local.get $dyImg)
                      (i32.add
                        (i32.mul (i32.add (i32.mul (local.get $r) (local.get $ow)) (local.get $q0)) (local.get $coBytes))
                        (i32.shl (local.get $ob) (i32.const 2)))))
                    (local.set $dEnd (i32.add (local.get $dp) (i32.mul (i32.sub (local.get $q1) (local.get $q0)) (local.get $coBytes))))
                    (loop $loopQ
                      (local.set $d0 (v128.load (local.get $dp)))
                      (local.set $d1 (v128.load offset=16 (local.get $dp)))
                      (local.set $s (v128.load32_splat (local.get $xp)))
                      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
                      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
                      (local.set $s (v128.load32_splat offset=4 (local.get $xp)))
                      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
                      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
                      (local.set $s (v128.load32_splat offset=8 (local.get $xp)))
                      (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
                      (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
                      (local.set $s (v128.load32_splat offset=12 (local.get $xp)))
                      (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
                      (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
                      (local.set $xp (i32.add (local.get $xp) (local.get $xPixel)))
                      (local.set $dp (i32.add (local.get $dp) (local.get $coBytes)))
                      (br_if $loopQ (i32.lt_u (local.get $dp) (local.get $dEnd))))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $loopR)))
                  (v128.store (local.get $wAt) (local.get $a0))
                  (v128.store offset=16 (local.get $wAt) (local.get $a1))
                  (v128.store (i32.add (local.get $wAt) (local.get $coBytes)) (local.get $a2))
                  (v128.store offset=16 (i32.add (local.get $wAt) (local.get $coBytes)) (local.get $a3))
                  (v128.store (i32.add (local.get $wAt) (i32.shl (local.get $coBytes) (i32.const 1))) (local.get $a4))
                  (v128.store offset=16 (i32.add (local.get $wAt) (i32.shl (local.get $coBytes) (i32.const 1))) (local.get $a5))
                  (v128.store (i32.add (local.get $wAt) (i32.mul (local.get $coBytes) (i32.const 3))) (local.get $a6))
                  (v128.store offset=16 (i32.add (local.get $wAt) (i32.mul (local.get $coBytes) (i32.const 3))) (local.get $a7))
                  (local.set $ob (i32.add (local.get $ob) (i32.const 8)))
                  (br $loopO)))
                (local.set $cb (i32.add (local.get $cb) (i32.const 4)))
                (br $loopC)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $loopJ)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loopI)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $loopB)))))
