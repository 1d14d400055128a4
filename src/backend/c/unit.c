/* unit.c — one generated translation unit: a header comment, the prelude, one function per kernel, and the entry
 * point `bj_entry` that runs the kernels in plan order, splitting large ones over OpenMP threads. With abstracted
 * axes every kernel also takes `dims` (d0 = dims[0], ...) and a kernel whose size depends on a symbol is split or
 * not at run time.
 *
 * Loops (opt/loop.c): a FOR kernel is a C loop inside bj_entry around the calls of its body's kernels, which are
 * functions like any other (named l<i>_k<j>, reading a buffer table of the loop's own, l<i>_b), split over threads
 * the same way. Before the loop the table is filled (the step's variable, each carry's memory, captured buffers of
 * the enclosing table, temporaries in the loop's own memory) and the carries take their initial values; each step
 * sets the step, points each recorded value's output at its row of the stacked result (or at a scratch row on steps
 * not recorded), runs the body, and copies what the body could not write in place. Nested loops nest.
 *
 * While loops: the condition's kernels become a function of their buffer table returning the predicate
 * (`static bool w<i>_cond(void *const *w<i>c_b, int nthreads)`), called by `while (w<i>_cond(...)) { body }`; the
 * condition and the body have tables of their own over the same carry memory. Conds: `if (pred) { ... } else
 * { ... }`, each branch filling its table (operands read in place, results pointing at the members' buffers) and
 * running its kernels. Any of them nests in any other (a loop in a condition lives in that function).
 *
 * Size: a plan of more than PART_MAX kernels (the top level, a loop's body, a condition, a branch) runs its
 * statements from part functions of PART_MAX each, grouped again while there are more than PART_MAX parts, so no
 * generated function grows with the graph (see `parts` below). */
#include "backend/c/cgen.h"

#include <stdlib.h>
#include <string.h>

#define PAR_MIN 131072 /* iteration-space elements from which a kernel is split over threads */
#define PART_MAX 32    /* statements (kernel calls, loops) of a plan run by one generated function at most */

static const char *const kind_name[] = {"loop", "reduce", "node", "for"};

/* The comment above a kernel: its kind, iteration space and the ops it computes. */
static void kernel_comment(cgen *c, const char *label, const opt_kernel *k) {
    char ty[96];
    cgen_fmt_type(c, ty, sizeof ty, (bj_dtype)k->nodes[k->nnodes - 1]->dtype, k->rank, k->shape);
    core_str ops = {0};
    for (int j = 0; j < k->nnodes && j < 24; j++)
        core_str_printf(&ops, "%s%s", j ? " " : "", ir_ops[k->nodes[j]->op].name);
    if (k->nnodes > 24) core_str_printf(&ops, " ...");
    cgen_line(c, "/* kernel %s: %s over %s, %d op%s: %s */", label, kind_name[k->kind], ty,
              k->nnodes, k->nnodes == 1 ? "" : "s", ops.s ? ops.s : "");
    core_str_free(&ops);
}

/* Elements of the iteration space; a matmul's work is its outputs times the contracted length. */
static int64_t work(const opt_kernel *k) {
    int64_t n = 1;
    for (int a = 0; a < k->rank; a++) n *= k->shape[a];
    const ir_node *r = k->nodes[k->nnodes - 1];
    if (k->kind == OPT_NODE && r->op == IR_MATMUL) n *= r->in[0]->shape[r->in[0]->rank - 1];
    return n;
}

/* work() of a symbolic plan's kernel, as a size expression. */
static sx work_sx(const opt_plan *p, const opt_kernel *k) {
    sx n = sx_prod(p, k->shape, 0, k->rank);
    const ir_node *r = k->nodes[k->nnodes - 1];
    if (k->kind == OPT_NODE && r->op == IR_MATMUL) {
        sx kk = sx_ext(p, r->in[0]->shape[r->in[0]->rank - 1]);
        n = sx_mul(&n, &kk);
    }
    return n;
}

/* The call of kernel i of a symbolic plan from the entry point: its extent and work are size expressions, so the
 * choice between one call and a split over threads is made at run time when they depend on symbols. */
static void call_symbolic(cgen *c, int i, const sx *ext, const sx *wk) {
    char e[512], w[512];
    cgen_sx(e, sizeof e, ext), cgen_sx(w, sizeof w, wk);
    if (ext->bad || wk->bad || strlen(e) + 1 >= sizeof e || strlen(w) + 1 >= sizeof w) {
        cgen_fail(c, BJ_ERR_UNSUPPORTED, "rendering C: a size expression is too large");
        return;
    }
    int64_t ve, vw;
    bool ce = sx_is_const(ext, &ve), cw = sx_is_const(wk, &vw);
    if ((cw && vw < PAR_MIN) || (ce && ve < 2)) {
        cgen_line(c, "k%d(b, dims, 0, %s);", i, e);
        return;
    }
    cgen_line(c, "#ifdef _OPENMP");
    if (cw && ce) cgen_line(c, "if (nthreads > 1) {");
    else cgen_line(c, "if (nthreads > 1 && (%s) >= 2 && (%s) >= %d) {", e, w, PAR_MIN);
    cgen_line(c, "#pragma omp parallel for schedule(static) num_threads(nthreads)");
    cgen_line(c, "    for (int t = 0; t < nthreads; t++) {");
    cgen_line(c, "        int64_t lo, hi;");
    cgen_line(c, "        bj_split(%s, nthreads, t, &lo, &hi);", e);
    cgen_line(c, "        k%d(b, dims, lo, hi);", i);
    cgen_line(c, "    }");
    cgen_line(c, "} else");
    cgen_line(c, "#endif");
    cgen_line(c, "    k%d(b, dims, 0, %s);", i, e);
}

/* The call of a kernel `fn` of a static plan from the entry point (reading buffer table `table`): one call, or
 * ranges of its outermost loop split over threads when it is large. */
static void call_static(cgen *c, const char *fn, const char *table, const opt_kernel *k, int64_t extent) {
    long long n = (long long)extent;
    if (work(k) < PAR_MIN || extent < 2) {
        cgen_line(c, "%s(%s, 0, %lld);", fn, table, n);
        return;
    }
    cgen_line(c, "#ifdef _OPENMP");
    cgen_line(c, "if (nthreads > 1) {");
    cgen_line(c, "#pragma omp parallel for schedule(static) num_threads(nthreads)");
    cgen_line(c, "    for (int t = 0; t < nthreads; t++) {");
    cgen_line(c, "        int64_t lo, hi;");
    cgen_line(c, "        bj_split(%lld, nthreads, t, &lo, &hi);", n);
    cgen_line(c, "        %s(%s, lo, hi);", fn, table);
    cgen_line(c, "    }");
    cgen_line(c, "} else");
    cgen_line(c, "#endif");
    cgen_line(c, "    %s(%s, 0, %lld);", fn, table, n);
}

/* Loop-level threads. A for loop whose body has enough work runs inside one OpenMP parallel region: every thread
 * runs the step loop with a buffer table of its own, and the body is a sequence of phases. A large kernel is a
 * phase of one chunk per thread (ranges of its outermost loop); a run of small kernels (and the step's copies) is a
 * phase of one chunk. Threads claim chunks, their own first, and a thread leaves a phase when all its chunks are
 * done. Each result element is computed by one chunk in the serial order, whichever thread runs it, so results do
 * not depend on the thread count or on who ran what.
 *
 * Claiming instead of assigning keeps a busy machine from stalling the run: a thread the scheduler put aside
 * for a while holds up nobody (the others take its chunks), where a barrier waits for every thread at every phase.
 * The synchronisation is ours (emitted once per unit, see par_helpers), not libgomp's: a step of a few
 * microseconds crosses several phases, and libgomp's barrier sleeps under the OMP_WAIT_POLICY=PASSIVE we set
 * (backend_c.c), costing tens of microseconds a wake-up. Ours spins briefly, yields, then sleeps in short naps. */
#define PAR_KERNEL_MIN 8192   /* weighted work (cost()) from which a kernel of a threaded loop is split */
#define PAR_LOOP_MIN 1000000  /* default "loop_threads_min": weighted work per step of the split kernels from which
                               * a loop runs threaded */

/* The phase being collected: kernels that may run at the same time, each an item of its own chunks (a split
 * kernel: one per thread) or one chunk running a run of small kernels in order. A kernel joins when it neither
 * reads nor writes memory another item of the phase writes, nor writes what one reads (a small kernel may depend on
 * the one-chunk item it is appended to: that chunk runs them in order); else the phase is emitted first. So the
 * excitatory and inhibitory event kernels of a step share a phase, and two procedural ones run on two threads. */
typedef struct par_item {
    bool split;
    int first, ncalls; /* its calls: par.calls[first .. first + ncalls - 1] */
} par_item;
typedef struct par_call {
    char fn[80];
    long long n;
} par_call;
typedef struct par {
    const char *pre;      /* the loop's prefix: <pre>team, <pre>tl */
    const char *table;    /* the body's buffer table */
    const opt_plan *p;    /* the body's plan */
    bool open;            /* a one-chunk phase opened by par_open (carries, copies) */
    par_item items[PART_MAX + 1];
    par_call calls[PART_MAX + 1];
    int nitems, ncalls;
    unsigned char *rd, *wr;   /* by buffer: read / written by the items before the last */
    unsigned char *lrd, *lwr; /* by the last item */
    unsigned char *krd, *kwr; /* by the kernel being placed */
} par;

/* Rendering one plan: its kernels' functions go to fns (through f), the statements running them to the entry
 * point (through e, at e's indent), reading the buffer table named `table`. Loop bodies recurse with a table and
 * names of their own (prefix "l<kernel>_"). */
typedef struct unit {
    core_str *fns;
    bool wrong_result;
    bool part_macro; /* BJ_PART is defined in fns */
    bool par_macro;  /* the threaded loops' helpers are defined in fns */
    par *par;        /* the threaded loop whose body is being rendered */
    double loop_min, kernel_min; /* "loop_threads_min", and the cost from which a kernel of such a loop is split */
    bj_status status;
} unit;

/* What one element of a kernel costs, roughly, in plain arithmetic operations: transcendental functions and
 * divisions are several; a node kernel (gather, matmul, sparse rows) at least a few. */
static double op_weight(int op) {
    if ((op >= IR_EXP && op <= IR_SIGMOID && op != IR_SQUARE) || op == IR_DIV || op == IR_POW || op == IR_REMAINDER ||
        op == IR_FLOOR_DIVIDE || op == IR_ATAN2 || op == IR_HYPOT)
        return 8;
    return 1;
}

static double cost(const opt_kernel *k) {
    double w = 0;
    for (int j = 0; j < k->nnodes; j++) w += op_weight(k->nodes[j]->op);
    if (k->kind == OPT_NODE && w < 4) w = 4;
    return (double)work(k) * w;
}

/* Whether for loop body `sub` runs threaded: a body of kernels only (no nested loop or cond, no parts) in which
 * the kernels worth splitting add up to enough work per step. */
static bool par_loop_ok(const unit *u, const opt_plan *sub) {
    if (u->par || sub->nkernels > PART_MAX) return false;
    double w = 0;
    for (int i = 0; i < sub->nkernels; i++) {
        const opt_kernel *k = &sub->kernels[i];
        if (k->kind == OPT_FOR) return false;
        if (k->kind != OPT_REDUCE && work(k) >= 2 && cost(k) >= u->kernel_min) w += cost(k);
    }
    return w > 0 && w >= u->loop_min;
}

/* The helpers of threaded loops, once per unit. */
static void par_helpers(unit *u) {
    if (u->par_macro) return;
    u->par_macro = true;
    core_str_printf(u->fns, "%s",
        "/* Threaded loops (one OpenMP region per loop): phases of chunks that threads claim, their own first. A team\n"
        " * counts the chunks done; a chunk's stamp is the last phase that claimed it. Phases are numbered from 1 in\n"
        " * the same order on every thread, so a thread that fell behind finds its phase's chunks claimed and done. */\n"
        "#include <stdatomic.h>\n"
        "#include <sched.h>\n"
        "#include <time.h>\n"
        "#ifdef _OPENMP\n"
        "#include <omp.h>\n"
        "#define BJ_TID() omp_get_thread_num()\n"
        "#define BJ_NTH() omp_get_num_threads()\n"
        "#else\n"
        "#define BJ_TID() 0\n"
        "#define BJ_NTH() 1\n"
        "static inline void bj_split(int64_t total, int n, int id, int64_t *lo, int64_t *hi) {\n"
        "    (void)n, (void)id;\n"
        "    *lo = 0, *hi = total;\n"
        "}\n"
        "#endif\n"
        "#if defined(__x86_64__) || defined(__i386__)\n"
        "#define BJ_PAUSE() __builtin_ia32_pause()\n"
        "#elif defined(__aarch64__)\n"
        "#define BJ_PAUSE() __asm__ __volatile__(\"yield\")\n"
        "#else\n"
        "#define BJ_PAUSE() ((void)0)\n"
        "#endif\n"
        "#define BJ_TEAM_MAX 64 /* threads of a threaded loop at most */\n"
        "/* each counter on a cache line of its own: threads claiming neighbouring chunks do not slow each other */\n"
        "typedef struct { _Alignas(64) atomic_ullong v; } bj_line;\n"
        "typedef struct { bj_line done, slow, stamp[BJ_TEAM_MAX]; } bj_team;\n"
        "typedef struct { int tid, nth, n, next; unsigned long long phase, target; } bj_thread;\n"
        "static void bj_team_init(bj_team *t) {\n"
        "    atomic_init(&t->done.v, 0);\n"
        "    atomic_init(&t->slow.v, 0);\n"
        "    for (int j = 0; j < BJ_TEAM_MAX; j++) atomic_init(&t->stamp[j].v, 0);\n"
        "}\n"
        "/* Opens the next phase, of n chunks. */\n"
        "static inline void bj_phase(bj_thread *me, int n) {\n"
        "    me->phase++, me->target += (unsigned long long)n, me->n = n, me->next = 0;\n"
        "}\n"
        "/* A chunk of the phase for this thread (its own first), or -1 when all are taken. Once a wait went on so long\n"
        " * (2 ms, longer than a step's phases) that a thread holding a chunk must have lost its core (a busy machine,\n"
        " * a virtual CPU descheduled), the other threads stop claiming for the rest of this call and thread 0 runs\n"
        " * every chunk: as fast as one thread, instead of stalling at every phase. Who runs a chunk never changes what\n"
        " * it computes. */\n"
        "static inline int bj_claim(bj_team *t, bj_thread *me) {\n"
        "    if (me->nth == 1) return me->next < me->n ? me->next++ : -1;\n"
        "    if (me->tid && atomic_load_explicit(&t->slow.v, memory_order_relaxed)) return -1;\n"
        "    while (me->next < me->n) {\n"
        "        int j = (me->tid + me->next++) % me->n;\n"
        "        unsigned long long s = atomic_load_explicit(&t->stamp[j].v, memory_order_relaxed);\n"
        "        if (s < me->phase && atomic_compare_exchange_strong_explicit(&t->stamp[j].v, &s, me->phase,\n"
        "                                                                     memory_order_acq_rel, memory_order_relaxed))\n"
        "            return j;\n"
        "    }\n"
        "    return -1;\n"
        "}\n"
        "static inline void bj_done(bj_team *t, const bj_thread *me) {\n"
        "    if (me->nth > 1) atomic_fetch_add_explicit(&t->done.v, 1, memory_order_release);\n"
        "}\n"
        "/* Waits until every chunk of the phase is done (what they wrote is then visible here): spins for about the\n"
        " * length of a short phase, yields a while, then sleeps 50 us at a time, so that a thread waiting out a long\n"
        " * one-chunk phase (a procedural kernel of a large network) leaves its core to others. Sleeping late costs\n"
        " * no one: the threads that go on claim its chunks. A wait of over 2 ms marks the team slow (bj_claim). */\n"
        "static inline void bj_sync(bj_team *t, const bj_thread *me) {\n"
        "    if (me->nth == 1 || (me->tid && atomic_load_explicit(&t->slow.v, memory_order_relaxed))) return;\n"
        "    struct timespec t0 = {0}, now;\n"
        "    for (unsigned spin = 0; atomic_load_explicit(&t->done.v, memory_order_acquire) < me->target; spin++) {\n"
        "        if (spin < 2048) {\n"
        "            BJ_PAUSE();\n"
        "            continue;\n"
        "        }\n"
        "        clock_gettime(CLOCK_MONOTONIC, spin == 2048 ? &t0 : &now);\n"
        "        if (spin > 2048 && (now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) > 2000000L)\n"
        "            atomic_store_explicit(&t->slow.v, 1, memory_order_relaxed);\n"
        "        if (spin < 2048 + 64) sched_yield();\n"
        "        else nanosleep(&(struct timespec){.tv_nsec = 50000}, NULL);\n"
        "    }\n"
        "}\n\n");
}

/* Opens a phase of one chunk for thread-0-sized statements (if none is open). */
static void par_open(cgen *c, par *q) {
    if (q->open) return;
    cgen_line(c, "bj_phase(&%stl, 1);", q->pre);
    cgen_line(c, "if (bj_claim(&%steam, &%stl) >= 0) {", q->pre, q->pre);
    c->indent++;
    q->open = true;
}

static void par_close(cgen *c, par *q) {
    if (!q->open) return;
    cgen_line(c, "bj_done(&%steam, &%stl);", q->pre, q->pre);
    c->indent--;
    cgen_line(c, "}");
    cgen_line(c, "bj_sync(&%steam, &%stl);", q->pre, q->pre);
    q->open = false;
}

/* Marks in rd / wr the buffers kernel k reads (through values computed in place: views, leaves) and writes. */
static void par_access(const opt_plan *p, const opt_kernel *k, unsigned char *rd, unsigned char *wr) {
    const ir_node *st[64];
    for (int j = 0; j < k->nstores; j++)
        if (p->buf_of[k->stores[j]->id] >= 0) wr[p->buf_of[k->stores[j]->id]] = 1;
    for (int j = 0; j < k->nnodes; j++)
        for (int i = 0; i < k->nodes[j]->nin; i++) {
            int n = 0;
            st[n++] = k->nodes[j]->in[i];
            while (n) {
                const ir_node *x = st[--n];
                bool inside = false;
                for (int m = 0; m < k->nnodes && !inside; m++) inside = k->nodes[m] == x;
                if (inside) continue;
                if (p->buf_of[x->id] >= 0) rd[p->buf_of[x->id]] = 1;
                else if (n + x->nin <= 64)
                    for (int q = 0; q < x->nin; q++) st[n++] = x->in[q];
                else /* deeper than we look: everything may be read */
                    memset(rd, 1, (size_t)p->nbufs);
            }
        }
}

/* Whether buffers a and b may share memory: the same buffer, or temporaries whose byte ranges meet (the memory plan
 * reuses slots of the loop's own memory). */
static bool buf_meet(const opt_plan *p, int a, int b) {
    if (a == b) return true;
    const opt_buf *x = &p->bufs[a], *y = &p->bufs[b];
    return x->kind == OPT_BUF_TEMP && y->kind == OPT_BUF_TEMP && x->offset < y->offset + y->nbytes &&
           y->offset < x->offset + x->nbytes;
}

static bool sets_meet(const opt_plan *p, const unsigned char *x, const unsigned char *y) {
    for (int a = 0; a < p->nbufs; a++)
        for (int b = 0; x[a] && b < p->nbufs; b++)
            if (y[b] && buf_meet(p, a, b)) return true;
    return false;
}

/* Whether the kernel being placed (q->krd, q->kwr) and the accesses (rd, wr) must not run at the same time. */
static bool par_conflict(const par *q, const unsigned char *rd, const unsigned char *wr) {
    return sets_meet(q->p, q->kwr, rd) || sets_meet(q->p, q->kwr, wr) || sets_meet(q->p, q->krd, wr);
}

/* The C text of a + b * <pre>tl.nth, a chunk count. */
static void chunks(char *buf, size_t cap, int a, int b, const char *pre) {
    if (!b) snprintf(buf, cap, "%d", a);
    else if (!a && b == 1) snprintf(buf, cap, "%stl.nth", pre);
    else if (!a) snprintf(buf, cap, "%d * %stl.nth", b, pre);
    else if (b == 1) snprintf(buf, cap, "%d + %stl.nth", a, pre);
    else snprintf(buf, cap, "%d + %d * %stl.nth", a, b, pre);
}

/* Emits the collected phase: its chunks numbered item by item (a split item's as many as threads). */
static void par_flush(cgen *c, par *q) {
    if (!q->nitems) return;
    const char *P = q->pre, *T = q->table;
    int nsplit = 0;
    for (int i = 0; i < q->nitems; i++) nsplit += q->items[i].split;
    if (q->nitems == 1 && !nsplit) { /* one chunk, as the carries' and the copies' phases */
        par_open(c, q);
        for (int k = 0; k < q->ncalls; k++) cgen_line(c, "%s(%s, 0, %lld);", q->calls[k].fn, T, q->calls[k].n);
        par_close(c, q);
    } else {
        char total[64];
        chunks(total, sizeof total, q->nitems - nsplit, nsplit, P);
        cgen_line(c, "bj_phase(&%stl, %s);", P, total);
        cgen_line(c, "for (int j; (j = bj_claim(&%steam, &%stl)) >= 0; bj_done(&%steam, &%stl)) {", P, P, P, P);
        c->indent++;
        bool alone = q->nitems == 1;
        int ones = 0, splits = 0; /* items before this one */
        for (int i = 0; i < q->nitems && !c->status; i++) {
            const par_item *it = &q->items[i];
            char from[64], upto[64];
            chunks(from, sizeof from, ones, splits, P);
            chunks(upto, sizeof upto, ones + !it->split, splits + it->split, P);
            if (!alone) cgen_line(c, "%sif (j < %s) {", i ? "} else " : "", upto), c->indent++;
            for (int k = it->first; k < it->first + it->ncalls; k++) {
                const par_call *pc = &q->calls[k];
                if (!it->split) {
                    cgen_line(c, "%s(%s, 0, %lld);", pc->fn, T, pc->n);
                    continue;
                }
                cgen_line(c, "int64_t lo, hi;");
                if (!strcmp(from, "0")) cgen_line(c, "bj_split(%lld, %stl.nth, j, &lo, &hi);", pc->n, P);
                else cgen_line(c, "bj_split(%lld, %stl.nth, j - (%s), &lo, &hi);", pc->n, P, from);
                cgen_line(c, "%s(%s, lo, hi);", pc->fn, T);
            }
            if (!alone) c->indent--;
            ones += !it->split, splits += it->split;
        }
        if (!alone) cgen_line(c, "}");
        c->indent--;
        cgen_line(c, "}");
        cgen_line(c, "bj_sync(&%steam, &%stl);", P, P);
    }
    q->nitems = q->ncalls = 0;
    memset(q->rd, 0, (size_t)q->p->nbufs), memset(q->wr, 0, (size_t)q->p->nbufs);
    memset(q->lrd, 0, (size_t)q->p->nbufs), memset(q->lwr, 0, (size_t)q->p->nbufs);
}

/* The call of a kernel of a threaded loop's body: it joins the phase being collected or starts the next one. */
static void call_par(const unit *u, cgen *c, par *q, const char *fn, const opt_kernel *k, int64_t extent) {
    bool split = extent >= 2 && cost(k) >= u->kernel_min;
    size_t nb = (size_t)q->p->nbufs;
    memset(q->krd, 0, nb), memset(q->kwr, 0, nb);
    par_access(q->p, k, q->krd, q->kwr);
    par_item *last = q->nitems ? &q->items[q->nitems - 1] : NULL;
    bool append = last && !split && !last->split; /* to the last one-chunk item, run after its kernels */
    if (last && (par_conflict(q, q->rd, q->wr) || (!append && par_conflict(q, q->lrd, q->lwr)) ||
                 q->nitems == PART_MAX || q->ncalls == PART_MAX)) {
        par_flush(c, q);
        last = NULL, append = false;
    }
    if (!append) { /* a new item: the last one's accesses join the others' */
        for (size_t b = 0; b < nb; b++) q->rd[b] |= q->lrd[b], q->wr[b] |= q->lwr[b], q->lrd[b] = q->lwr[b] = 0;
        q->items[q->nitems++] = (par_item){.split = split, .first = q->ncalls};
        last = &q->items[q->nitems - 1];
    }
    for (size_t b = 0; b < nb; b++) q->lrd[b] |= q->krd[b], q->lwr[b] |= q->kwr[b];
    par_call *pc = &q->calls[q->ncalls++];
    snprintf(pc->fn, sizeof pc->fn, "%s", fn);
    pc->n = (long long)extent;
    last->ncalls++;
}

/* Parts. The C compiler's time on one function grows faster than its length (gcc inlines the small kernels into
 * their caller, whose optimization is then superlinear: 1,000 kernels called from one function took 40 s, in parts
 * of 32 about 4 s), so a plan of more than PART_MAX kernels runs its statements from functions of their own
 * (`<prefix>part1_<j>`, never inlined), PART_MAX each, called in order; more than PART_MAX of those are grouped
 * the same way a level up. A statement reads only its plan's buffer table and nthreads (with abstracted axes: b,
 * dims and the d variables), which the parts receive. Plans of PART_MAX kernels or fewer render as before. */
typedef struct parts {
    unit *u;
    cgen *e;                     /* where the plan's statements (or the calls of its parts) go */
    const char *prefix, *table;
    int nsym;                    /* abstracted axes: the parts take dims and declare d0 = dims[0], ... */
    const int64_t *sym_ext;
    bool on;                     /* the plan has more than PART_MAX kernels */
    core_str body;               /* the statements of the part being filled */
    cgen pe;                     /* renders into body */
    int n, nparts;               /* statements in body; parts made */
} parts;

static void parts_begin(parts *ps, unit *u, cgen *e, const opt_plan *p, const char *prefix, const char *table) {
    *ps = (parts){.u = u, .e = e, .prefix = prefix, .table = table, .nsym = p->nsym, .sym_ext = p->sym_ext,
                  .on = p->nkernels > PART_MAX};
    ps->pe = (cgen){.p = p, .d = &cgen_c, .s = &ps->body, .indent = 1};
}

/* Where the next statement goes. */
static cgen *parts_out(parts *ps) { return ps->on ? &ps->pe : ps->e; }

/* Opens part function `name` in fns. */
static void part_open(parts *ps, cgen *f, const char *name) {
    if (!ps->u->part_macro) {
        ps->u->part_macro = true;
        cgen_line(f, "/* runs of kernels too long for one function are split into parts, never inlined */");
        cgen_line(f, "#if defined(__GNUC__)");
        cgen_line(f, "#define BJ_PART static __attribute__((noinline)) void");
        cgen_line(f, "#else");
        cgen_line(f, "#define BJ_PART static void");
        cgen_line(f, "#endif");
    }
    if (ps->nsym) {
        cgen_line(f, "BJ_PART %s(void *const *b, const int64_t *dims, int nthreads) {", name);
        cgen_line(f, "    (void)dims, (void)nthreads;");
        for (int q = 0; q < ps->nsym; q++)
            if (ps->sym_ext[q] >= 0) cgen_line(f, "    const int64_t d%d = dims[%d]; (void)d%d;", q, q, q);
    } else {
        cgen_line(f, "BJ_PART %s(void *const *%s, int nthreads) {", name, ps->table);
        cgen_line(f, "    (void)nthreads;");
    }
}

/* The call of part `name` from a statement list. */
static void part_call(parts *ps, cgen *c, const char *name) {
    if (ps->nsym) cgen_line(c, "%s(b, dims, nthreads);", name);
    else cgen_line(c, "%s(%s, nthreads);", name, ps->table);
}

/* Closes the part being filled (if any statement is in it) as a function in fns. */
static void parts_flush(parts *ps) {
    if (!ps->on || !ps->n) return;
    cgen f = {.p = ps->pe.p, .d = &cgen_c, .s = ps->u->fns};
    char name[160];
    snprintf(name, sizeof name, "%spart1_%d", ps->prefix, ps->nparts++);
    part_open(ps, &f, name);
    if (ps->body.s) core_str_printf(ps->u->fns, "%s", ps->body.s);
    if (ps->body.oom) cgen_fail(ps->e, BJ_ERR_NOMEM, "rendering C: out of memory");
    cgen_line(&f, "}\n");
    if (f.status && !ps->e->status) ps->e->status = f.status;
    core_str_free(&ps->body);
    ps->n = 0;
}

/* After each statement. */
static void parts_next(parts *ps) {
    if (ps->pe.status && !ps->e->status) ps->e->status = ps->pe.status;
    if (ps->on && ++ps->n == PART_MAX) parts_flush(ps);
}

/* After the plan's last statement: the calls of the parts, grouped a level up while there are too many. */
static void parts_end(parts *ps) {
    if (!ps->on) return;
    parts_flush(ps);
    int n = ps->nparts, level = 1;
    char name[160];
    cgen f = {.p = ps->pe.p, .d = &cgen_c, .s = ps->u->fns};
    for (; n > PART_MAX && !f.status; level++) {
        int m = (n + PART_MAX - 1) / PART_MAX;
        for (int j = 0; j < m; j++) {
            snprintf(name, sizeof name, "%spart%d_%d", ps->prefix, level + 1, j);
            part_open(ps, &f, name);
            f.indent = 1;
            for (int i = j * PART_MAX; i < n && i < (j + 1) * PART_MAX; i++) {
                snprintf(name, sizeof name, "%spart%d_%d", ps->prefix, level, i);
                part_call(ps, &f, name);
            }
            f.indent = 0;
            cgen_line(&f, "}\n");
        }
        n = m;
    }
    if (f.status && !ps->e->status) ps->e->status = f.status;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%spart%d_%d", ps->prefix, level, i);
        part_call(ps, ps->e, name);
    }
    core_str_free(&ps->body);
}

static void render_plan(unit *u, cgen *e, const opt_plan *p, const char *prefix, const char *table);

static bool prefix_ok(cgen *e, int n, size_t cap) {
    if (n >= 0 && (size_t)n < cap) return true;
    cgen_fail(e, BJ_ERR_UNSUPPORTED, "rendering C: loops and conds nested too deeply for the C backend (their "
              "names, one per level, exceed 63 characters: about 15 levels); use the \"interp\" backend");
    return false;
}

/* A loop (FOR kernel i of plan p): the step loop around the body's kernels (see opt/loop.c for the memory). */
static void render_loop(unit *u, cgen *e, const opt_plan *p, int i, const opt_loop *l, const char *prefix,
                        const char *table) {
    const opt_plan *sub = l->plan;
    const ir_region *r = l->body;
    char pre[64], tb[72];
    if (!prefix_ok(e, snprintf(pre, sizeof pre, "%sl%d_", prefix, i), sizeof pre)) return;
    snprintf(tb, sizeof tb, "%sb", pre);
    if (!sub) {
        cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: loop %s has no plan", pre);
        return;
    }
    int nrec = 0, ncar = 0;
    for (int k = 0; k < l->nres; k++) nrec += k >= l->ncarry && l->member[k], ncar += k < l->ncarry && l->need[k];
    cgen_line(e, "/* loop %.*s: %lld step%s (recorded every %lld), %d kernel%s, %d carr%s, %d recorded value%s */",
              (int)strlen(pre) - 1, pre, (long long)l->n, l->n == 1 ? "" : "s", (long long)l->every, sub->nkernels,
              sub->nkernels == 1 ? "" : "s", ncar, ncar == 1 ? "y" : "ies", nrec, nrec == 1 ? "" : "s");
    par pq = {.pre = pre}, *qp = par_loop_ok(u, sub) ? &pq : NULL;
    cgen_line(e, "{");
    e->indent++;
    if (l->bytes) cgen_line(e, "char *const %smem = (char *)%s[%d];", pre, table, l->scratch_buf);
    if (qp) { /* one parallel region: each thread its own table, step and phases */
        par_helpers(u);
        cgen_line(e, "bj_team %steam;", pre);
        cgen_line(e, "bj_team_init(&%steam);", pre);
        cgen_line(e, "#ifdef _OPENMP");
        cgen_line(e, "#pragma omp parallel num_threads(nthreads < BJ_TEAM_MAX ? nthreads : BJ_TEAM_MAX)");
        cgen_line(e, "#endif");
        cgen_line(e, "{");
        e->indent++;
        cgen_line(e, "bj_thread %stl = {.tid = BJ_TID(), .nth = BJ_NTH()};", pre);
    }
    cgen_line(e, "void *%s[%d];", tb, sub->nbufs > 0 ? sub->nbufs : 1);
    cgen_line(e, "int32_t %sstep = 0;", pre);
    for (int bi = 0; bi < sub->nbufs && !e->status; bi++) {
        const opt_buf *q = &sub->bufs[bi];
        int idx = q->index;
        if (q->kind == OPT_BUF_TEMP) {
            cgen_line(e, "%s[%d] = %smem + %zu; /* temporary */", tb, bi, pre, q->offset);
        } else if (q->kind == OPT_BUF_OUTPUT) {
            cgen_line(e, "%s[%d] = NULL; /* recorded value: its row, set at each step */", tb, bi);
        } else if (q->kind == OPT_BUF_CONST) {
            cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: a constant inside loop %s", pre);
        } else if (idx == 0) {
            cgen_line(e, "%s[%d] = &%sstep;", tb, bi, pre);
        } else if (idx <= l->ncarry && !l->need[idx - 1]) {
            cgen_line(e, "%s[%d] = NULL; /* carry %d: not needed */", tb, bi, idx - 1);
        } else if (idx <= l->ncarry && l->member[idx - 1]) {
            cgen_line(e, "%s[%d] = %s[%d]; /* carry %d, where its final value goes */", tb, bi, table,
                      p->buf_of[l->member[idx - 1]->id], idx - 1);
        } else if (idx <= l->ncarry) {
            cgen_line(e, "%s[%d] = %smem + %zu; /* carry %d */", tb, bi, pre, l->carry_off[idx - 1], idx - 1);
        } else {
            const ir_node *v = sub->g->inputs[idx];
            if (p->buf_of[v->id] < 0) cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: loop %s reads a value with no buffer", pre);
            cgen_line(e, "%s[%d] = %s[%d]; /* captured */", tb, bi, table, p->buf_of[v->id]);
        }
    }
    if (qp) par_open(e, qp);
    for (int k = 0; k < l->ncarry && !e->status; k++) { /* carries start as their initial values */
        if (!l->need[k]) continue;
        int from = p->buf_of[l->lead->in[k]->id], to = sub->buf_of[r->params[k + 1]->id];
        size_t nb = (size_t)ir_nelem(r->params[k + 1]) * bj_dtype_size((bj_dtype)r->params[k + 1]->dtype);
        if (from < 0 || to < 0) cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: carry %d of loop %s has no buffer", k, pre);
        else if (nb) cgen_line(e, "if (%s[%d] != %s[%d]) memcpy(%s[%d], %s[%d], %zu);", tb, to, table, from, tb, to, table,
                               from, nb);
    }
    if (qp) par_close(e, qp);
    cgen_line(e, "for (int64_t %si = 0; %si < %lld; %si++) {", pre, pre, (long long)l->n, pre);
    e->indent++;
    cgen_line(e, "%sstep = (int32_t)%si;", pre, pre);
    for (int k = l->ncarry; k < l->nres && !e->status; k++) { /* where the recorded values go this step */
        if (!l->member[k]) continue;
        const ir_node *y = r->results[k];
        long long row = (long long)((size_t)ir_nelem(y) * bj_dtype_size((bj_dtype)y->dtype));
        int m = p->buf_of[l->member[k]->id];
        if (l->every == 1)
            cgen_line(e, "char *const %sy%d = (char *)%s[%d] + %si * %lld;", pre, k, table, m, pre, row);
        else
            cgen_line(e, "char *const %sy%d = (%si + 1) %% %lld == 0 ? (char *)%s[%d] + ((%si + 1) / %lld - 1) * %lld : "
                      "%smem + %zu;", pre, k, pre, (long long)l->every, table, m, pre, (long long)l->every, row, pre,
                      l->discard_off[k]);
        bool used = false;
        for (int bi = 0; bi < sub->nbufs; bi++)
            if (sub->bufs[bi].kind == OPT_BUF_OUTPUT && sub->bufs[bi].index == l->out_of[k])
                cgen_line(e, "%s[%d] = %sy%d;", tb, bi, pre, k), used = true;
        if (!used) cgen_line(e, "(void)%sy%d;", pre, k);
    }
    unsigned char *sets = qp ? calloc(6 * ((size_t)sub->nbufs + 1), 1) : NULL;
    if (qp && !sets) cgen_fail(e, BJ_ERR_NOMEM, "rendering C: out of memory");
    if (sets) {
        size_t nb = (size_t)sub->nbufs + 1;
        qp->table = tb, qp->p = sub;
        qp->rd = sets, qp->wr = sets + nb, qp->lrd = sets + 2 * nb, qp->lwr = sets + 3 * nb;
        qp->krd = sets + 4 * nb, qp->kwr = sets + 5 * nb;
    }
    u->par = sets ? qp : NULL;
    render_plan(u, e, sub, pre, tb); /* the body's kernels (and loops) */
    u->par = NULL;
    if (sets) par_flush(e, qp);
    free(sets);
    for (int j = 0; j < sub->ncopies && !e->status; j++) { /* results no kernel wrote in place */
        const opt_copy *c = &sub->copies[j];
        size_t nb = sub->bufs[c->from_buf].nbytes;
        if (!nb) continue;
        if (qp) par_open(e, qp);
        if (c->to_buf >= 0) {
            cgen_line(e, "memcpy(%s[%d], %s[%d], %zu); /* staged */", tb, c->to_buf, tb, c->from_buf, nb);
            continue;
        }
        int o = c->out, a = sub->out_alias ? sub->out_alias[o] : -1;
        if (a >= 0) { /* a new carry over its carry */
            int to = sub->buf_of[sub->g->inputs[a]->id];
            if (to != c->from_buf) cgen_line(e, "memcpy(%s[%d], %s[%d], %zu); /* carry %d */", tb, to, tb, c->from_buf, nb, a - 1);
            continue;
        }
        int k = l->ncarry;
        while (k < l->nres && l->out_of[k] != o) k++;
        if (k == l->nres) cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: loop %s copies to an unknown output", pre);
        else cgen_line(e, "memcpy(%sy%d, %s[%d], %zu); /* recorded */", pre, k, tb, c->from_buf, nb);
    }
    if (qp) par_close(e, qp);
    e->indent--;
    cgen_line(e, "}");
    if (qp) e->indent--, cgen_line(e, "}");
    e->indent--;
    cgen_line(e, "}");
}

/* The pointer a region of while loop or cond l reads for its parameter k (a carry, or a cond's operand): the
 * carry's memory (its member's buffer, or the loop's own memory), or the operand's buffer; NULL if not needed. */
static void carry_ptr(char *buf, size_t n, const opt_plan *p, const opt_loop *l, int k, const char *mem,
                      const char *table) {
    if (!l->need[k]) snprintf(buf, n, "NULL");
    else if (l->op == IR_COND) snprintf(buf, n, "%s[%d]", table, p->buf_of[l->init[k]->id]);
    else if (l->member[k]) snprintf(buf, n, "%s[%d]", table, p->buf_of[l->member[k]->id]);
    else snprintf(buf, n, "%s + %zu", mem, l->carry_off[k]);
}

/* Fills the buffer table tb of region j (0: body, 1: body2) of a while loop or cond (sub-plan sub): temporaries in
 * the loop's own memory (mem: the name of its pointer), parameters (carries, operands), captured buffers of the
 * enclosing table, and outputs: a while condition's predicate byte, a cond branch's results (the members'
 * buffers). */
static void fill_table(cgen *e, const opt_plan *p, const opt_loop *l, const opt_plan *sub, int j, const char *mem,
                       const char *tb, const char *table) {
    const ir_region *r = j ? l->body2 : l->body;
    char ptr[256];
    for (int bi = 0; bi < sub->nbufs && !e->status; bi++) {
        const opt_buf *q = &sub->bufs[bi];
        int idx = q->index;
        if (q->kind == OPT_BUF_TEMP) {
            cgen_line(e, "%s[%d] = %s + %zu; /* temporary */", tb, bi, mem, q->offset);
        } else if (q->kind == OPT_BUF_OUTPUT && l->op == IR_WHILE) { /* a body's outputs are aliased carries */
            if (j != 1) cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: a while body with a plain output");
            else cgen_line(e, "%s[%d] = %s + %zu; /* the predicate */", tb, bi, mem, l->pred_off);
        } else if (q->kind == OPT_BUF_OUTPUT) {
            const int *out_of = j ? l->out_of2 : l->out_of;
            int k = 0;
            while (k < l->nres && out_of[k] != idx) k++;
            if (k == l->nres || !l->member[k]) cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: a cond output with no result");
            else cgen_line(e, "%s[%d] = %s[%d]; /* result %d */", tb, bi, table, p->buf_of[l->member[k]->id], k);
        } else if (q->kind == OPT_BUF_CONST) {
            cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: a constant inside a region");
        } else if (idx < r->nparams) {
            carry_ptr(ptr, sizeof ptr, p, l, idx, mem, table);
            cgen_line(e, "%s[%d] = %s; /* %s %d */", tb, bi, ptr, l->op == IR_COND ? "operand" : "carry", idx);
        } else {
            const ir_node *v = sub->g->inputs[idx];
            if (p->buf_of[v->id] < 0) cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: a region reads a value with no buffer");
            cgen_line(e, "%s[%d] = %s[%d]; /* captured */", tb, bi, table, p->buf_of[v->id]);
        }
    }
}

/* The copies at the end of a region's run (sub-plan sub, table tb): a while body's new carries computed aside
 * (staged when they swap), a cond branch's results no kernel wrote (an operand or captured value returned as is, or
 * a value returned twice) into the members' buffers. */
static void region_copies(cgen *e, const opt_plan *p, const opt_loop *l, const opt_plan *sub, int j, const char *tb,
                          const char *table) {
    for (int c = 0; c < sub->ncopies && !e->status; c++) {
        const opt_copy *cp = &sub->copies[c];
        size_t nb = sub->bufs[cp->from_buf].nbytes;
        if (!nb) continue;
        if (cp->to_buf >= 0) {
            cgen_line(e, "memcpy(%s[%d], %s[%d], %zu); /* staged */", tb, cp->to_buf, tb, cp->from_buf, nb);
            continue;
        }
        int o = cp->out, a = sub->out_alias ? sub->out_alias[o] : -1;
        if (a >= 0) { /* a new carry over its carry */
            int to = sub->buf_of[sub->g->inputs[a]->id];
            if (to != cp->from_buf)
                cgen_line(e, "memcpy(%s[%d], %s[%d], %zu); /* carry %d */", tb, to, tb, cp->from_buf, nb, a - l->first);
            continue;
        }
        const int *out_of = j ? l->out_of2 : l->out_of;
        int k = 0;
        while (k < l->nres && out_of[k] != o) k++;
        if (k == l->nres || !l->member[k] || l->op != IR_COND)
            cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: a region copies to an unknown output");
        else
            cgen_line(e, "memcpy(%s[%d], %s[%d], %zu); /* result %d */", table, p->buf_of[l->member[k]->id], tb,
                      cp->from_buf, nb, k);
    }
}

/* A while loop (FOR kernel i of plan p, l->op == IR_WHILE): the condition's kernels become a function returning
 * the predicate, `w<i>_cond`, and the loop is `while (w<i>_cond(...)) { body kernels; copies }`. */
static void render_while(unit *u, cgen *e, const opt_plan *p, int i, const opt_loop *l, const char *prefix,
                         const char *table) {
    const opt_plan *sub = l->plan, *cs = l->plan2;
    char pre[96], cpre[100], tb[104], ctb[108], mem[104], fn[104];
    if (!prefix_ok(e, snprintf(pre, sizeof pre, "%sw%d_", prefix, i), 64)) return;
    snprintf(cpre, sizeof cpre, "%sw%dc_", prefix, i);
    snprintf(tb, sizeof tb, "%sb", pre), snprintf(ctb, sizeof ctb, "%sb", cpre);
    snprintf(mem, sizeof mem, "%smem", pre), snprintf(fn, sizeof fn, "%scond", pre);
    if (!sub || !cs) {
        cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: while loop %s has no plan", pre);
        return;
    }
    int ncar = 0, pb = cs->buf_of[l->body2->results[0]->id];
    for (int k = 0; k < l->ncarry; k++) ncar += l->need[k];
    if (pb < 0) {
        cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: while loop %s has no predicate buffer", pre);
        return;
    }
    /* the condition: a function of its table, returning the predicate */
    core_str cbody = {0};
    cgen ce = {.p = cs, .d = &cgen_c, .s = &cbody, .indent = 1};
    render_plan(u, &ce, cs, cpre, ctb);
    if (ce.status && !e->status) e->status = ce.status;
    cgen f = {.p = p, .d = &cgen_c, .s = u->fns};
    cgen_line(&f, "/* the condition of while loop %.*s: %d kernel%s */", (int)strlen(pre) - 1, pre, cs->nkernels,
              cs->nkernels == 1 ? "" : "s");
    cgen_line(&f, "static bool %s(void *const *%s, int nthreads) {", fn, ctb);
    cgen_line(&f, "    (void)nthreads;");
    if (cbody.s) core_str_printf(u->fns, "%s", cbody.s);
    if (cbody.oom) cgen_fail(e, BJ_ERR_NOMEM, "rendering C: out of memory");
    cgen_line(&f, "    return *(const bool *)%s[%d];", ctb, pb);
    cgen_line(&f, "}\n");
    core_str_free(&cbody);
    if (f.status && !e->status) e->status = f.status;
    cgen_line(e, "/* while loop %.*s: %d condition kernel%s, %d body kernel%s, %d carr%s */", (int)strlen(pre) - 1,
              pre, cs->nkernels, cs->nkernels == 1 ? "" : "s", sub->nkernels, sub->nkernels == 1 ? "" : "s", ncar,
              ncar == 1 ? "y" : "ies");
    cgen_line(e, "{");
    e->indent++;
    cgen_line(e, "void *%s[%d];", tb, sub->nbufs > 0 ? sub->nbufs : 1);
    cgen_line(e, "void *%s[%d];", ctb, cs->nbufs > 0 ? cs->nbufs : 1);
    if (l->bytes) cgen_line(e, "char *const %s = (char *)%s[%d];", mem, table, l->scratch_buf);
    fill_table(e, p, l, sub, 0, mem, tb, table);
    fill_table(e, p, l, cs, 1, mem, ctb, table);
    char ptr[256];
    for (int k = 0; k < l->ncarry && !e->status; k++) { /* carries start as their initial values */
        if (!l->need[k]) continue;
        int from = p->buf_of[l->init[k]->id];
        const ir_node *c = l->body->params[k];
        size_t nb = (size_t)ir_nelem(c) * bj_dtype_size((bj_dtype)c->dtype);
        carry_ptr(ptr, sizeof ptr, p, l, k, mem, table);
        if (from < 0) cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: carry %d of loop %s has no buffer", k, pre);
        else if (l->member[k] && p->buf_of[l->member[k]->id] == from) continue; /* carried in its own memory */
        else if (nb) cgen_line(e, "if (%s != %s[%d]) memcpy(%s, %s[%d], %zu); /* carry %d */", ptr, table, from, ptr,
                               table, from, nb, k);
    }
    cgen_line(e, "while (%s(%s, nthreads)) {", fn, ctb);
    e->indent++;
    render_plan(u, e, sub, pre, tb); /* the body's kernels (and loops) */
    region_copies(e, p, l, sub, 0, tb, table);
    e->indent--;
    cgen_line(e, "}");
    e->indent--;
    cgen_line(e, "}");
}

/* A cond (FOR kernel i of plan p, l->op == IR_COND): `if (pred) { true branch } else { false branch }`, each
 * branch filling its own buffer table and writing the results into the members' buffers. */
static void render_cond(unit *u, cgen *e, const opt_plan *p, int i, const opt_loop *l, const char *prefix,
                        const char *table) {
    char pre[96], mem[104];
    if (!prefix_ok(e, snprintf(pre, sizeof pre, "%sc%d", prefix, i), 64)) return;
    snprintf(mem, sizeof mem, "%s_mem", pre);
    int pb = p->buf_of[l->pred->id], nres = 0;
    for (int k = 0; k < l->nres; k++) nres += l->member[k] != NULL;
    if (!l->plan || !l->plan2 || pb < 0) {
        cgen_fail(e, BJ_ERR_INTERNAL, "rendering C: cond %s has no plan or predicate", pre);
        return;
    }
    cgen_line(e, "/* cond %s: %d result%s; %d kernel%s if true, %d if false */", pre, nres, nres == 1 ? "" : "s",
              l->plan->nkernels, l->plan->nkernels == 1 ? "" : "s", l->plan2->nkernels);
    cgen_line(e, "if (*(const bool *)%s[%d]) {", table, pb);
    for (int j = 0; j < 2 && !e->status; j++) {
        const opt_plan *sub = j ? l->plan2 : l->plan;
        char bpre[104], tb[108];
        snprintf(bpre, sizeof bpre, "%s%c_", pre, j ? 'f' : 't');
        snprintf(tb, sizeof tb, "%sb", bpre);
        if (j) cgen_line(e, "} else {");
        e->indent++;
        cgen_line(e, "void *%s[%d];", tb, sub->nbufs > 0 ? sub->nbufs : 1);
        bool temps = false; /* this branch uses the cond's own memory */
        for (int bi = 0; bi < sub->nbufs; bi++) temps |= sub->bufs[bi].kind == OPT_BUF_TEMP;
        if (l->bytes && temps) cgen_line(e, "char *const %s = (char *)%s[%d];", mem, table, l->scratch_buf);
        fill_table(e, p, l, sub, j, mem, tb, table);
        render_plan(u, e, sub, bpre, tb);
        region_copies(e, p, l, sub, j, tb, table);
        e->indent--;
    }
    cgen_line(e, "}");
}

static void render_plan(unit *u, cgen *e, const opt_plan *p, const char *prefix, const char *table) {
    cgen c = {.p = p, .d = &cgen_c, .s = u->fns, .wrong_result = u->wrong_result};
    c.declared = calloc((size_t)p->nbufs + 1, 1);
    if (!c.declared) {
        cgen_fail(e, BJ_ERR_NOMEM, "rendering C: out of memory");
        return;
    }
    parts ps;
    parts_begin(&ps, u, e, p, prefix, table);
    for (int i = 0; i < p->nkernels && !c.status && !e->status; i++, parts_next(&ps)) {
        const opt_kernel *k = &p->kernels[i];
        cgen *out = parts_out(&ps);
        if (k->kind == OPT_FOR) {
            if (k->loop && k->loop->op == IR_WHILE) render_while(u, out, p, i, k->loop, prefix, table);
            else if (k->loop && k->loop->op == IR_COND) render_cond(u, out, p, i, k->loop, prefix, table);
            else render_loop(u, out, p, i, k->loop, prefix, table);
            continue;
        }
        char fn[80], label[80];
        snprintf(fn, sizeof fn, "%sk%d", prefix, i);
        if (prefix[0]) snprintf(label, sizeof label, "%s", fn);
        else snprintf(label, sizeof label, "%d", i);
        c.kernel = i;
        kernel_comment(&c, label, k);
        cgen_line(&c, "%s %s(void *const *%s b, int64_t lo, int64_t hi) {", c.d->kernel_decl, fn, c.d->restrict_kw);
        c.indent = 1;
        c.ext_set = false;
        int64_t extent = k->kind == OPT_LOOP ? cgen_loop(&c, k) : k->kind == OPT_REDUCE ? cgen_reduce(&c, k) : cgen_node(&c, k);
        c.indent = 0;
        cgen_line(&c, "}\n");
        if (u->par) call_par(u, out, u->par, fn, k, extent);
        else call_static(out, fn, table, k, extent);
    }
    if (c.status && !e->status) e->status = c.status;
    if (!e->status) parts_end(&ps);
    core_str_free(&ps.body);
    free(c.declared);
}

char *cgen_render(const opt_plan *p, bool wrong_result) {
    core_str s = {0}, body = {0};
    /* The trace's name stays out of the source: sources that differ only in it (Hello0.step, Hello1.step) share
     * one disk cache entry. BJ_DUMP_DIR's file names carry it. */
    core_str_printf(&s, "/* brainjit %s generated code (%d kernel%s, %d buffers). */\n", bj_version(), p->nkernels,
                    p->nkernels == 1 ? "" : "s", p->nbufs);
    core_str_printf(&s, "%s\n", cgen_prelude_text);
    unit u = {.fns = &s, .wrong_result = wrong_result, .loop_min = PAR_LOOP_MIN};
    char v[32];
    core_config("loop_threads_min", v, sizeof v);
    if (*v) u.loop_min = strtod(v, NULL);
    u.kernel_min = u.loop_min < PAR_KERNEL_MIN ? u.loop_min : PAR_KERNEL_MIN;
    cgen e = {.p = p, .d = &cgen_c, .s = &body, .indent = 1}; /* the entry point's statements */
    if (!p->nsym) {
        render_plan(&u, &e, p, "", "b");
    } else { /* abstracted axes (no loops: refused by opt/symbolic.c) */
        cgen c = {.p = p, .d = &cgen_c, .s = &s, .wrong_result = wrong_result};
        c.declared = calloc((size_t)p->nbufs + 1, 1);
        if (!c.declared) cgen_fail(&e, BJ_ERR_NOMEM, "rendering C: out of memory");
        parts ps;
        parts_begin(&ps, &u, &e, p, "", "b");
        for (int i = 0; i < p->nkernels && !c.status && !e.status; i++, parts_next(&ps)) {
            const opt_kernel *k = &p->kernels[i];
            if (k->kind == OPT_FOR) {
                cgen_fail(&e, BJ_ERR_UNSUPPORTED, "rendering C: a loop with abstracted axes");
                break;
            }
            c.kernel = i;
            char label[16];
            snprintf(label, sizeof label, "%d", i);
            kernel_comment(&c, label, k);
            cgen_line(&c, "%s k%d(void *const *%s b, const int64_t *%s dims, int64_t lo, int64_t hi) {", c.d->kernel_decl,
                      i, c.d->restrict_kw, c.d->restrict_kw);
            for (int q = 0; q < p->nsym; q++) /* the symbols' sizes, d0 = dims[0], ... */
                if (p->sym_ext[q] >= 0) cgen_line(&c, "    const int64_t d%d = dims[%d]; (void)d%d;", q, q, q);
            c.indent = 1;
            c.ext_set = false;
            int64_t extent = k->kind == OPT_LOOP ? cgen_loop(&c, k) : k->kind == OPT_REDUCE ? cgen_reduce(&c, k) : cgen_node(&c, k);
            sx ext = c.ext_set ? c.ext : sx_const(extent);
            c.indent = 0;
            cgen_line(&c, "}\n");
            sx w = work_sx(p, k);
            call_symbolic(parts_out(&ps), i, &ext, &w);
        }
        if (c.status && !e.status) e.status = c.status;
        if (!e.status) parts_end(&ps);
        core_str_free(&ps.body);
        free(c.declared);
    }
    cgen top = {.p = p, .d = &cgen_c, .s = &s};
    cgen_line(&top, "void bj_entry(void *const *b, const int64_t *dims, int nthreads);");
    cgen_line(&top, "void bj_entry(void *const *b, const int64_t *dims, int nthreads) {");
    top.indent = 1;
    cgen_line(&top, "(void)dims, (void)nthreads;");
    for (int q = 0; q < p->nsym; q++)
        if (p->sym_ext[q] >= 0) cgen_line(&top, "const int64_t d%d = dims[%d]; (void)d%d;", q, q, q);
    if (body.s) core_str_printf(&s, "%s", body.s);
    top.indent = 0;
    cgen_line(&top, "}");
    bj_status st = e.status ? e.status : top.status;
    core_str_free(&body);
    if (st || s.oom || body.oom) {
        if (!st) core_err(BJ_ERR_NOMEM, "rendering C: out of memory");
        core_str_free(&s);
        return NULL;
    }
    return s.s;
}
