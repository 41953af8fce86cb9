;; Hot loops of the bGPT inference path as WebAssembly SIMD (f32x4): matrix-vector products in the
;; weights' stored PyTorch layouts, and the two halves of single-query attention. Every pointer is a
;; byte offset into the imported memory; every count is in float32 elements. kernels-wasm.ts holds
;; this file compiled by build-kernels.ts (wabt); a unit test checks that the two agree.
(module
  (memory (import "env" "memory") 0)

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
  ;; Four rows at a time stream W sequentially and touch y (in L1) once per four rows.
  (func $axpy4 (param $s0 f32) (param $s1 f32) (param $s2 f32) (param $s3 f32)
               (param $w0 i32) (param $y i32) (param $n i32) (param $stride i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $vend i32) (local $end i32)
    (local.set $x0 (f32x4.splat (local.get $s0)))
    (local.set $x1 (f32x4.splat (local.get $s1)))
    (local.set $x2 (f32x4.splat (local.get $s2)))
    (local.set $x3 (f32x4.splat (local.get $s3)))
    (local.set $w1 (i32.add (local.get $w0) (local.get $stride)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $stride)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $stride)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
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
  (func (export "matvec_io") (param $x i32) (param $w i32) (param $b i32) (param $y i32)
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
  (func (export "matvec_oi") (param $x i32) (param $w i32) (param $y i32) (param $nin i32) (param $nout i32)
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

  ;; Attention scores of one head: s[t] = scale * q·k_t for t < npos, k_t = k + t*stride bytes.
  (func (export "attn_scores") (param $q i32) (param $k i32) (param $s i32) (param $npos i32)
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
  (func (export "attn_mix") (param $p i32) (param $v i32) (param $out i32) (param $npos i32)
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
)
