;; Nearest-centroid assignment for the IVF vector lists, with 128-bit SIMD (four f32 lanes).
;; The source of the bytes in ivf-simd-wasm.ts: `npm run build:wasm` compiles it with wabt, and
;; ivf-simd.test.ts checks that the two agree.
;;
;; assign(centroids, k, rows, n, d, labels, similarity): for each of the `n` rows (`d` f32 each,
;; packed at byte offset `rows`), the index of the centroid (`k` of them, packed at `centroids`) of
;; highest dot product, stored as an i32 at `labels` and, unless `similarity` is 0, that product as
;; an f64 at `similarity`. `d` must be a multiple of 4. Rows are taken two at a time and centroids
;; four at a time, with eight accumulators of four lanes each; ties go to the lower index.
(module
  (memory (export "memory") 1)

  ;; The sum of the four lanes.
  (func $sum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func (export "assign")
    (param $centroids i32) (param $k i32) (param $rows i32) (param $n i32) (param $d i32)
    (param $labels i32) (param $similarity i32)
    (local $i i32) (local $bytes i32) (local $x0 i32) (local $x1 i32)
    (local $c i32) (local $k4 i32) (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $j i32)
    (local $u v128) (local $v v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $s f32) (local $top0 f32) (local $top1 f32) (local $best0 i32) (local $best1 i32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $k4 (i32.sub (local.get $k) (i32.rem_u (local.get $k) (i32.const 4))))
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $each_pair
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x0 (i32.add (local.get $rows) (i32.mul (local.get $i) (local.get $bytes))))
        ;; An odd last row is paired with itself.
        (local.set $x1
          (select
            (i32.add (local.get $x0) (local.get $bytes))
            (local.get $x0)
            (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))))
        (local.set $top0 (f32.const -inf))
        (local.set $top1 (f32.const -inf))
        (local.set $best0 (i32.const 0))
        (local.set $best1 (i32.const 0))
        ;; Four centroids at a time.
        (local.set $c (i32.const 0))
        (block $quads_done
          (loop $each_quad
            (br_if $quads_done (i32.ge_u (local.get $c) (local.get $k4)))
            (local.set $c0 (i32.add (local.get $centroids) (i32.mul (local.get $c) (local.get $bytes))))
            (local.set $c1 (i32.add (local.get $c0) (local.get $bytes)))
            (local.set $c2 (i32.add (local.get $c1) (local.get $bytes)))
            (local.set $c3 (i32.add (local.get $c2) (local.get $bytes)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $b0 (v128.const i32x4 0 0 0 0))
            (local.set $b1 (v128.const i32x4 0 0 0 0))
            (local.set $b2 (v128.const i32x4 0 0 0 0))
            (local.set $b3 (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $dims_done
              (loop $each_dim
                (br_if $dims_done (i32.ge_u (local.get $j) (local.get $bytes)))
                (local.set $u (v128.load (i32.add (local.get $x0) (local.get $j))))
                (local.set $v (v128.load (i32.add (local.get $x1) (local.get $j))))
                (local.set $w0 (v128.load (i32.add (local.get $c0) (local.get $j))))
                (local.set $w1 (v128.load (i32.add (local.get $c1) (local.get $j))))
                (local.set $w2 (v128.load (i32.add (local.get $c2) (local.get $j))))
                (local.set $w3 (v128.load (i32.add (local.get $c3) (local.get $j))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $u))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w1) (local.get $u))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w2) (local.get $u))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w3) (local.get $u))))
                (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $w0) (local.get $v))))
                (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $w1) (local.get $v))))
                (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $w2) (local.get $v))))
                (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $w3) (local.get $v))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $each_dim)))
            (local.set $s (call $sum (local.get $a0)))
            (if (f32.gt (local.get $s) (local.get $top0))
              (then (local.set $top0 (local.get $s)) (local.set $best0 (local.get $c))))
            (local.set $s (call $sum (local.get $a1)))
            (if (f32.gt (local.get $s) (local.get $top0))
              (then (local.set $top0 (local.get $s)) (local.set $best0 (i32.add (local.get $c) (i32.const 1)))))
            (local.set $s (call $sum (local.get $a2)))
            (if (f32.gt (local.get $s) (local.get $top0))
              (then (local.set $top0 (local.get $s)) (local.set $best0 (i32.add (local.get $c) (i32.const 2)))))
            (local.set $s (call $sum (local.get $a3)))
            (if (f32.gt (local.get $s) (local.get $top0))
              (then (local.set $top0 (local.get $s)) (local.set $best0 (i32.add (local.get $c) (i32.const 3)))))
            (local.set $s (call $sum (local.get $b0)))
            (if (f32.gt (local.get $s) (local.get $top1))
              (then (local.set $top1 (local.get $s)) (local.set $best1 (local.get $c))))
            (local.set $s (call $sum (local.get $b1)))
            (if (f32.gt (local.get $s) (local.get $top1))
              (then (local.set $top1 (local.get $s)) (local.set $best1 (i32.add (local.get $c) (i32.const 1)))))
            (local.set $s (call $sum (local.get $b2)))
            (if (f32.gt (local.get $s) (local.get $top1))
              (then (local.set $top1 (local.get $s)) (local.set $best1 (i32.add (local.get $c) (i32.const 2)))))
            (local.set $s (call $sum (local.get $b3)))
            (if (f32.gt (local.get $s) (local.get $top1))
              (then (local.set $top1 (local.get $s)) (local.set $best1 (i32.add (local.get $c) (i32.const 3)))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $each_quad)))
        ;; The centroids left over, one at a time.
        (block $singles_done
          (loop $each_single
            (br_if $singles_done (i32.ge_u (local.get $c) (local.get $k)))
            (local.set $c0 (i32.add (local.get $centroids) (i32.mul (local.get $c) (local.get $bytes))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $b0 (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $dims_done1
              (loop $each_dim1
                (br_if $dims_done1 (i32.ge_u (local.get $j) (local.get $bytes)))
                (local.set $w0 (v128.load (i32.add (local.get $c0) (local.get $j))))
                (local.set $a0
                  (f32x4.add (local.get $a0)
                    (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $x0) (local.get $j))))))
                (local.set $b0
                  (f32x4.add (local.get $b0)
                    (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $x1) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $each_dim1)))
            (local.set $s (call $sum (local.get $a0)))
            (if (f32.gt (local.get $s) (local.get $top0))
              (then (local.set $top0 (local.get $s)) (local.set $best0 (local.get $c))))
            (local.set $s (call $sum (local.get $b0)))
            (if (f32.gt (local.get $s) (local.get $top1))
              (then (local.set $top1 (local.get $s)) (local.set $best1 (local.get $c))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $each_single)))
        (i32.store
          (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))
          (local.get $best0))
        (if (local.get $similarity)
          (then
            (f64.store
              (i32.add (local.get $similarity) (i32.shl (local.get $i) (i32.const 3)))
              (f64.promote_f32 (local.get $top0)))))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
          (then
            (i32.store
              (i32.add (local.get $labels) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))
              (local.get $best1))
            (if (local.get $similarity)
              (then
                (f64.store
                  (i32.add (local.get $similarity) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3)))
                  (f64.promote_f32 (local.get $top1)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $each_pair)))))
