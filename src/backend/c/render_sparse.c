/* render_sparse.c — the C renderer's sparse connectivity kernels: csrmv, event_csrmv and the procedural jitconn_*
 * ops, each one loop nest over the presynaptic neurons computing exactly what the interpreter computes
 * (src/backend/interp/sparse.c states the order and the handling of out-of-range CSR contents).
 *
 * Design note. The kernels scatter into y (a row adds to the posts it targets). A stored matrix's kernel splits over
 * threads by ranges of posts (its extent is n_post): each thread walks every row and adds only the synapses whose
 * post is in its range, so every y[post] receives its terms in the serial order and the sums do not depend on the
 * thread count. The procedural kernels generate whole rows, which a post range cannot skip into, so one thread owns
 * all of y (extent 1). The event kernels find spiking neurons with
 * bj_next_spike, which skips 8 silent neurons per load, and read only those neurons' rows; the procedural kernels
 * generate the rows with the prelude's bj_conn_* (src/core/bjconn.h), the code the host CSR builder runs, so no
 * matrix exists anywhere. A literal weight (a C scalar) is pasted into the code rather than given a buffer. */
#include "backend/c/render_node.h"
#include "ir/build_sparse.h"

/* The C text of a 0-d or 1-d weight operand at synapse index `k` ("0.5f", "b2[0]", "b2[k]"). */
static void weight_text(cgen *c, const ir_node *w, const char *k, char *buf, size_t cap) {
    if (w->op == IR_LIT) {
        cgen_literal(buf, cap, (bj_dtype)w->dtype, w->fval, w->ival);
        return;
    }
    nm W = buf_name(c, w);
    snprintf(buf, cap, "%s[%s]", W.s, w->rank ? k : "0");
}

static void declare_weight(cgen *c, const ir_node *w) {
    if (w->op != IR_LIT) cgen_declare_buf(c, w, false);
}

/* The loop header over presynaptic neurons i: all of them, or the spiking ones. */
static void open_pre_loop(cgen *c, bool event, const char *s, int64_t n_pre) {
    if (event)
        cgen_line(c, "for (int64_t i = bj_next_spike(%s, 0, %lld); i < %lld; i = bj_next_spike(%s, i + 1, %lld)) {", s,
                  LL(n_pre), LL(n_pre), s, LL(n_pre));
    else cgen_line(c, "for (int64_t i = 0; i < %lld; i++) {", LL(n_pre));
    c->indent++;
}

static void close_block(cgen *c) {
    c->indent--;
    cgen_line(c, "}");
}

/* y[post] += w (* x[pre]) over the stored rows. */
static int64_t csr(cgen *c, const ir_node *n) {
    const ir_node *ip = n->in[0], *cols = n->in[1], *w = n->in[2], *x = n->in[3];
    bool event = n->op == IR_EVENT_CSRMV;
    bj_dtype d = (bj_dtype)n->dtype;
    if (n->rank != 1 || !ir_is_float(d) || ip->rank != 1 || cols->rank != 1 || x->rank != 1 || !int_dtype((bj_dtype)ip->dtype)
        || !int_dtype((bj_dtype)cols->dtype) || ip->shape[0] != x->shape[0] + 1 || w->dtype != d ||
        (w->rank && (w->rank != 1 || w->shape[0] != cols->shape[0])) || (event ? x->dtype != BJ_BOOL : x->dtype != d) ||
        (w->op != IR_LIT && !cgen_has_buf(c, w)))
        return bad(c, n, "operands do not fit");
    int64_t n_pre = x->shape[0], nnz = cols->shape[0], n_post = n->shape[0];
    if (n_post == 0) return empty(c);
    cgen_declare_buf(c, ip, false), cgen_declare_buf(c, cols, false), declare_weight(c, w);
    cgen_declare_buf(c, x, false), cgen_declare_buf(c, n, true);
    nm P = buf_name(c, ip), I = buf_name(c, cols), X = buf_name(c, x), Y = buf_name(c, n);
    char wk[600];
    weight_text(c, w, "k", wk, sizeof wk);
    cgen_line(c, "/* %s: y[post] += %s for every synapse pre -> post of %s, pre ascending, rows in stored order; "
              "%lld pre, %lld synapses, %lld post; row ranges clamped into [0, %lld], targets outside [0, %lld) "
              "dropped */", ir_ops[n->op].name, event ? "w" : "w * x[pre]", event ? "the spiking neurons" : "every row",
              LL(n_pre), LL(nnz), LL(n_post), LL(nnz), LL(n_post));
    cgen_line(c, "memset(%s + lo, 0, (size_t)(hi - lo) * sizeof *%s);", Y.s, Y.s);
    if (n_pre == 0 || nnz == 0) return n_post;
    cgen_line(c, "%s spill = 0;", cgen_ctype(d));
    open_pre_loop(c, event, X.s, n_pre);
    if (!event) cgen_line(c, "const %s xi = %s[i];", cgen_ctype(d), X.s);
    cgen_line(c, "int64_t s = (int64_t)%s[i], e = (int64_t)%s[i + 1];", P.s, P.s);
    cgen_line(c, "s = s < 0 ? 0 : s > %lld ? %lld : s;", LL(nnz), LL(nnz));
    cgen_line(c, "e = e < s ? s : e > %lld ? %lld : e;", LL(nnz), LL(nnz));
    /* another thread's posts (or ones outside [0, n_post)) go to a private spill instead of a branch: split two
     * ways, which side a post falls on is a coin toss the branch predictor loses */
    cgen_line(c, "for (int64_t k = s; k < e; k++) {");
    cgen_line(c, "    const int64_t j = (int64_t)%s[k];", I.s);
    cgen_line(c, "    %s *const to = j >= lo && j < hi ? %s + j : &spill;", cgen_ctype(d), Y.s);
    if (event) cgen_line(c, "    *to += %s;", wk);
    else cgen_line(c, "    *to += %s * xi;", wk);
    cgen_line(c, "}");
    close_block(c);
    cgen_line(c, "(void)spill;");
    return n_post;
}

/* y[post] += w (* x[pre]) over rows generated from the seed. */
static int64_t jitconn(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0], *w = n->in[1];
    bool event = n->op == IR_JITCONN_EVENT_MV;
    bj_dtype d = (bj_dtype)n->dtype;
    uint64_t seed;
    double p;
    bool allow_self;
    if (!ir_jitconn_attrs(n, &seed, &p, &allow_self) || n->rank != 1 || !ir_is_float(d) || x->rank != 1 ||
        w->rank != 0 || w->dtype != d || (event ? x->dtype != BJ_BOOL : x->dtype != d) ||
        (w->op != IR_LIT && !cgen_has_buf(c, w)))
        return bad(c, n, "operands do not fit");
    int64_t n_pre = x->shape[0], n_post = n->shape[0];
    if (n_post == 0) return empty(c);
    cgen_declare_buf(c, x, false), declare_weight(c, w), cgen_declare_buf(c, n, true);
    nm X = buf_name(c, x), Y = buf_name(c, n);
    char wv[600], pv[64];
    weight_text(c, w, "0", wv, sizeof wv);
    cgen_literal(pv, sizeof pv, BJ_F64, p, 0);
    cgen_line(c, "/* %s: y[post] += %s for every synapse pre -> post of %s, rows generated from the seed "
              "(fixed probability %s%s), pre ascending, posts ascending; %lld pre, %lld post */", ir_ops[n->op].name,
              event ? "w" : "w * x[pre]", event ? "the spiking neurons" : "every row", pv,
              allow_self ? "" : ", no self connections", LL(n_pre), LL(n_post));
    cgen_line(c, "(void)lo, (void)hi;");
    cgen_line(c, "memset(%s, 0, %lld * sizeof *%s);", Y.s, LL(n_post), Y.s);
    if (n_pre == 0) return 1;
    cgen_line(c, "bj_conn_rule rule;");
    cgen_line(c, "bj_conn_rule_init(&rule, UINT64_C(%llu), %s, %lld, %d);", (unsigned long long)seed, pv, LL(n_post),
              allow_self);
    /* a batch's targets are prefetched when taken and added one batch later, so the cache misses of a y larger
     * than the cache overlap the generation of the next batch; the adds keep their order */
    cgen_line(c, "int64_t post[2][BJ_CONN_BATCH];");
    cgen_line(c, "int np = 0, cur = 0;");
    cgen_line(c, "%s pv = 0;", cgen_ctype(d));
    open_pre_loop(c, event, X.s, n_pre);
    if (event) cgen_line(c, "const %s v = %s;", cgen_ctype(d), wv);
    else cgen_line(c, "const %s v = %s * %s[i];", cgen_ctype(d), wv, X.s);
    cgen_line(c, "bj_conn_row row;");
    cgen_line(c, "bj_conn_row_begin(&rule, i, &row);");
    cgen_line(c, "for (int m; (m = bj_conn_row_take(&rule, &row, post[cur])) > 0; np = m, pv = v, cur ^= 1) {");
    cgen_line(c, "    for (int k = 0; k < m; k++) __builtin_prefetch(%s + post[cur][k], 1);", Y.s);
    cgen_line(c, "    for (int k = 0; k < np; k++) %s[post[cur ^ 1][k]] += pv;", Y.s);
    cgen_line(c, "}");
    close_block(c);
    cgen_line(c, "for (int k = 0; k < np; k++) %s[post[cur ^ 1][k]] += pv;", Y.s);
    return 1;
}

/* The random-weight variants: each row by the prelude's bj_conn_row_add_<dist>_<dtype> (src/core/bjconn.h), the
 * function the interpreter runs; the event kernels pass x[pre] = 1. */
static int64_t jitconn_w(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0], *a = n->in[1], *b = n->in[2];
    bool event = ir_jitconn_is_event((ir_op)n->op), normal = ir_jitconn_dist((ir_op)n->op) == IR_JITCONN_NORMAL;
    bj_dtype d = (bj_dtype)n->dtype;
    uint64_t seed;
    double p;
    bool allow_self;
    if (!ir_jitconn_attrs(n, &seed, &p, &allow_self) || n->rank != 1 || !ir_is_float(d) || x->rank != 1 ||
        a->rank != 0 || b->rank != 0 || a->dtype != d || b->dtype != d || (event ? x->dtype != BJ_BOOL : x->dtype != d) ||
        (a->op != IR_LIT && !cgen_has_buf(c, a)) || (b->op != IR_LIT && !cgen_has_buf(c, b)))
        return bad(c, n, "operands do not fit");
    int64_t n_pre = x->shape[0], n_post = n->shape[0];
    if (n_post == 0) return empty(c);
    cgen_declare_buf(c, x, false), declare_weight(c, a), declare_weight(c, b), cgen_declare_buf(c, n, true);
    nm X = buf_name(c, x), Y = buf_name(c, n);
    char av[600], bv[600], pv[64], xi[64];
    weight_text(c, a, "0", av, sizeof av);
    weight_text(c, b, "0", bv, sizeof bv);
    cgen_literal(pv, sizeof pv, BJ_F64, p, 0);
    cgen_line(c, "/* %s: y[post] += w(pre, post)%s for every synapse pre -> post of %s, rows generated from the seed "
              "(fixed probability %s%s), w drawn per synapse (%s), pre ascending, posts ascending; %lld pre, %lld "
              "post */", ir_ops[n->op].name, event ? "" : " * x[pre]", event ? "the spiking neurons" : "every row", pv,
              allow_self ? "" : ", no self connections",
              normal ? "normal, mean wa, deviation wb" : "uniform in [wa, wb)", LL(n_pre), LL(n_post));
    cgen_line(c, "(void)lo, (void)hi;");
    cgen_line(c, "memset(%s, 0, %lld * sizeof *%s);", Y.s, LL(n_post), Y.s);
    if (n_pre == 0) return 1;
    cgen_line(c, "bj_conn_rule rule;");
    cgen_line(c, "bj_conn_rule_init(&rule, UINT64_C(%llu), %s, %lld, %d);", (unsigned long long)seed, pv, LL(n_post),
              allow_self);
    cgen_line(c, "const %s wa = %s, wb = %s;", cgen_ctype(d), av, bv);
    if (event) snprintf(xi, sizeof xi, "%s", d == BJ_F32 ? "1.0f" : "1.0");
    else snprintf(xi, sizeof xi, "%s[i]", X.s);
    open_pre_loop(c, event, X.s, n_pre);
    cgen_line(c, "bj_conn_row_add_%s_%s(&rule, i, %s, wa, wb, %s);", normal ? "normal" : "uniform", cgen_dtag(d), xi,
              Y.s);
    close_block(c);
    return 1;
}

int64_t cgen_sparse(cgen *c, const ir_node *n) {
    switch ((ir_op)n->op) {
    case IR_CSRMV: case IR_EVENT_CSRMV: return csr(c, n);
    case IR_JITCONN_MV: case IR_JITCONN_EVENT_MV: return jitconn(c, n);
    case IR_JITCONN_MV_UNIFORM: case IR_JITCONN_MV_NORMAL: case IR_JITCONN_EVENT_MV_UNIFORM:
    case IR_JITCONN_EVENT_MV_NORMAL: return jitconn_w(c, n);
    default: return bad(c, n, "not a sparse op");
    }
}
