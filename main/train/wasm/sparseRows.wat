;; Rows made of weighted sums of the rows of a matrix M, with the terms listed per output row:
;;   out[r, j] = act( sum over t in [start[r], start[r+1]) of val[t] * M[row[t], j]  (+ bias[j]) )
;; A dense layer whose inputs mostly hold one value per feature is such a sum: only the inputs that
;; differ from it need a term (sparseDense.ts). M is read packed in panels of 16 columns (pack
;; below): a panel's rows are 64 consecutive bytes, so the rows a pass reads share the L1 cache
;; instead of one cache set (rows of a 512-column matrix lie 2 KB apart). Each pass keeps one
;; output row's 16 sums (four f32x4) in registers over its terms. Each sum starts at 0 and adds
;; its terms in list order, a multiply then an add (no fused multiply-add): the same on every
;; machine. Byte addresses throughout; a term is its row's byte offset in a panel (row * 64) and
;; its value, side by side. bias 0 means none; relu 1 clamps at 0.
;; Compiled by scripts/compile-wasm.mjs into sparseRowsWasm.ts (checked by a test).
(module
  (import "env" "memory" (memory 0))
  ;; dst[p][k][0..16) = src[k][16p .. 16p + 16): `rows` rows of n floats (n a multiple of 16) into
  ;; n / 16 panels of panelRows rows each (rows past `rows` are the caller's). With a gate (its
  ;; address, else 0: the same layout as src), only the values whose gate is above 0 are copied,
  ;; the others are 0: a relu's output gating the gradient that flows back through it.
  (func (export "pack") (param $src i32) (param $rows i32) (param $n i32) (param $dst i32) (param $panelRows i32) (param $gate i32)
    (local $p i32) (local $k i32) (local $from i32) (local $to i32) (local $g i32) (local $nBytes i32) (local $zero v128)
    (local.set $nBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $p (i32.const 0))
    (block $doneP (loop $loopP
      (br_if $doneP (i32.ge_u (i32.shl (local.get $p) (i32.const 4)) (local.get $n)))
      (local.set $from (i32.add (local.get $src) (i32.shl (local.get $p) (i32.const 6))))
      (local.set $g (i32.add (local.get $gate) (i32.shl (local.get $p) (i32.const 6))))
      (local.set $to (i32.add (local.get $dst) (i32.mul (local.get $p) (i32.shl (local.get $panelRows) (i32.const 6)))))
      (local.set $k (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $rows)))
        (if (local.get $gate)
          (then
            (v128.store (local.get $to) (v128.and (v128.load (local.get $from)) (f32x4.gt (v128.load (local.get $g)) (local.get $zero))))
            (v128.store offset=16 (local.get $to) (v128.and (v128.load offset=16 (local.get $from)) (f32x4.gt (v128.load offset=16 (local.get $g)) (local.get $zero))))
            (v128.store offset=32 (local.get $to) (v128.and (v128.load offset=32 (local.get $from)) (f32x4.gt (v128.load offset=32 (local.get $g)) (local.get $zero))))
            (v128.store offset=48 (local.get $to) (v128.and (v128.load offset=48 (local.get $from)) (f32x4.gt (v128.load offset=48 (local.get $g)) (local.get $zero)))))
          (else
            (v128.store (local.get $to) (v128.load (local.get $from)))
            (v128.store offset=16 (local.get $to) (v128.load offset=16 (local.get $from)))
            (v128.store offset=32 (local.get $to) (v128.load offset=32 (local.get $from)))
            (v128.store offset=48 (local.get $to) (v128.load offset=48 (local.get $from)))))
        (local.set $from (i32.add (local.get $from) (local.get $nBytes)))
        (local.set $g (i32.add (local.get $g) (local.get $nBytes)))
        (local.set $to (i32.add (local.get $to) (i32.const 64)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $loopK)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $loopP))))

  ;; The terms of x's rows [rows, features] against the features' bases (features floats): row r lists
  ;; (k * 64, x[r,k] − b_k) for every k where x[r,k] ≠ b_k, in k order, after a first term
  ;; (baseTerm, 1) where baseTerm ≥ 0. start gets rows + 1 term indices. Branch-free: each value is
  ;; written at the next slot and the count moves on only if it differs (so terms needs one slot
  ;; of slack). Returns the number of terms.
  (func (export "rowTerms") (param $x i32) (param $rows i32) (param $features i32) (param $bases i32)
                            (param $baseTerm i32) (param $start i32) (param $terms i32) (result i32)
    (local $r i32) (local $k i32) (local $t i32) (local $v f32) (local $b f32) (local $at i32)
    (local.set $r (i32.const 0))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (i32.store (i32.add (local.get $start) (i32.shl (local.get $r) (i32.const 2))) (local.get $t))
      (if (i32.ge_s (local.get $baseTerm) (i32.const 0)) (then
        (local.set $at (i32.add (local.get $terms) (i32.shl (local.get $t) (i32.const 3))))
        (i32.store (local.get $at) (local.get $baseTerm))
        (f32.store offset=4 (local.get $at) (f32.const 1))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))))
      (local.set $k (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $features)))
        (local.set $v (f32.load (local.get $x)))
        (local.set $b (f32.load (i32.add (local.get $bases) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $at (i32.add (local.get $terms) (i32.shl (local.get $t) (i32.const 3))))
        (i32.store (local.get $at) (i32.shl (local.get $k) (i32.const 6)))
        (f32.store offset=4 (local.get $at) (f32.sub (local.get $v) (local.get $b)))
        (local.set $t (i32.add (local.get $t) (f32.ne (local.get $v) (local.get $b))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $loopK)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR)))
    (i32.store (i32.add (local.get $start) (i32.shl (local.get $rows) (i32.const 2))) (local.get $t))
    (local.get $t))

  ;; The same terms listed by feature: list k holds (r * 64, x[r,k] − b_k) for the rows r where
  ;; x[r,k] ≠ b_k, in row order, after a first term (baseTerm, b_k) where b_k ≠ 0. start gets
  ;; features + 1 term indices; cursor is scratch of `features` i32. Branch-free as above: a value
  ;; equal to its base is written to a spare slot past the lists (terms needs one slot of slack).
  (func (export "columnTerms") (param $x i32) (param $rows i32) (param $features i32) (param $bases i32)
                               (param $baseTerm i32) (param $start i32) (param $terms i32) (param $cursor i32) (result i32)
    (local $r i32) (local $k i32) (local $t i32) (local $v f32) (local $b f32) (local $at i32)
    (local $c i32) (local $n i32) (local $spare i32) (local $ne i32) (local $p i32)
    ;; counts per feature
    (local.set $k (i32.const 0))
    (block $doneZ (loop $loopZ
      (br_if $doneZ (i32.ge_u (local.get $k) (local.get $features)))
      (i32.store (i32.add (local.get $cursor) (i32.shl (local.get $k) (i32.const 2))) (i32.const 0))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $loopZ)))
    (local.set $p (local.get $x))
    (local.set $r (i32.const 0))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $k (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $features)))
        (local.set $c (i32.add (local.get $cursor) (i32.shl (local.get $k) (i32.const 2))))
        (i32.store (local.get $c) (i32.add (i32.load (local.get $c))
          (f32.ne (f32.load (local.get $p)) (f32.load (i32.add (local.get $bases) (i32.shl (local.get $k) (i32.const 2)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $loopK)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR)))
    ;; list starts, each list's base term, and the cursors where its rows go
    (local.set $k (i32.const 0))
    (block $doneS (loop $loopS
      (br_if $doneS (i32.ge_u (local.get $k) (local.get $features)))
      (local.set $c (i32.add (local.get $cursor) (i32.shl (local.get $k) (i32.const 2))))
      (local.set $n (i32.load (local.get $c)))
      (i32.store (i32.add (local.get $start) (i32.shl (local.get $k) (i32.const 2))) (local.get $t))
      (local.set $b (f32.load (i32.add (local.get $bases) (i32.shl (local.get $k) (i32.const 2)))))
      (if (f32.ne (local.get $b) (f32.const 0)) (then
        (local.set $at (i32.add (local.get $terms) (i32.shl (local.get $t) (i32.const 3))))
        (i32.store (local.get $at) (local.get $baseTerm))
        (f32.store offset=4 (local.get $at) (local.get $b))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))))
      (i32.store (local.get $c) (local.get $t))
      (local.set $t (i32.add (local.get $t) (local.get $n)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $loopS)))
    (i32.store (i32.add (local.get $start) (i32.shl (local.get $features) (i32.const 2))) (local.get $t))
    (local.set $spare (local.get $t))
    ;; the rows' terms, in row order within each list
    (local.set $p (local.get $x))
    (local.set $r (i32.const 0))
    (block $doneR2 (loop $loopR2
      (br_if $doneR2 (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $k (i32.const 0))
      (block $doneK2 (loop $loopK2
        (br_if $doneK2 (i32.ge_u (local.get $k) (local.get $features)))
        (local.set $c (i32.add (local.get $cursor) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $v (f32.load (local.get $p)))
        (local.set $b (f32.load (i32.add (local.get $bases) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $ne (f32.ne (local.get $v) (local.get $b)))
        (local.set $n (i32.load (local.get $c)))
        (local.set $at (i32.add (local.get $terms)
          (i32.shl (select (local.get $n) (local.get $spare) (local.get $ne)) (i32.const 3))))
        (i32.store (local.get $at) (i32.shl (local.get $r) (i32.const 6)))
        (f32.store offset=4 (local.get $at) (f32.sub (local.get $v) (local.get $b)))
        (i32.store (local.get $c) (i32.add (local.get $n) (local.get $ne)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $loopK2)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR2)))
    (local.get $t))

  ;; out [rows, n] row-major; panels at m, panelBytes apart; terms (i32 offset, f32 value) pairs.
  (func (export "combine") (param $start i32) (param $terms i32) (param $rows i32)
                           (param $m i32) (param $panelBytes i32) (param $n i32)
                           (param $out i32) (param $bias i32) (param $relu i32)
    (local $r i32) (local $p i32) (local $t i32) (local $tEnd i32) (local $panel i32)
    (local $q i32) (local $o i32) (local $nBytes i32) (local $jBytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s v128) (local $zero v128)
    (local.set $nBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $panel (local.get $m))
    (local.set $jBytes (i32.const 0))
    (block $doneP (loop $loopP
      (br_if $doneP (i32.ge_u (local.get $jBytes) (local.get $nBytes)))
      (local.set $r (i32.const 0))
      (block $doneR (loop $loopR
        (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a0 (local.get $zero)) (local.set $a1 (local.get $zero))
        (local.set $a2 (local.get $zero)) (local.set $a3 (local.get $zero))
        (local.set $t (i32.add (local.get $terms)
          (i32.shl (i32.load (i32.add (local.get $start) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
        (local.set $tEnd (i32.add (local.get $terms)
          (i32.shl (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
        ;; two terms a turn while two are left, then the last one
        (block $donePairs (loop $loopPairs
          (br_if $donePairs (i32.ge_u (i32.add (local.get $t) (i32.const 8)) (local.get $tEnd)))
          (local.set $q (i32.add (local.get $panel) (i32.load (local.get $t))))
          (local.set $s (v128.load32_splat offset=4 (local.get $t)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load (local.get $q)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $q)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $q)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $q)))))
          (local.set $q (i32.add (local.get $panel) (i32.load offset=8 (local.get $t))))
          (local.set $s (v128.load32_splat offset=12 (local.get $t)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load (local.get $q)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $q)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $q)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $q)))))
          (local.set $t (i32.add (local.get $t) (i32.const 16)))
          (br $loopPairs)))
        (block $doneT (loop $loopT
          (br_if $doneT (i32.ge_u (local.get $t) (local.get $tEnd)))
          (local.set $q (i32.add (local.get $panel) (i32.load (local.get $t))))
          (local.set $s (v128.load32_splat offset=4 (local.get $t)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load (local.get $q)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $q)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $q)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $q)))))
          (local.set $t (i32.add (local.get $t) (i32.const 8)))
          (br $loopT)))
        (local.set $o (i32.add (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $nBytes))) (local.get $jBytes)))
        (if (local.get $bias) (then
          (local.set $q (i32.add (local.get $bias) (local.get $jBytes)))
          (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $q))))
          (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $q))))
          (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $q))))
          (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $q))))))
        (if (local.get $relu) (then
          (local.set $a0 (f32x4.max (local.get $a0) (local.get $zero)))
          (local.set $a1 (f32x4.max (local.get $a1) (local.get $zero)))
          (local.set $a2 (f32x4.max (local.get $a2) (local.get $zero)))
          (local.set $a3 (f32x4.max (local.get $a3) (local.get $zero)))))
        (v128.store (local.get $o) (local.get $a0))
        (v128.store offset=16 (local.get $o) (local.get $a1))
        (v128.store offset=32 (local.get $o) (local.get $a2))
        (v128.store offset=48 (local.get $o) (local.get $a3))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $loopR)))
      (local.set $panel (i32.add (local.get $panel) (local.get $panelBytes)))
      (local.set $jBytes (i32.add (local.get $jBytes) (i32.const 64)))
      (br $loopP)))))
