/* bjconn.h — the one generator of fixed-probability connectivity: the post-synaptic targets of presynaptic neuron
 * `pre` for (seed, p, n_post, allow_self). Used by the host CSR builder (bj_conn_fixed_prob), by the interpreter's
 * procedural ops (jitconn_*), and pasted into every generated source (PRELUDE_HDRS in the Makefile, after bjmath.h,
 * philox.h and bjrand.h), so a stored network and a procedural one of the same seed are the same
 * network, bit for bit, on every backend.
 *
 * Each pair (pre, post) is a synapse with probability p, independently. A row is walked by geometric skipping: the
 * gap to the next target is g = floor(log(u) / log(1 - p)) with u uniform in (0, 1], so P(g >= k) = (1 - p)^k and
 * the cost is one draw per synapse (plus one to end the row), not one per candidate. Draw d of row `pre` is half of
 * the Philox4x32-10 block with key = seed (low word, high word) and counter (d / 2, 0, pre, "CONN"): the tag keeps
 * these streams apart from every other use of Philox with the same seed. Rows are independent of each other and of
 * the order in which they are generated, so any subset of rows can be made in any order (the event-driven kernels
 * make only the rows of neurons that spiked).
 *
 * Reproducibility: log is bj_log_f64 (not libm's), log(1 - p) is computed once per rule from it (bj_conn_log1m),
 * and the rest is IEEE division, floor and comparisons: the same bits under any compiler flags that keep
 * contraction off (see bjmath.h).
 *
 * allow_self = 0 drops the pair post == pre (the diagonal) after it is drawn, so the network without self
 * connections is the one with them minus its diagonal, and each post's in-degree is Binomial(n_pre - 1, p) when
 * pre and post are one population. With populations of different sizes the flag still drops the pairs whose
 * indices are equal, which is meaningful only when one population is a prefix of the other.
 * Edge cases: p <= 0 or n_post <= 0: empty rows; p >= 1: every post (minus the diagonal when excluded).
 * Sizes: pre and post indices up to 2^31 - 1 (checked by the callers).
 *
 * Random weights (jitconn_*_uniform, jitconn_*_normal): synapse pre -> post reads the Philox block of counter (post,
 * 0, pre, tag) under the same key, tag "WUNI" for uniform and "WNRM" for normal weights, so a weight depends on
 * (seed, pre, post) alone: not on the walk that found the synapse, on allow_self, on which rows are made or on the
 * backend. The draws are those of bjrand.h: a uniform u in [0, 1) from 23 (float32) or 52 (float64) bits gives
 * lo + u * (hi - lo) (in [lo, hi]; rounding can reach hi), a Box-Muller normal z (float64, rounded once for float32)
 * gives mu + sigma * z, each product and sum rounded in the result's dtype. A row's synapses are taken
 * BJ_CONN_BATCH at a time and their weights computed in a loop of their own, which the compiler vectorizes. */
#ifndef BJ_CONN_H
#define BJ_CONN_H

/* In a generated source these headers are pasted above this one, and the includes are skipped. */
#ifndef BJ_MATH_H
#include "core/bjmath.h"
#endif
#ifndef BJ_PHILOX_H
#include "core/philox.h"
#endif
#ifndef BJ_RAND_H
#include "core/bjrand.h"
#endif
#include <math.h>
#include <stdint.h>
#include <string.h>

#define BJ_CONN_TAG 0x434F4E4Eu /* "CONN" */

/* A rule: what every row shares. */
typedef struct bj_conn_rule {
    uint32_t key[2];
    int64_t n_post;
    double lq;      /* log(1 - p) < 0 (mode 2) */
    int mode;       /* 0: no synapses; 1: every post (p >= 1); 2: geometric skipping (0 < p < 1) */
    int allow_self;
} bj_conn_rule;

/* The walk along one row. Draws are made BJ_CONN_BATCH at a time (the gaps are independent, so a batch is a
 * loop the compiler vectorizes: 4 Philox blocks, then 8 logs); draw d is the same number however it is batched. */
#define BJ_CONN_BATCH 16
typedef struct bj_conn_row {
    uint32_t pre;
    int used;         /* gaps of the batch consumed */
    uint64_t draw;    /* index of the batch's first draw */
    int64_t pos;      /* the last post returned (-1 before the first) */
    int64_t self;     /* the post dropped (pre), or -1 */
    double gap[BJ_CONN_BATCH];
} bj_conn_row;

/* log(1 - p) for 0 < p < 1, accurate to a few ulp from bj_log_f64 alone: with u = 1 - p rounded,
 * log(1 - p) = log(u) * (-p / (u - 1)) corrects the rounding of u (Goldberg's log1p); -p where u rounds to 1. */
BJ_M_FN double bj_conn_log1m(double p) {
    double u = 1.0 - p;
    if (u == 1.0) return -p;
    double l = bj_log_f64(u);
    double r = -p / (u - 1.0);
    return l * r;
}

BJ_M_FN void bj_conn_rule_init(bj_conn_rule *r, uint64_t seed, double p, int64_t n_post, int allow_self) {
    r->key[0] = (uint32_t)seed, r->key[1] = (uint32_t)(seed >> 32);
    r->n_post = n_post > 0 ? n_post : 0;
    r->allow_self = allow_self != 0;
    r->lq = -1.0;
    if (r->n_post == 0 || !(p > 0)) r->mode = 0; /* NaN too: callers refuse it first */
    else if (p >= 1) r->mode = 1;
    else r->mode = 2, r->lq = bj_conn_log1m(p);
}

BJ_M_FN void bj_conn_row_begin(const bj_conn_rule *r, int64_t pre, bj_conn_row *w) {
    w->pre = (uint32_t)pre;
    w->used = BJ_CONN_BATCH; /* nothing drawn yet */
    w->draw = (uint64_t)0 - BJ_CONN_BATCH;
    w->pos = -1;
    w->self = r->allow_self ? -1 : pre;
}

/* The next batch of gaps: draws [draw, draw + BJ_CONN_BATCH) of the row, each floor(log(u) / log(1 - p)). */
BJ_M_FN void bj_conn_row_refill(const bj_conn_rule *r, bj_conn_row *w) {
    uint32_t bits[2 * BJ_CONN_BATCH]; /* draw k: words 2k (high) and 2k + 1 (low) of the row's Philox stream */
    double u[BJ_CONN_BATCH];
    w->draw += BJ_CONN_BATCH;
    w->used = 0;
    for (int q = 0; q < BJ_CONN_BATCH / 2; q++) {
        uint64_t blk = (w->draw >> 1) + (uint64_t)q;
        uint32_t ctr[4] = {(uint32_t)blk, (uint32_t)(blk >> 32), w->pre, BJ_CONN_TAG};
        bj_philox4x32(ctr, r->key, bits + 4 * q);
    }
    for (int k = 0; k < BJ_CONN_BATCH; k++) u[k] = 1.0 - bj_bits_to_unit_f64(bits[2 * k], bits[2 * k + 1]); /* (0, 1] */
    for (int k = 0; k < BJ_CONN_BATCH; k++) w->gap[k] = floor(bj_log_f64(u[k]) / r->lq); /* >= 0; may be +inf */
}

/* The next post of the row in ascending order, or -1 at its end (and on every later call). */
BJ_M_FN int64_t bj_conn_row_next(const bj_conn_rule *r, bj_conn_row *w) {
    for (;;) {
        if (r->mode == 2) {
            if (w->used == BJ_CONN_BATCH) bj_conn_row_refill(r, w);
            double g = w->gap[w->used++];
            if (!(g < (double)(r->n_post - 1 - w->pos))) {
                w->pos = r->n_post;
                return -1;
            }
            w->pos += 1 + (int64_t)g;
        } else if (r->mode == 1 && w->pos < r->n_post - 1) {
            w->pos++;
        } else {
            w->pos = r->n_post;
            return -1;
        }
        if (w->pos != w->self) return w->pos;
    }
}

/* The next at most BJ_CONN_BATCH posts of the row, in ascending order, into post[]; how many (0 at the row's end). */
BJ_M_FN int bj_conn_row_take(const bj_conn_rule *r, bj_conn_row *w, int64_t post[BJ_CONN_BATCH]) {
    int m = 0;
    for (int64_t j; m < BJ_CONN_BATCH && (j = bj_conn_row_next(r, w)) >= 0;) post[m++] = j;
    return m;
}

#define BJ_CONN_TAG_UNIFORM 0x57554E49u /* "WUNI" */
#define BJ_CONN_TAG_NORMAL 0x574E524Du  /* "WNRM" */

/* The weight block of synapse pre -> post for a tag. */
BJ_M_FN void bj_conn_weight_block(const bj_conn_rule *r, int64_t pre, int64_t post, uint32_t tag, uint32_t out[4]) {
    const uint32_t ctr[4] = {(uint32_t)post, 0u, (uint32_t)pre, tag};
    bj_philox4x32(ctr, r->key, out);
}

/* The weight of synapse pre -> post: uniform in [lo, hi) or normal (mu = lo, sigma = hi), in dtype T. */
#define BJ_CONN_WEIGHT_DEF(D, T)                                                                                      \
    BJ_M_FN T bj_conn_weight_uniform_##D(const bj_conn_rule *r, int64_t pre, int64_t post, T lo, T hi) {               \
        uint32_t b[4];                                                                                                \
        bj_conn_weight_block(r, pre, post, BJ_CONN_TAG_UNIFORM, b);                                                   \
        T u = BJ_CONN_UNIT_##D(b);                                                                                    \
        T width = hi - lo;                                                                                            \
        T t = u * width;                                                                                              \
        return t + lo;                                                                                                \
    }                                                                                                                 \
    BJ_M_FN T bj_conn_weight_normal_##D(const bj_conn_rule *r, int64_t pre, int64_t post, T mu, T sigma) {             \
        uint32_t b[4];                                                                                                \
        bj_conn_weight_block(r, pre, post, BJ_CONN_TAG_NORMAL, b);                                                    \
        T z = (T)bj_rand_box_muller(b);                                                                               \
        T t = sigma * z;                                                                                              \
        return mu + t;                                                                                                \
    }
#define BJ_CONN_UNIT_f32(b) bj_bits_to_unit_f32(b[0])
#define BJ_CONN_UNIT_f64(b) bj_bits_to_unit_f64(b[0], b[1])
BJ_CONN_WEIGHT_DEF(f32, float)
BJ_CONN_WEIGHT_DEF(f64, double)

/* Row pre of a random-weight op: y[post] += w(pre, post) * xi for each of its synapses in ascending post order (the
 * event ops pass xi = 1, and w * 1 is w exactly). (a, b) are (lo, hi) or (mu, sigma). The kernels of both backends. */
#define BJ_CONN_ROW_ADD_DEF(DIST, D, T)                                                                               \
    BJ_M_FN void bj_conn_row_add_##DIST##_##D(const bj_conn_rule *r, int64_t pre, T xi, T a, T b, T *y) {             \
        bj_conn_row row;                                                                                              \
        int64_t post[BJ_CONN_BATCH];                                                                                  \
        T wv[BJ_CONN_BATCH];                                                                                          \
        bj_conn_row_begin(r, pre, &row);                                                                              \
        for (int m; (m = bj_conn_row_take(r, &row, post)) > 0;) {                                                     \
            for (int k = 0; k < m; k++) wv[k] = bj_conn_weight_##DIST##_##D(r, pre, post[k], a, b);                  \
            for (int k = 0; k < m; k++) {                                                                             \
                T c = wv[k] * xi;                                                                                     \
                y[post[k]] += c;                                                                                      \
            }                                                                                                         \
        }                                                                                                             \
    }
BJ_CONN_ROW_ADD_DEF(uniform, f32, float)
BJ_CONN_ROW_ADD_DEF(uniform, f64, double)
BJ_CONN_ROW_ADD_DEF(normal, f32, float)
BJ_CONN_ROW_ADD_DEF(normal, f64, double)

/* The first index i in [from, n) with s[i] != 0, or n: spike vectors are mostly zeros, so whole 8-byte words of
 * them are skipped at once. */
BJ_M_FN int64_t bj_next_spike(const uint8_t *s, int64_t from, int64_t n) {
    int64_t i = from;
    while (i < n && (i & 7)) {
        if (s[i]) return i;
        i++;
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w) break;
    }
    for (; i < n; i++)
        if (s[i]) return i;
    return n;
}
#endif
