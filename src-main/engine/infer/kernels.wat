;; Hot loops of the bGPT inference path as WebAssembly SIMD (f32x4): matrix-vector products in the
;; weights' stored PyTorch layouts, the two halves of single-query attention, GELU and LayerNorm.
;; Every pointer is a byte offset into the imported memory; every count is in float32 elements.
;; kernels-wasm.ts holds this file compiled by build-kernels.ts (wabt); a unit test checks they agree.
(module
  ;; Shared so the worker threads of one model (threads.ts) run these kernels over the same weights.
  (memory (import "env" "memory") 1 65536 shared)

  ;; y[j] = b[j], or y[j] += b[j] when $acc is non-zero (adding a projection into the residual stream).
  (func $init_out (param $b i32) (param $y i32) (param $n i32) (param $acc i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (f32.store (local.get $y)
          (select
            (f32.add (f32.load (local.get $y)) (f32.load (local.get $b)))
            (f32.load (local.get $b))
            (local.get $acc)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $next))))

  ;; y[j] += s0*r0[j] + s1*r1[j] + s2*r2[j] + s3*r3[j] for j < n, rows r_k = w + k*stride bytes.
  ;; Four rows at a time stream W sequentially and touch y (in L1) once per four rows; eight columns
  ;; an iteration halve the loop overhead (measured: 4 rows x 8 columns beat 4x4, 8x4, 8x8 and 2x16).
  (func $axpy4 (param $s0 f32) (param $s1 f32) (param $s2 f32) (param $s3 f32)
               (param $w0 i32) (param $y i32) (param $n i32) (param $stride i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $vend i32) (local $end i32) (local $v8end i32)
    (local.set $x0 (f32x4.splat (local.get $s0)))
    (local.set $x1 (f32x4.splat (local.get $s1)))
    (local.set $x2 (f32x4.splat (local.get $s2)))
    (local.set $x3 (f32x4.splat (local.get $s3)))
    (local.set $w1 (i32.add (local.get $w0) (local.get $stride)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $stride)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $stride)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $v8end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $v8done
      (loop $v8next
        (br_if $v8done (i32.ge_u (local.get $y) (local.get $v8end)))
        (v128.store (local.get $y)
          (f32x4.add
            (v128.load (local.get $y))
            (f32x4.add
              (f32x4.add (f32x4.mul (local.get $x0) (v128.load (local.get $w0)))
                         (f32x4.mul (local.get $x1) (v128.load (local.get $w1))))
              (f32x4.add (f32x4.mul (local.get $x2) (v128.load (local.get $w2)))
                         (f32x4.mul (local.get $x3) (v128.load (local.get $w3)))))))
        (v128.store offset=16 (local.get $y)
          (f32x4.add
            (v128.load offset=16 (local.get $y))
            (f32x4.add
              (f32x4.add (f32x4.mul (local.get $x0) (v128.load offset=16 (local.get $w0)))
                         (f32x4.mul (local.get $x1) (v128.load offset=16 (local.get $w1))))
              (f32x4.add (f32x4.mul (local.get $x2) (v128.load offset=16 (local.get $w2)))
                         (f32x4.mul (local.get $x3) (v128.load offset=16 (local.get $w3)))))))
        (local.set $y (i32.add (local.get $y) (i32.const 32)))
        (local.set $w0 (i32.add (local.get $w0) (i32.const 32)))
        (local.set $w1 (i32.add (local.get $w1) (i32.const 32)))
        (local.set $w2 (i32.add (local.get $w2) (i32.const 32)))
        (local.set $w3 (i32.add (local.get $w3) (i32.const 32)))
        (br $v8next)))
    (block $vdone
      (loop $vnext
        (br_if $vdone (i32.ge_u (local.get $y) (local.get $vend)))
        (v128.store (local.get $y)
          (f32x4.add
            (v128.load (local.get $y))
            (f32x4.add
              (f32x4.add (f32x4.mul (local.get $x0) (v128.load (local.get $w0)))
                         (f32x4.mul (local.get $x1) (v128.load (local.get $w1))))
              (f32x4.add (f32x4.mul (local.get $x2) (v128.load (local.get $w2)))
                         (f32x4.mul (local.get $x3) (v128.load (local.get $w3)))))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $w0 (i32.add (local.get $w0) (i32.const 16)))
        (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
        (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
        (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
        (br $vnext)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (f32.store (local.get $y)
          (f32.add
            (f32.load (local.get $y))
            (f32.add
              (f32.add (f32.mul (local.get $s0) (f32.load (local.get $w0)))
                       (f32.mul (local.get $s1) (f32.load (local.get $w1))))
              (f32.add (f32.mul (local.get $s2) (f32.load (local.get $w2)))
                       (f32.mul (local.get $s3) (f32.load (local.get $w3)))))))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $w0 (i32.add (local.get $w0) (i32.const 4)))
        (local.set $w1 (i32.add (local.get $w1) (i32.const 4)))
        (local.set $w2 (i32.add (local.get $w2) (i32.const 4)))
        (local.set $w3 (i32.add (local.get $w3) (i32.const 4)))
        (br $next))))

  ;; y[j] += s * w[j] for j < n.
  (func $axpy1 (param $s f32) (param $w i32) (param $y i32) (param $n i32)
    (local $x v128) (local $vend i32) (local $end i32)
    (local.set $x (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vdone
      (loop $vnext
        (br_if $vdone (i32.ge_u (local.get $y) (local.get $vend)))
        (v128.store (local.get $y)
          (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $x) (v128.load (local.get $w)))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (br $vnext)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (f32.store (local.get $y)
          (f32.add (f32.load (local.get $y)) (f32.mul (local.get $s) (f32.load (local.get $w)))))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (br $next))))

  ;; sum_i a[i] * b[i] for i < n.
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc v128) (local $vend i32) (local $end i32) (local $s f32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vdone
      (loop $vnext
        (br_if $vdone (i32.ge_u (local.get $a) (local.get $vend)))
        (local.set $acc
          (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $vnext)))
    (local.set $s
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $next)))
    (local.get $s))

  ;; GPT-2 Conv1D: y = x·W + b (or y += x·W + b when $acc), W stored [nin, nout] row-major.
  (func $matvec_io (export "matvec_io") (param $x i32) (param $w i32) (param $b i32) (param $y i32)
                             (param $nin i32) (param $nout i32) (param $acc i32)
    (local $stride i32) (local $xend i32) (local $x4end i32)
    (call $init_out (local.get $b) (local.get $y) (local.get $nout) (local.get $acc))
    (local.set $stride (i32.shl (local.get $nout) (i32.const 2)))
    (local.set $xend (i32.add (local.get $x) (i32.shl (local.get $nin) (i32.const 2))))
    (local.set $x4end (i32.add (local.get $x) (i32.shl (i32.and (local.get $nin) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $x) (local.get $x4end)))
        (call $axpy4
          (f32.load offset=0 (local.get $x)) (f32.load offset=4 (local.get $x))
          (f32.load offset=8 (local.get $x)) (f32.load offset=12 (local.get $x))
          (local.get $w) (local.get $y) (local.get $nout) (local.get $stride))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $w (i32.add (local.get $w) (i32.shl (local.get $stride) (i32.const 2))))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $xend)))
        (call $axpy1 (f32.load (local.get $x)) (local.get $w) (local.get $y) (local.get $nout))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (local.get $stride)))
        (br $next))))

  ;; torch Linear without bias: y[o] = W[o,:]·x, W stored [nout, nin] row-major (the tied LM head).
  (func $matvec_oi (export "matvec_oi") (param $x i32) (param $w i32) (param $y i32) (param $nin i32) (param $nout i32)
    (local $end i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $nin) (i32.const 2)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $nout) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (f32.store (local.get $y) (call $dot (local.get $x) (local.get $w) (local.get $nin)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (local.get $stride)))
        (br $next))))

  ;; Batched forms for several samples decoded in lockstep (generation of N samples at once): each
  ;; block of four weight rows is read from memory once and applied to every sample's row while it is
  ;; still in cache, so N samples cost about one sample's memory traffic. Per sample the arithmetic is
  ;; exactly matvec_io's / matvec_oi's, in the same order, so each sample's outputs are bit-identical.

  ;; Y = X·W + b (or Y += X·W + b when $acc) for $rows samples: X [rows, nin], Y [rows, nout], W [nin, nout],
  ;; columns 0..$ncols only: a thread passes w, b and y offset to its first column (each column's
  ;; arithmetic does not depend on which columns run, so any split gives the same bits).
  (func $matmat_io (export "matmat_io") (param $x i32) (param $w i32) (param $b i32) (param $y i32)
                             (param $nin i32) (param $nout i32) (param $acc i32) (param $rows i32) (param $ncols i32)
    (local $stride i32) (local $xstride i32) (local $r i32) (local $k i32) (local $k4end i32)
    (local $xr i32) (local $yr i32)
    (local.set $stride (i32.shl (local.get $nout) (i32.const 2)))
    (local.set $xstride (i32.shl (local.get $nin) (i32.const 2)))
    (local.set $yr (local.get $y))
    (local.set $r (i32.const 0))
    (block $idone
      (loop $inext
        (br_if $idone (i32.ge_u (local.get $r) (local.get $rows)))
        (call $init_out (local.get $b) (local.get $yr) (local.get $ncols) (local.get $acc))
        (local.set $yr (i32.add (local.get $yr) (local.get $stride)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $inext)))
    (local.set $k4end (i32.and (local.get $nin) (i32.const -4)))
    (local.set $k (i32.const 0))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $k) (local.get $k4end)))
        (local.set $xr (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $yr (local.get $y))
        (local.set $r (i32.const 0))
        (block $rdone4
          (loop $rnext4
            (br_if $rdone4 (i32.ge_u (local.get $r) (local.get $rows)))
            (call $axpy4
              (f32.load offset=0 (local.get $xr)) (f32.load offset=4 (local.get $xr))
              (f32.load offset=8 (local.get $xr)) (f32.load offset=12 (local.get $xr))
              (local.get $w) (local.get $yr) (local.get $ncols) (local.get $stride))
            (local.set $xr (i32.add (local.get $xr) (local.get $xstride)))
            (local.set $yr (i32.add (local.get $yr) (local.get $stride)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rnext4)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (i32.shl (local.get $stride) (i32.const 2))))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $nin)))
        (local.set $xr (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $yr (local.get $y))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rnext
            (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
            (call $axpy1 (f32.load (local.get $xr)) (local.get $w) (local.get $yr) (local.get $ncols))
            (local.set $xr (i32.add (local.get $xr) (local.get $xstride)))
            (local.set $yr (i32.add (local.get $yr) (local.get $stride)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rnext)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $w (i32.add (local.get $w) (local.get $stride)))
        (br $next))))

  ;; Y[r, o] = W[o,:]·X[r,:] for $rows samples: X [rows, nin], Y [rows, ldy], W [nout, nin] (the LM head);
  ;; a thread passes w and y offset to its first output row.
  (func $matmat_oi (export "matmat_oi") (param $x i32) (param $w i32) (param $y i32) (param $nin i32)
                             (param $nout i32) (param $rows i32) (param $ldy i32)
    (local $o i32) (local $r i32) (local $wstride i32) (local $ystride i32) (local $xr i32) (local $yr i32)
    (local.set $wstride (i32.shl (local.get $nin) (i32.const 2)))
    (local.set $ystride (i32.shl (local.get $ldy) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $o) (local.get $nout)))
        (local.set $xr (local.get $x))
        (local.set $yr (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rnext
            (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
            (f32.store (local.get $yr) (call $dot (local.get $xr) (local.get $w) (local.get $nin)))
            (local.set $xr (i32.add (local.get $xr) (local.get $wstride)))
            (local.set $yr (i32.add (local.get $yr) (local.get $ystride)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rnext)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $w (i32.add (local.get $w) (local.get $wstride)))
        (br $next))))

  ;; Attention scores of one head: s[t] = scale * q·k_t for t < npos, k_t = k + t*stride bytes.
  (func $attn_scores (export "attn_scores") (param $q i32) (param $k i32) (param $s i32) (param $npos i32)
                               (param $hd i32) (param $stride i32) (param $scale f32)
    (local $end i32)
    (local.set $end (i32.add (local.get $s) (i32.shl (local.get $npos) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $s) (local.get $end)))
        (f32.store (local.get $s) (f32.mul (local.get $scale) (call $dot (local.get $q) (local.get $k) (local.get $hd))))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (local.get $stride)))
        (br $next))))

  ;; Attention output of one head: out = sum_t p[t] * v_t for t < npos, v_t = v + t*stride bytes.
  (func $attn_mix (export "attn_mix") (param $p i32) (param $v i32) (param $out i32) (param $npos i32)
                            (param $hd i32) (param $stride i32)
    (local $end i32) (local $o i32) (local $oend i32)
    (local.set $o (local.get $out))
    (local.set $oend (i32.add (local.get $out) (i32.shl (local.get $hd) (i32.const 2))))
    (block $zdone
      (loop $znext
        (br_if $zdone (i32.ge_u (local.get $o) (local.get $oend)))
        (f32.store (local.get $o) (f32.const 0))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $znext)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $npos) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (call $axpy1 (f32.load (local.get $p)) (local.get $v) (local.get $out) (local.get $hd))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $v (i32.add (local.get $v) (local.get $stride)))
        (br $next))))

  ;; GPT-2's GELU in place, tanh approximation: x = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); n is a
  ;; multiple of 4 (the MLP is 4·hidden wide). tanh is Eigen's generic_fast_tanh_float: a 13/6 rational
  ;; function on [-7.9053, 7.9053] (|error| < 4e-7 against float64 tanh), no exp needed.
  (func $gelu (export "gelu") (param $x i32) (param $n i32)
    (local $end i32) (local $u v128) (local $z v128) (local $z2 v128) (local $p v128) (local $q v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $u (v128.load (local.get $x)))
        (local.set $z
          (f32x4.mul
            (v128.const f32x4 0.7978845608028654 0.7978845608028654 0.7978845608028654 0.7978845608028654)
            (f32x4.add (local.get $u)
              (f32x4.mul (v128.const f32x4 0.044715 0.044715 0.044715 0.044715)
                (f32x4.mul (local.get $u) (f32x4.mul (local.get $u) (local.get $u)))))))
        (local.set $z
          (f32x4.max (v128.const f32x4 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805 -7.90531110763549805)
            (f32x4.min (v128.const f32x4 7.90531110763549805 7.90531110763549805 7.90531110763549805 7.90531110763549805)
              (local.get $z))))
        (local.set $z2 (f32x4.mul (local.get $z) (local.get $z)))
        (local.set $p (v128.const f32x4 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08 5.12229709037114e-08)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05 1.48572235717979e-05)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04 6.37261928875436e-04)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03 4.89352455891786e-03)))
        (local.set $p (f32x4.mul (local.get $p) (local.get $z)))
        (local.set $q (v128.const f32x4 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06 1.19825839466702e-06))
        (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04 1.18534705686654e-04)))
        (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03 2.26843463243900e-03)))
        (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03 4.89352518554385e-03)))
        (v128.store (local.get $x)
          (f32x4.mul
            (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $u))
            (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.div (local.get $p) (local.get $q)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $next))))

  ;; sum_i x[i] for i < n.
  (func $sum (param $x i32) (param $n i32) (result f32)
    (local $acc v128) (local $vend i32) (local $end i32) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vdone
      (loop $vnext
        (br_if $vdone (i32.ge_u (local.get $x) (local.get $vend)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $vnext)))
    (local.set $s
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $s (f32.add (local.get $s) (f32.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $next)))
    (local.get $s))

  ;; LayerNorm over d elements: out = (x - mean) / sqrt(var + eps) · w + b (biased variance, as torch).
  ;; out may be x. The centred values pass through out, so x is read once for the mean.
  (func $layer_norm (export "layer_norm") (param $x i32) (param $w i32) (param $b i32) (param $out i32) (param $d i32) (param $eps f32)
    (local $mean f32) (local $inv f32) (local $i i32) (local $o i32) (local $end i32) (local $c f32)
    (local.set $mean (f32.div (call $sum (local.get $x) (local.get $d)) (f32.convert_i32_u (local.get $d))))
    (local.set $o (local.get $out))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 2))))
    (local.set $i (local.get $x))
    (block $cdone
      (loop $cnext
        (br_if $cdone (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (local.get $o) (f32.sub (f32.load (local.get $i)) (local.get $mean)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $cnext)))
    (local.set $inv
      (f32.div (f32.const 1)
        (f32.sqrt (f32.add (local.get $eps)
          (f32.div (call $dot (local.get $out) (local.get $out) (local.get $d)) (f32.convert_i32_u (local.get $d)))))))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $d) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out)
          (f32.add (f32.mul (f32.mul (f32.load (local.get $out)) (local.get $inv)) (f32.load (local.get $w)))
                   (f32.load (local.get $b))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $next))))

  ;; ---- Smaller weights (pack.ts): float16 and Q8_0 blocks. Both are stored [nout, ld], one output
  ;; row's weights contiguous (so a chunk of rows is one stretch of memory), and decoded here, in
  ;; registers: memory traffic is what bounds generation, so the weights cross the bus at 2 or 1.125
  ;; bytes each and only become float32 inside the loop. ----

  ;; One float16 (sign-extended to i32) as float32 bits worth 2^-112 of its value: shifting the half's
  ;; 15 magnitude bits up 13 places lines its exponent and mantissa up with float32's, and the sign
  ;; extension leaves copies of the sign in bits 28-30, which the mask clears. The vector loops do the
  ;; same four at a time (v128.load16x4_s sign-extends). pack.ts flushes float16 subnormals, so no
  ;; decoded value is a float32 subnormal (slow on x86).
  (func $half1 (param $h i32) (result f32)
    (f32.reinterpret_i32 (i32.and (i32.shl (local.get $h) (i32.const 13)) (i32.const 0x8fffffff))))

  ;; (l0 + l1) + (l2 + l3).
  (func $hsum (param $a v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
      (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))

  ;; y = v + b, or y += v + b when $acc.
  (func $put (param $y i32) (param $b i32) (param $v f32) (param $acc i32)
    (local $t f32)
    (local.set $t (f32.add (local.get $v) (f32.load (local.get $b))))
    (f32.store (local.get $y)
      (select (f32.add (f32.load (local.get $y)) (local.get $t)) (local.get $t) (local.get $acc))))

  ;; Y[r, o] = W[o,:]·X[r,:] + b[o] (Y += … when $acc) for o < $nout, r < $rows. W float16 [nout, ldk]
  ;; (ldk = nin rounded up to 8), X [rows, nin], Y [rows, ldy]; a thread passes w, b and y offset to its
  ;; first output row. Four weight rows at a time share each load of x; a block of rows is read from
  ;; memory once for all samples. x is scaled by 2^56 and each sum by 2^56: the 2^112 of $half1, split
  ;; so neither the scaled x nor the products leave float32's normal range.
  (func $matmat_f16 (export "matmat_f16") (param $x i32) (param $w i32) (param $b i32) (param $y i32)
        (param $nin i32) (param $ldk i32) (param $acc i32) (param $rows i32) (param $nout i32) (param $ldy i32)
    (local $o i32) (local $r i32) (local $k i32) (local $k8 i32) (local $wrow i32) (local $xr i32) (local $yr i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $xk i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $xa v128) (local $xb v128)
    (local $t0 f32) (local $t1 f32) (local $t2 f32) (local $t3 f32) (local $xs f32)
    (local.set $wrow (i32.shl (local.get $ldk) (i32.const 1)))
    (local.set $k8 (i32.and (local.get $nin) (i32.const -8)))
    (local.set $o (i32.const 0))
    (block $odone
      (loop $onext
        (br_if $odone (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $nout)))
        (local.set $xr (local.get $x))
        (local.set $yr (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rnext
            (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $wrow))))
            (local.set $w1 (i32.add (local.get $w0) (local.get $wrow)))
            (local.set $w2 (i32.add (local.get $w1) (local.get $wrow)))
            (local.set $w3 (i32.add (local.get $w2) (local.get $wrow)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $xk (local.get $xr))
            (local.set $k (i32.const 0))
            (block $kdone
              (loop $knext
                (br_if $kdone (i32.ge_u (local.get $k) (local.get $k8)))
                (local.set $xa (f32x4.mul (v128.load (local.get $xk)) (v128.const f32x4 0x1p56 0x1p56 0x1p56 0x1p56)))
                (local.set $xb (f32x4.mul (v128.load offset=16 (local.get $xk)) (v128.const f32x4 0x1p56 0x1p56 0x1p56 0x1p56)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xa)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=0 (local.get $w0)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xb)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=8 (local.get $w0)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $xa)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=0 (local.get $w1)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $xb)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=8 (local.get $w1)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $xa)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=0 (local.get $w2)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $xb)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=8 (local.get $w2)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $xa)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=0 (local.get $w3)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $xb)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=8 (local.get $w3)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $xk (i32.add (local.get $xk) (i32.const 32)))
                (local.set $w0 (i32.add (local.get $w0) (i32.const 16)))
                (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
                (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
                (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
                (local.set $k (i32.add (local.get $k) (i32.const 8)))
                (br $knext)))
            (local.set $t0 (f32.const 0))
            (local.set $t1 (f32.const 0))
            (local.set $t2 (f32.const 0))
            (local.set $t3 (f32.const 0))
            (block $tdone
              (loop $tnext
                (br_if $tdone (i32.ge_u (local.get $k) (local.get $nin)))
                (local.set $xs (f32.mul (f32.load (local.get $xk)) (f32.const 0x1p56)))
                (local.set $t0 (f32.add (local.get $t0) (f32.mul (local.get $xs) (call $half1 (i32.load16_s (local.get $w0))))))
                (local.set $t1 (f32.add (local.get $t1) (f32.mul (local.get $xs) (call $half1 (i32.load16_s (local.get $w1))))))
                (local.set $t2 (f32.add (local.get $t2) (f32.mul (local.get $xs) (call $half1 (i32.load16_s (local.get $w2))))))
                (local.set $t3 (f32.add (local.get $t3) (f32.mul (local.get $xs) (call $half1 (i32.load16_s (local.get $w3))))))
                (local.set $xk (i32.add (local.get $xk) (i32.const 4)))
                (local.set $w0 (i32.add (local.get $w0) (i32.const 2)))
                (local.set $w1 (i32.add (local.get $w1) (i32.const 2)))
                (local.set $w2 (i32.add (local.get $w2) (i32.const 2)))
                (local.set $w3 (i32.add (local.get $w3) (i32.const 2)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $tnext)))
            (call $put (local.get $yr) (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2)))
              (f32.mul (f32.add (call $hsum (local.get $a0)) (local.get $t0)) (f32.const 0x1p56)) (local.get $acc))
            (call $put (i32.add (local.get $yr) (i32.const 4)) (i32.add (local.get $b) (i32.shl (i32.add (local.get $o) (i32.const 1)) (i32.const 2)))
              (f32.mul (f32.add (call $hsum (local.get $a1)) (local.get $t1)) (f32.const 0x1p56)) (local.get $acc))
            (call $put (i32.add (local.get $yr) (i32.const 8)) (i32.add (local.get $b) (i32.shl (i32.add (local.get $o) (i32.const 2)) (i32.const 2)))
              (f32.mul (f32.add (call $hsum (local.get $a2)) (local.get $t2)) (f32.const 0x1p56)) (local.get $acc))
            (call $put (i32.add (local.get $yr) (i32.const 12)) (i32.add (local.get $b) (i32.shl (i32.add (local.get $o) (i32.const 3)) (i32.const 2)))
              (f32.mul (f32.add (call $hsum (local.get $a3)) (local.get $t3)) (f32.const 0x1p56)) (local.get $acc))
            (local.set $xr (i32.add (local.get $xr) (i32.shl (local.get $nin) (i32.const 2))))
            (local.set $yr (i32.add (local.get $yr) (i32.shl (local.get $ldy) (i32.const 2))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rnext)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $onext)))
    ;; The last nout mod 4 rows, one at a time (each row's arithmetic as in a group of four).
    (block $odone1
      (loop $onext1
        (br_if $odone1 (i32.ge_u (local.get $o) (local.get $nout)))
        (local.set $xr (local.get $x))
        (local.set $yr (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $rdone1
          (loop $rnext1
            (br_if $rdone1 (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $wrow))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $xk (local.get $xr))
            (local.set $k (i32.const 0))
            (block $kdone1
              (loop $knext1
                (br_if $kdone1 (i32.ge_u (local.get $k) (local.get $k8)))
                (local.set $xa (f32x4.mul (v128.load (local.get $xk)) (v128.const f32x4 0x1p56 0x1p56 0x1p56 0x1p56)))
                (local.set $xb (f32x4.mul (v128.load offset=16 (local.get $xk)) (v128.const f32x4 0x1p56 0x1p56 0x1p56 0x1p56)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xa)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=0 (local.get $w0)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xb)
                  (v128.and (i32x4.shl (v128.load16x4_s offset=8 (local.get $w0)) (i32.const 13)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)))))
                (local.set $xk (i32.add (local.get $xk) (i32.const 32)))
                (local.set $w0 (i32.add (local.get $w0) (i32.const 16)))
                (local.set $k (i32.add (local.get $k) (i32.const 8)))
                (br $knext1)))
            (local.set $t0 (f32.const 0))
            (block $tdone1
              (loop $tnext1
                (br_if $tdone1 (i32.ge_u (local.get $k) (local.get $nin)))
                (local.set $xs (f32.mul (f32.load (local.get $xk)) (f32.const 0x1p56)))
                (local.set $t0 (f32.add (local.get $t0) (f32.mul (local.get $xs) (call $half1 (i32.load16_s (local.get $w0))))))
                (local.set $xk (i32.add (local.get $xk) (i32.const 4)))
                (local.set $w0 (i32.add (local.get $w0) (i32.const 2)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $tnext1)))
            (call $put (local.get $yr) (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2)))
              (f32.mul (f32.add (call $hsum (local.get $a0)) (local.get $t0)) (f32.const 0x1p56)) (local.get $acc))
            (local.set $xr (i32.add (local.get $xr) (i32.shl (local.get $nin) (i32.const 2))))
            (local.set $yr (i32.add (local.get $yr) (i32.shl (local.get $ldy) (i32.const 2))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rnext1)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $onext1))))

  ;; Q8_0 quantisation of a product's input, as llama.cpp quantises activations for Q8_0 weights: per
  ;; block of 32, scale d = max|x| / 127 and q = round(x / d) (to nearest, ties to even) in [-127, 127].
  ;; X [rows, nin] float32 → Q [rows, ldq] as i16 (ldq = nin rounded up to 32, the tail zero; 16 bits so
  ;; matmat_q8 multiplies with i32x4.dot_i16x8_s) and D [rows, ldq / 32] float32.
  (func $quantize_q8 (export "quantize_q8") (param $x i32) (param $q i32) (param $d i32) (param $nin i32) (param $rows i32) (param $ldq i32)
    (local $r i32) (local $k i32) (local $k32 i32) (local $xk i32) (local $qk i32) (local $dk i32) (local $j i32) (local $n i32)
    (local $m v128) (local $inv v128) (local $amax f32) (local $s f32) (local $is f32)
    (local.set $k32 (i32.and (local.get $nin) (i32.const -32)))
    (local.set $r (i32.const 0))
    (block $rdone
      (loop $rnext
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xk (i32.add (local.get $x) (i32.mul (local.get $r) (i32.shl (local.get $nin) (i32.const 2)))))
        (local.set $qk (i32.add (local.get $q) (i32.mul (local.get $r) (i32.shl (local.get $ldq) (i32.const 1)))))
        (local.set $dk (i32.add (local.get $d) (i32.shl (i32.mul (local.get $r) (i32.shr_u (local.get $ldq) (i32.const 5))) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $kdone
          (loop $knext
            (br_if $kdone (i32.ge_u (local.get $k) (local.get $k32)))
            (local.set $m (f32x4.max
              (f32x4.max (f32x4.max (f32x4.abs (v128.load offset=0 (local.get $xk))) (f32x4.abs (v128.load offset=16 (local.get $xk))))
                         (f32x4.max (f32x4.abs (v128.load offset=32 (local.get $xk))) (f32x4.abs (v128.load offset=48 (local.get $xk)))))
              (f32x4.max (f32x4.max (f32x4.abs (v128.load offset=64 (local.get $xk))) (f32x4.abs (v128.load offset=80 (local.get $xk))))
                         (f32x4.max (f32x4.abs (v128.load offset=96 (local.get $xk))) (f32x4.abs (v128.load offset=112 (local.get $xk)))))))
            (local.set $amax (f32.max (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
                                      (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
            (local.set $s (f32.div (local.get $amax) (f32.const 127)))
            (local.set $is (select (f32.div (f32.const 1) (local.get $s)) (f32.const 0) (f32.gt (local.get $s) (f32.const 0))))
            (f32.store (local.get $dk) (local.get $s))
            (local.set $inv (f32x4.splat (local.get $is)))
            (v128.store offset=0 (local.get $qk)
              (i16x8.narrow_i32x4_s
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=0 (local.get $xk)) (local.get $inv))))
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=16 (local.get $xk)) (local.get $inv))))))
            (v128.store offset=16 (local.get $qk)
              (i16x8.narrow_i32x4_s
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=32 (local.get $xk)) (local.get $inv))))
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=48 (local.get $xk)) (local.get $inv))))))
            (v128.store offset=32 (local.get $qk)
              (i16x8.narrow_i32x4_s
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=64 (local.get $xk)) (local.get $inv))))
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=80 (local.get $xk)) (local.get $inv))))))
            (v128.store offset=48 (local.get $qk)
              (i16x8.narrow_i32x4_s
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=96 (local.get $xk)) (local.get $inv))))
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=112 (local.get $xk)) (local.get $inv))))))
            (local.set $xk (i32.add (local.get $xk) (i32.const 128)))
            (local.set $qk (i32.add (local.get $qk) (i32.const 64)))
            (local.set $dk (i32.add (local.get $dk) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 32)))
            (br $knext)))
        ;; A last, partial block: the same rule one value at a time, then zeros up to 32.
        (if (i32.lt_u (local.get $k) (local.get $nin))
          (then
            (local.set $n (i32.sub (local.get $nin) (local.get $k)))
            (local.set $amax (f32.const 0))
            (local.set $j (i32.const 0))
            (block $mdone
              (loop $mnext
                (br_if $mdone (i32.ge_u (local.get $j) (local.get $n)))
                (local.set $amax (f32.max (local.get $amax) (f32.abs (f32.load (i32.add (local.get $xk) (i32.shl (local.get $j) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $mnext)))
            (local.set $s (f32.div (local.get $amax) (f32.const 127)))
            (local.set $is (select (f32.div (f32.const 1) (local.get $s)) (f32.const 0) (f32.gt (local.get $s) (f32.const 0))))
            (f32.store (local.get $dk) (local.get $s))
            (local.set $j (i32.const 0))
            (block $qdone
              (loop $qnext
                (br_if $qdone (i32.ge_u (local.get $j) (i32.const 32)))
                (i32.store16 (i32.add (local.get $qk) (i32.shl (local.get $j) (i32.const 1)))
                  (select
                    (i32.trunc_sat_f32_s (f32.nearest (f32.mul (f32.load (i32.add (local.get $xk) (i32.shl (local.get $j) (i32.const 2)))) (local.get $is))))
                    (i32.const 0)
                    (i32.lt_u (local.get $j) (local.get $n))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $qnext)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rnext))))

  ;; Y[r, o] = Σ_j ws[o, j]·d[r, j]·(W[o, block j]·Q[r, block j]) + b[o] (Y += … when $acc), for o < $nout,
  ;; r < $rows: Q8_0 weights W int8 [nout, ldq], activations Q (i16), D from quantize_q8, Y [rows, ldy].
  ;; The scales of four consecutive rows lie together, block by block: ws of row o, block j is at float
  ;; ((o >> 2)·nb + j)·4 + (o & 3), nb = ldq / 32. A thread passes w, ws, b and y offset to its first
  ;; output row (a multiple of 4). Four weight rows at a time share each activation block; the 32 products
  ;; of a block sum exactly in integers (i32x4.dot_i16x8_s), the four rows' sums are gathered into one
  ;; vector and scaled together.
  (func $matmat_q8 (export "matmat_q8") (param $q i32) (param $d i32) (param $w i32) (param $ws i32) (param $b i32) (param $y i32)
        (param $ldq i32) (param $acc i32) (param $rows i32) (param $nout i32) (param $ldy i32)
    (local $o i32) (local $r i32) (local $j i32) (local $nb i32) (local $qr i32) (local $dr i32) (local $yr i32) (local $qk i32) (local $dk i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $vs i32) (local $i32sum i32) (local $v f32)
    (local $a v128) (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $ta v128) (local $tb v128) (local $out v128)
    (local.set $nb (i32.shr_u (local.get $ldq) (i32.const 5)))
    (local.set $o (i32.const 0))
    (block $odone
      (loop $onext
        (br_if $odone (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $nout)))
        (local.set $qr (local.get $q))
        (local.set $dr (local.get $d))
        (local.set $yr (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rnext
            (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $ldq))))
            (local.set $w1 (i32.add (local.get $w0) (local.get $ldq)))
            (local.set $w2 (i32.add (local.get $w1) (local.get $ldq)))
            (local.set $w3 (i32.add (local.get $w2) (local.get $ldq)))
            (local.set $vs (i32.add (local.get $ws) (i32.shl (i32.mul (i32.shr_u (local.get $o) (i32.const 2)) (local.get $nb)) (i32.const 4))))
            (local.set $a (v128.const i32x4 0 0 0 0))
            (local.set $qk (local.get $qr))
            (local.set $dk (local.get $dr))
            (local.set $j (i32.const 0))
            (block $jdone
              (loop $jnext
                (br_if $jdone (i32.ge_u (local.get $j) (local.get $nb)))
                (local.set $x0 (v128.load offset=0 (local.get $qk)))
                (local.set $x1 (v128.load offset=16 (local.get $qk)))
                (local.set $x2 (v128.load offset=32 (local.get $qk)))
                (local.set $x3 (v128.load offset=48 (local.get $qk)))
                (local.set $s0 (i32x4.add
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=0 (local.get $w0)) (local.get $x0))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $w0)) (local.get $x1)))
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=16 (local.get $w0)) (local.get $x2))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=24 (local.get $w0)) (local.get $x3)))))
                (local.set $s1 (i32x4.add
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=0 (local.get $w1)) (local.get $x0))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $w1)) (local.get $x1)))
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=16 (local.get $w1)) (local.get $x2))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=24 (local.get $w1)) (local.get $x3)))))
                (local.set $s2 (i32x4.add
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=0 (local.get $w2)) (local.get $x0))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $w2)) (local.get $x1)))
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=16 (local.get $w2)) (local.get $x2))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=24 (local.get $w2)) (local.get $x3)))))
                (local.set $s3 (i32x4.add
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=0 (local.get $w3)) (local.get $x0))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $w3)) (local.get $x1)))
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=16 (local.get $w3)) (local.get $x2))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=24 (local.get $w3)) (local.get $x3)))))
                ;; [Σ s0, Σ s1, Σ s2, Σ s3]: pairs of lanes first, then the pairs.
                (local.set $ta (i32x4.add
                  (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $s0) (local.get $s1))
                  (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $s0) (local.get $s1))))
                (local.set $tb (i32x4.add
                  (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $s2) (local.get $s3))
                  (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $s2) (local.get $s3))))
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ta) (local.get $tb))
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ta) (local.get $tb))))
                  (f32x4.mul (v128.load (local.get $vs)) (f32x4.splat (f32.load (local.get $dk)))))))
                (local.set $qk (i32.add (local.get $qk) (i32.const 64)))
                (local.set $dk (i32.add (local.get $dk) (i32.const 4)))
                (local.set $w0 (i32.add (local.get $w0) (i32.const 32)))
                (local.set $w1 (i32.add (local.get $w1) (i32.const 32)))
                (local.set $w2 (i32.add (local.get $w2) (i32.const 32)))
                (local.set $w3 (i32.add (local.get $w3) (i32.const 32)))
                (local.set $vs (i32.add (local.get $vs) (i32.const 16)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $jnext)))
            (local.set $out (f32x4.add (local.get $a) (v128.load (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))))
            (if (local.get $acc) (then (local.set $out (f32x4.add (v128.load (local.get $yr)) (local.get $out)))))
            (v128.store (local.get $yr) (local.get $out))
            (local.set $qr (i32.add (local.get $qr) (i32.shl (local.get $ldq) (i32.const 1))))
            (local.set $dr (i32.add (local.get $dr) (i32.shl (local.get $nb) (i32.const 2))))
            (local.set $yr (i32.add (local.get $yr) (i32.shl (local.get $ldy) (i32.const 2))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rnext)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $onext)))
    ;; The last nout mod 4 rows, one at a time (each row's arithmetic as in a group of four).
    (block $odone1
      (loop $onext1
        (br_if $odone1 (i32.ge_u (local.get $o) (local.get $nout)))
        (local.set $qr (local.get $q))
        (local.set $dr (local.get $d))
        (local.set $yr (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $rdone1
          (loop $rnext1
            (br_if $rdone1 (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $ldq))))
            (local.set $vs (i32.add (local.get $ws) (i32.add
              (i32.shl (i32.mul (i32.shr_u (local.get $o) (i32.const 2)) (local.get $nb)) (i32.const 4))
              (i32.shl (i32.and (local.get $o) (i32.const 3)) (i32.const 2)))))
            (local.set $v (f32.const 0))
            (local.set $qk (local.get $qr))
            (local.set $dk (local.get $dr))
            (local.set $j (i32.const 0))
            (block $jdone1
              (loop $jnext1
                (br_if $jdone1 (i32.ge_u (local.get $j) (local.get $nb)))
                (local.set $x0 (v128.load offset=0 (local.get $qk)))
                (local.set $x1 (v128.load offset=16 (local.get $qk)))
                (local.set $x2 (v128.load offset=32 (local.get $qk)))
                (local.set $x3 (v128.load offset=48 (local.get $qk)))
                (local.set $s0 (i32x4.add
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=0 (local.get $w0)) (local.get $x0))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $w0)) (local.get $x1)))
                  (i32x4.add (i32x4.dot_i16x8_s (v128.load8x8_s offset=16 (local.get $w0)) (local.get $x2))
                             (i32x4.dot_i16x8_s (v128.load8x8_s offset=24 (local.get $w0)) (local.get $x3)))))
                (local.set $i32sum (i32.add
                  (i32.add (i32x4.extract_lane 0 (local.get $s0)) (i32x4.extract_lane 1 (local.get $s0)))
                  (i32.add (i32x4.extract_lane 2 (local.get $s0)) (i32x4.extract_lane 3 (local.get $s0)))))
                (local.set $v (f32.add (local.get $v) (f32.mul (f32.convert_i32_s (local.get $i32sum))
                  (f32.mul (f32.load (local.get $vs)) (f32.load (local.get $dk))))))
                (local.set $qk (i32.add (local.get $qk) (i32.const 64)))
                (local.set $dk (i32.add (local.get $dk) (i32.const 4)))
                (local.set $w0 (i32.add (local.get $w0) (i32.const 32)))
                (local.set $vs (i32.add (local.get $vs) (i32.const 16)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $jnext1)))
            (call $put (local.get $yr) (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))) (local.get $v) (local.get $acc))
            (local.set $qr (i32.add (local.get $qr) (i32.shl (local.get $ldq) (i32.const 1))))
            (local.set $dr (i32.add (local.get $dr) (i32.shl (local.get $nb) (i32.const 2))))
            (local.set $yr (i32.add (local.get $yr) (i32.shl (local.get $ldy) (i32.const 2))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rnext1)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $onext1))))
)
