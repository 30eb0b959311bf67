;; The CNN block's whole backward from its pooled gradient (convReluPool.ts), on
;; tfjs-backend-wasm's own memory (imported): relu -> 2x2 max pool routing, then the convolution's
;; filter, input and bias gradients. The gradient the pool hands the convolution is zero but at one
;; pixel per window and channel (the window's first maximum, where relu let it through), so
;; instead of two dense passes over it each routed value g adds g * x around that pixel to the
;; filter gradient and g * w around it to the input gradient: a quarter of the multiplications.
;; Routing is reluPoolGrad.wat's: a later value of the window wins only when strictly greater, and
;; the window passes its gradient only when its maximum is positive. Every sum adds in the order
;; b, window row, window column: the same on every machine.
;; Layouts (byte addresses; input channels a multiple of 4, output height and width even):
;;   g [B, OH/2, OW/2, Co]   r [B, OH, OW, Co]   x: the input zero-padded, [B, PH, PW, Ci] with
;;   PH = OH + KH - 1, PW = OW + KW - 1, so output pixel (y, q) reads rows y..y+KH-1;
;;   wt [KH*KW, Co, Ci] (the filter with its channel axes swapped); dx: like x, zeroed, the input
;;   gradient at padded positions (written only when needDx); dwt [Co, KH*KW, Ci] and db [Co], zeroed.
;; Compiled by scripts/compile-wasm.mjs into poolConvGradWasm.ts (checked by a test).
(module
  (import "env" "memory" (memory 0))
  (func (export "backward") (param $g i32) (param $r i32) (param $x i32) (param $wt i32)
                            (param $dx i32) (param $dwt i32) (param $db i32)
                            (param $batch i32) (param $oh i32) (param $ow i32) (param $co i32) (param $ci i32)
                            (param $kh i32) (param $kw i32) (param $needDx i32)
    (local $b i32) (local $wy i32) (local $wx i32) (local $o i32) (local $i i32) (local $j i32)
    (local $ph i32) (local $pw i32) (local $coBytes i32) (local $ciBytes i32) (local $rowBytes i32)
    (local $at i32) (local $gat i32) (local $py i32) (local $px i32) (local $pixel i32)
    (local $xAt i32) (local $dwAt i32) (local $wtAt i32) (local $tapStride i32) (local $rowJump i32) (local $p i32) (local $q i32) (local $end i32) (local $end4 i32) (local $ci16 i32)
    (local $v0 f32) (local $v1 f32) (local $v2 f32) (local $v3 f32) (local $m01 f32) (local $m23 f32)
    (local $s01 i32) (local $s23 i32) (local $s i32) (local $gv f32) (local $gs v128)
    (local.set $ph (i32.sub (i32.add (local.get $oh) (local.get $kh)) (i32.const 1)))
    (local.set $pw (i32.sub (i32.add (local.get $ow) (local.get $kw)) (i32.const 1)))
    (local.set $coBytes (i32.shl (local.get $co) (i32.const 2)))
    (local.set $ciBytes (i32.shl (local.get $ci) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $ow) (local.get $coBytes)))
    ;; wt's taps are Co * Ci floats apart
    (local.set $tapStride (i32.mul (local.get $coBytes) (local.get $ci)))
    ;; from past a kernel row's last tap to the next row's first: a padded row less the kernel's width
    ;; the input channels' bytes that come in whole turns of four vectors
    (local.set $ci16 (i32.and (local.get $ciBytes) (i32.const -64)))
    (local.set $rowJump (i32.mul (i32.sub (local.get $pw) (local.get $kw)) (local.get $ciBytes)))
    (local.set $gat (local.get $g))
    (local.set $b (i32.const 0))
    (block $doneB (loop $loopB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $wy (i32.const 0))
      (block $doneY (loop $loopY
        (br_if $doneY (i32.ge_u (local.get $wy) (local.get $oh)))
        (local.set $wx (i32.const 0))
        (block $doneX (loop $loopX
          (br_if $doneX (i32.ge_u (local.get $wx) (local.get $ow)))
          ;; r at the window's top-left pixel (wy, wx are even: the pixel's own coordinates)
          (local.set $at (i32.add (local.get $r)
            (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $wy)) (local.get $ow)) (local.get $wx))
              (local.get $coBytes))))
          (local.set $o (i32.const 0))
          (block $doneO (loop $loopO
            (br_if $doneO (i32.ge_u (local.get $o) (local.get $co)))
            (local.set $v0 (f32.load (local.get $at)))
            (local.set $v1 (f32.load (i32.add (local.get $at) (local.get $coBytes))))
            (local.set $v2 (f32.load (i32.add (local.get $at) (local.get $rowBytes))))
            (local.set $v3 (f32.load (i32.add (i32.add (local.get $at) (local.get $rowBytes)) (local.get $coBytes))))
            (local.set $s01 (f32.gt (local.get $v1) (local.get $v0)))
            (local.set $m01 (select (local.get $v1) (local.get $v0) (local.get $s01)))
            (local.set $s23 (f32.gt (local.get $v3) (local.get $v2)))
            (local.set $m23 (select (local.get $v3) (local.get $v2) (local.get $s23)))
            (local.set $s (f32.gt (local.get $m23) (local.get $m01)))
            (local.set $gv (f32.load (local.get $gat)))
            (if (f32.gt (select (local.get $m23) (local.get $m01) (local.get $s)) (f32.const 0))
              (then
                (f32.store (i32.add (local.get $db) (i32.shl (local.get $o) (i32.const 2)))
                  (f32.add (f32.load (i32.add (local.get $db) (i32.shl (local.get $o) (i32.const 2)))) (local.get $gv)))
                ;; the winning pixel
                (local.set $py (i32.add (local.get $wy) (local.get $s)))
                (local.set $px (i32.add (local.get $wx) (select (local.get $s23) (local.get $s01) (local.get $s))))
                (local.set $gs (f32x4.splat (local.get $gv)))
                ;; the window's taps in order (i, j): x and dx move a pixel a tap and a padded row
                ;; less the kernel's width at each kernel row's end; dwt a tap; wt Co*Ci floats
                (local.set $pixel (i32.mul
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $ph)) (local.get $py)) (local.get $pw)) (local.get $px))
                  (local.get $ciBytes)))
                (local.set $dwAt (i32.add (local.get $dwt) (i32.mul (i32.mul (local.get $o) (i32.mul (local.get $kh) (local.get $kw))) (local.get $ciBytes))))
                (local.set $wtAt (i32.add (local.get $wt) (i32.mul (local.get $o) (local.get $ciBytes))))
                (local.set $i (i32.const 0))
                (block $doneI (loop $loopI
                  (br_if $doneI (i32.ge_u (local.get $i) (local.get $kh)))
                  (local.set $j (i32.const 0))
                  (block $doneJ (loop $loopJ
                    (br_if $doneJ (i32.ge_u (local.get $j) (local.get $kw)))
                    (local.set $xAt (i32.add (local.get $x) (local.get $pixel)))
                    ;; four vectors a turn while they last, then one
                    (local.set $p (local.get $dwAt))
                    (local.set $q (local.get $xAt))
                    (local.set $end4 (i32.add (local.get $dwAt) (local.get $ci16)))
                    (local.set $end (i32.add (local.get $dwAt) (local.get $ciBytes)))
                    (block $done4W (loop $loop4W
                      (br_if $done4W (i32.ge_u (local.get $p) (local.get $end4)))
                      (v128.store (local.get $p)
                        (f32x4.add (v128.load (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load (local.get $q)))))
                      (v128.store offset=16 (local.get $p)
                        (f32x4.add (v128.load offset=16 (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load offset=16 (local.get $q)))))
                      (v128.store offset=32 (local.get $p)
                        (f32x4.add (v128.load offset=32 (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load offset=32 (local.get $q)))))
                      (v128.store offset=48 (local.get $p)
                        (f32x4.add (v128.load offset=48 (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load offset=48 (local.get $q)))))
                      (local.set $p (i32.add (local.get $p) (i32.const 64)))
                      (local.set $q (i32.add (local.get $q) (i32.const 64)))
                      (br $loop4W)))
                    (block $done1W (loop $loop1W
                      (br_if $done1W (i32.ge_u (local.get $p) (local.get $end)))
                      (v128.store (local.get $p)
                        (f32x4.add (v128.load (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load (local.get $q)))))
                      (local.set $p (i32.add (local.get $p) (i32.const 16)))
                      (local.set $q (i32.add (local.get $q) (i32.const 16)))
                      (br $loop1W)))
                    (if (local.get $needDx)
                      (then
                        (local.set $xAt (i32.add (local.get $dx) (local.get $pixel)))
                    ;; four vectors a turn while they last, then one
                    (local.set $p (local.get $xAt))
                    (local.set $q (local.get $wtAt))
                    (local.set $end4 (i32.add (local.get $xAt) (local.get $ci16)))
                    (local.set $end (i32.add (local.get $xAt) (local.get $ciBytes)))
                    (block $done4X (loop $loop4X
                      (br_if $done4X (i32.ge_u (local.get $p) (local.get $end4)))
                      (v128.store (local.get $p)
                        (f32x4.add (v128.load (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load (local.get $q)))))
                      (v128.store offset=16 (local.get $p)
                        (f32x4.add (v128.load offset=16 (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load offset=16 (local.get $q)))))
                      (v128.store offset=32 (local.get $p)
                        (f32x4.add (v128.load offset=32 (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load offset=32 (local.get $q)))))
                      (v128.store offset=48 (local.get $p)
                        (f32x4.add (v128.load offset=48 (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load offset=48 (local.get $q)))))
                      (local.set $p (i32.add (local.get $p) (i32.const 64)))
                      (local.set $q (i32.add (local.get $q) (i32.const 64)))
                      (br $loop4X)))
                    (block $done1X (loop $loop1X
                      (br_if $done1X (i32.ge_u (local.get $p) (local.get $end)))
                      (v128.store (local.get $p)
                        (f32x4.add (v128.load (local.get $p))
                          (f32x4.mul (local.get $gs) (v128.load (local.get $q)))))
                      (local.set $p (i32.add (local.get $p) (i32.const 16)))
                      (local.set $q (i32.add (local.get $q) (i32.const 16)))
                      (br $loop1X)))))
                    (local.set $pixel (i32.add (local.get $pixel) (local.get $ciBytes)))
                    (local.set $dwAt (i32.add (local.get $dwAt) (local.get $ciBytes)))
                    (local.set $wtAt (i32.add (local.get $wtAt) (local.get $tapStride)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $loopJ)))
                  (local.set $pixel (i32.add (local.get $pixel) (local.get $rowJump)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $loopI)))))
            (local.set $at (i32.add (local.get $at) (i32.const 4)))
            (local.set $gat (i32.add (local.get $gat) (i32.const 4)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $loopO)))
          (local.set $wx (i32.add (local.get $wx) (i32.const 2)))
          (br $loopX)))
        (local.set $wy (i32.add (local.get $wy) (i32.const 2)))
        (br $loopY)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $loopB)))))
