/* backend_c.c — the "cpu" backend: optimize, render C, build and load it (cc.c, cache.c), share the result between
 * structurally identical graphs in this process, and run it on the caller's arrays.
 *
 * Design note. Compiling is the pipeline of ../opt (rewrite, fuse, memory plan), the renderer, and cc_build, which
 * may answer from the disk cache. The in-process cache is keyed by an exact serialisation of the rewritten graph
 * (ops, types, operand positions, attributes, literal and constant bytes, the regions of loops and conds after
 * their first node — a while's condition and body, a cond's two branches; names excluded), so two traces of the same
 * computation share one loaded library and never compile twice; entries live as long as an executable uses them.
 * A run binds the plan's buffers (inputs, outputs, constants, scratch for temporaries) to one pointer array and
 * calls the library's entry point. When an output array shares memory with an input, the kernels write to fresh
 * arrays that are copied afterwards, so `restrict` stays true. Executables compiled with out_alias (the jit's
 * in-place Variables) key the cache on it too, and their aliased runs bind each declared output to its input's
 * memory with no such copy: the plan already writes it in place where safe, or into a temporary copied over the
 * input after the kernels (opt/memplan.c). With abstracted axes the graph is planned at stand-in extents (the key
 * holds them), a run passes the symbols' sizes as `dims`, and temporaries with a symbolic extent get slots laid out
 * at the run's sizes after the static scratch. */
#include "backend/backend.h"
#include "backend/c/cc.h"
#include "backend/c/cgen.h"
#include "core/array.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef void (*entry_fn)(void *const *b, const int64_t *dims, int nthreads);

typedef struct artifact {
    struct artifact *next;
    int refcount; /* executables using it: read and changed only under cache_lock, with the list */
    unsigned char *key;
    size_t keylen;
    uint64_t hash;
    opt_plan *plan;
    char *source;
    cc_lib *lib;
    entry_fn entry;
    pthread_mutex_t scratch_lock;
    void *scratch;
    size_t scratch_cap; /* bytes of scratch (abstracted axes: grows with the sizes run) */
} artifact;

typedef struct cpu_exec {
    artifact *a;
    int nthreads;
} cpu_exec;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static artifact *cache_head;

/* ---------------------------------------------------------------- the key */
typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
    bool oom;
} bytes;

static void put(bytes *b, const void *p, size_t n) {
    if (b->oom || !n) return;
    if (b->n + n > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 1024) + n;
        unsigned char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np, b->cap = nc;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void put64(bytes *b, int64_t v) { put(b, &v, sizeof v); }

/* Serialises nodes (positions from *next on) and, after each node holding a region, that region: its parameters'
 * types, its live nodes, its results; a region met again is named by its number. */
typedef struct keyer {
    bytes *b;
    const ir_trace *t;
    int *pos, next;
    const ir_region **seen;
    int nseen;
    bool fail;
} keyer;

static void key_nodes(keyer *k, ir_node *const *nodes, int count) {
    bytes *b = k->b;
    put64(b, count);
    for (int i = 0; i < count && !k->fail; i++) {
        const ir_node *n = nodes[i];
        k->pos[n->id] = k->next++;
        put64(b, (int64_t)n->op << 32 | (int64_t)n->dtype << 16 | (int64_t)n->rank << 8 | n->weak);
        put(b, n->shape, sizeof(int64_t) * n->rank);
        put64(b, (int64_t)n->nin << 32 | n->nattr);
        for (int j = 0; j < n->nin; j++) put64(b, k->pos[n->in[j]->id]);
        put(b, n->attr, sizeof(int64_t) * (size_t)n->nattr);
        put(b, &n->fval, sizeof n->fval);
        put64(b, n->ival);
        put64(b, (int64_t)n->nbytes);
        put(b, n->data, n->nbytes);
        for (int rj = 0; rj < 2 && !k->fail; rj++) { /* body, then body2 (a while's condition, a cond's else) */
            const ir_region *r = rj ? n->body2 : n->body;
            if (!r) continue;
            int s = 0;
            while (s < k->nseen && k->seen[s] != r) s++;
            put64(b, s);
            if (s < k->nseen) continue;
            const ir_region **ns = realloc(k->seen, sizeof *ns * (size_t)(k->nseen + 1));
            int cnt = 0;
            ir_node **own = ns ? opt_region_nodes(k->t, r, &cnt) : NULL;
            if (ns) k->seen = ns;
            if (!own) {
                k->fail = true;
                return;
            }
            k->seen[k->nseen++] = r;
            put64(b, r->nparams);
            for (int j = 0; j < r->nparams; j++) {
                const ir_node *q = r->params[j];
                k->pos[q->id] = k->next++;
                put64(b, (int64_t)q->dtype << 16 | (int64_t)q->rank << 8);
                put(b, q->shape, sizeof(int64_t) * q->rank);
            }
            key_nodes(k, own, cnt);
            free(own);
            put64(b, r->nresults);
            for (int j = 0; j < r->nresults; j++) put64(b, k->pos[r->results[j]->id]);
        }
    }
}

static bool graph_key(const ir_graph *g, bool fault, const int *out_alias, bytes *b) {
    keyer k = {.b = b, .t = g->tr, .pos = malloc(sizeof(int) * (size_t)(g->tr->next_id + 1))};
    if (!k.pos) return false;
    for (int i = 0; i <= g->tr->next_id; i++) k.pos[i] = -1;
    put64(b, fault);
    key_nodes(&k, g->nodes, g->nnodes);
    put64(b, g->nin);
    for (int i = 0; i < g->nin; i++) put64(b, k.pos[g->inputs[i]->id]);
    put64(b, g->nout);
    for (int i = 0; i < g->nout; i++) put64(b, k.pos[g->outputs[i]->id]);
    bool aliased = false; /* aliased outputs make another plan; none keeps the plain key */
    for (int o = 0; out_alias && o < g->nout; o++) aliased |= out_alias[o] >= 0;
    for (int o = 0; aliased && o < g->nout; o++) put64(b, out_alias[o] >= 0 ? out_alias[o] : -1);
    free(k.pos), free(k.seen);
    return !b->oom && !k.fail;
}

/* ---------------------------------------------------------------- artifacts */
static void artifact_free(artifact *a) {
    if (!a) return;
    cc_lib_close(a->lib);
    opt_plan_free(a->plan);
    free(a->source);
    free(a->key);
    core_aligned_free(a->scratch);
    pthread_mutex_destroy(&a->scratch_lock);
    free(a);
}

static void artifact_release(artifact *a) {
    pthread_mutex_lock(&cache_lock);
    bool last = --a->refcount == 0;
    if (last)
        for (artifact **pp = &cache_head; *pp; pp = &(*pp)->next)
            if (*pp == a) {
                *pp = a->next;
                break;
            }
    pthread_mutex_unlock(&cache_lock);
    if (last) artifact_free(a);
}

/* The cached artifact with this key (retained), or NULL. Caller holds cache_lock. */
static artifact *lookup(const unsigned char *key, size_t n, uint64_t h) {
    for (artifact *a = cache_head; a; a = a->next)
        if (a->hash == h && a->keylen == n && !memcmp(a->key, key, n)) return a->refcount++, a;
    return NULL;
}

static int default_threads(void) {
    char v[32];
    core_config("num_threads", v, sizeof v);
    int n = atoi(v);
    if (n > 0) return n;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 && c < 1024 ? (int)c : 1;
}

static artifact *build(opt_plan *p, bytes *key, uint64_t h, const char *name, bool fault) {
    artifact *a = calloc(1, sizeof *a);
    if (!a) {
        opt_plan_free(p);
        core_err(BJ_ERR_NOMEM, "bj_compile(cpu): out of memory");
        return NULL;
    }
    pthread_mutex_init(&a->scratch_lock, NULL);
    a->refcount = 1, a->plan = p, a->key = key->p, a->keylen = key->n, a->hash = h;
    key->p = NULL;
    a->source = cgen_render(p, fault);
    if (!a->source || cc_build(a->source, name, &a->lib)) {
        artifact_free(a);
        return NULL;
    }
    a->entry = (entry_fn)cc_sym(a->lib, "bj_entry");
    if (!a->entry) {
        core_err(BJ_ERR_IO, "bj_compile(cpu): the compiled library has no bj_entry");
        artifact_free(a);
        return NULL;
    }
    return a;
}

/* libgomp's default is to spin-wait between parallel loops: on a machine with more runnable threads than cores
 * that made a 1M-neuron LIF step 8x slower on two threads than on one (measured). Passive waiting costs a wake-up
 * per loop, which kernels big enough to be split (PAR_MIN elements) amortise. Set once, before libgomp is loaded
 * by the first compiled library; a user's own OMP_WAIT_POLICY wins. */
static void omp_defaults(void) { setenv("OMP_WAIT_POLICY", "PASSIVE", 0); }

static bj_status cpu_compile(bj_exec *e) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, omp_defaults);
    if (!cc_available()) {
        static atomic_bool warned;
        char cc[256];
        core_config("cc", cc, sizeof cc);
        if (!atomic_exchange(&warned, true))
            fprintf(stderr, "brainjit: warning: no C compiler \"%s\" was found; the \"cpu\" backend runs on the "
                            "interpreter instead (set BJ_CC or install gcc)\n", cc[0] ? cc : "cc");
        e->vt = &backend_interp;
        return backend_interp.compile(e);
    }
    char fault[32];
    core_config("test_fault", fault, sizeof fault);
    bool wrong = !strcmp(fault, "wrong_result");
    /* key on the rewritten graph; fusion and rendering happen only on a miss */
    ir_graph *rg = opt_rewrite_ex(e->g, e->sym ? OPT_RW_NO_COUNT : 0);
    if (!rg) return core_last_status();
    int64_t ext[OPT_SYM_MAX];
    if (e->sym) { /* abstracted axes: plan at stand-in extents (opt/symbolic.c), which the key then holds */
        ir_graph *sg = opt_sym_standin(e->sym, rg, ext);
        opt_graph_free(rg);
        if (!(rg = sg)) return core_err(core_last_status() ? core_last_status() : BJ_ERR_NOMEM, "bj_compile: %s",
                                        bj_last_error());
    }
    bytes key = {0};
    if (e->sym) {
        put64(&key, INT64_MIN + 0x73796d); /* "sym": no plain or aliased key continues so */
        put64(&key, e->sym->nsym);
        put(&key, ext, sizeof *ext * (size_t)e->sym->nsym);
    }
    if (!graph_key(rg, wrong, e->opts.out_alias, &key)) {
        free(key.p);
        opt_graph_free(rg);
        return core_err(BJ_ERR_NOMEM, "bj_compile(cpu): out of memory");
    }
    uint64_t h = core_hash_bytes(key.p, key.n, 0x6272616a6e6a6974ull);
    pthread_mutex_lock(&cache_lock);
    artifact *a = lookup(key.p, key.n, h);
    pthread_mutex_unlock(&cache_lock);
    if (a) {
        core_stat_add(CORE_STAT_MEMORY_HITS, 1);
        free(key.p);
        opt_graph_free(rg);
    } else {
        const char *name = e->g->tr->name ? e->g->tr->name : "graph";
        opt_plan *p = e->sym ? opt_plan_rewritten_symbolic(e->g, rg, e->opts.out_alias)
                             : opt_plan_rewritten(e->g, rg, e->opts.out_alias);
        if (p && e->sym && !opt_plan_set_syms(p, e->sym->nsym, ext)) opt_plan_free(p), p = NULL;
        a = p ? build(p, &key, h, name, wrong) : NULL;
        free(key.p);
        if (!a) return core_last_status() ? core_last_status() : BJ_ERR_INTERNAL;
        pthread_mutex_lock(&cache_lock);
        artifact *other = lookup(a->key, a->keylen, h); /* built meanwhile by another thread: share it */
        if (!other) a->next = cache_head, cache_head = a;
        pthread_mutex_unlock(&cache_lock);
        if (other) artifact_free(a), a = other;
    }
    cpu_exec *x = calloc(1, sizeof *x);
    if (!x) {
        artifact_release(a);
        return core_err(BJ_ERR_NOMEM, "bj_compile(cpu): out of memory");
    }
    x->a = a, x->nthreads = default_threads();
    e->impl = x;
    e->nkernels = a->plan->nkernels;
    e->ninplace = a->plan->ninplace;
    e->source = a->source;
    return BJ_OK;
}

static void cpu_destroy(bj_exec *e) {
    cpu_exec *x = e->impl;
    if (!x) return;
    artifact_release(x->a);
    free(x);
    e->impl = NULL;
}

/* ---------------------------------------------------------------- running */
static bool overlap(const bj_array *a, const bj_array *b) {
    const char *pa = a->data, *pb = b->data;
    return a->nbytes && b->nbytes && pa < pb + b->nbytes && pb < pa + a->nbytes;
}

/* Bytes of plan buffer i in a run (dims: the symbols' values, NULL for a static plan). */
static size_t buf_bytes(const opt_plan *p, int i, const int64_t *dims) {
    return dims ? opt_plan_nbytes(p, p->bufs[i].node, dims) : p->bufs[i].nbytes;
}

/* Scratch bytes of a run: the plan's, then (abstracted axes) each temporary with a symbolic extent in a slot of its
 * own at the run's size; SIZE_MAX on overflow. */
static size_t scratch_bytes(const opt_plan *p, const int64_t *dims) {
    size_t n = p->scratch;
    for (int i = 0; dims && i < p->nbufs; i++) {
        if (p->bufs[i].kind != OPT_BUF_TEMP || !opt_plan_is_symbolic(p, p->bufs[i].node)) continue;
        size_t k = buf_bytes(p, i, dims);
        if (k > SIZE_MAX - 2 * BJ_ALIGN || n > SIZE_MAX - 2 * BJ_ALIGN - k) return SIZE_MAX;
        n += (k + BJ_ALIGN - 1) / BJ_ALIGN * BJ_ALIGN;
    }
    return n;
}

/* Runs the kernels on input arrays and output data pointers. An output the plan writes in place (into its input's
 * buffer) is written there when the caller bound it to that input; otherwise the input is copied into the output
 * first and the kernels run on that copy. */
static bj_status run_bound(const cpu_exec *x, bj_array *const *ins, void *const *outs, const int64_t *dims) {
    artifact *a = x->a;
    const opt_plan *p = a->plan;
    size_t need = scratch_bytes(p, dims);
    if (need == SIZE_MAX) return core_err(BJ_ERR_SHAPE, "bj_exec_run(cpu): the temporaries at these sizes overflow");
    void *stack[64], **b = p->nbufs <= 64 ? stack : malloc(sizeof *b * (size_t)p->nbufs);
    if (!b) return core_err(BJ_ERR_NOMEM, "bj_exec_run(cpu): out of memory");
    char *scratch = NULL;
    bool locked = false;
    if (need) {
        locked = pthread_mutex_trylock(&a->scratch_lock) == 0;
        if (locked && a->scratch_cap < need) {
            core_aligned_free(a->scratch);
            a->scratch = core_aligned_alloc(need);
            a->scratch_cap = a->scratch ? need : 0;
        }
        scratch = locked ? a->scratch : core_aligned_alloc(need);
        if (!scratch) {
            if (locked) pthread_mutex_unlock(&a->scratch_lock);
            if (b != stack) free(b);
            return core_err(BJ_ERR_NOMEM, "bj_exec_run(cpu): out of memory for %zu bytes of temporaries", need);
        }
    }
    size_t sym_off = p->scratch;
    for (int i = 0; i < p->nbufs; i++) {
        const opt_buf *q = &p->bufs[i];
        switch (q->kind) {
        case OPT_BUF_INPUT: b[i] = ins[q->index]->data; break;
        case OPT_BUF_OUTPUT: b[i] = outs[q->index]; break;
        case OPT_BUF_CONST: b[i] = q->node->data; break;
        default:
            if (dims && opt_plan_is_symbolic(p, q->node)) { /* a slot of its own, at this run's size */
                b[i] = scratch + sym_off;
                sym_off += (buf_bytes(p, i, dims) + BJ_ALIGN - 1) / BJ_ALIGN * BJ_ALIGN;
            } else {
                b[i] = scratch + q->offset;
            }
            break;
        }
    }
    for (int o = 0; p->out_alias && o < p->g->nout; o++) {
        const ir_node *n = p->g->outputs[o];
        int bi = p->buf_of[n->id];
        if (n->op == IR_ARG || p->out_alias[o] < 0 || p->bufs[bi].kind != OPT_BUF_INPUT || b[bi] == outs[o]) continue;
        size_t nb = buf_bytes(p, bi, dims);
        if (nb) memcpy(outs[o], b[bi], nb); /* written in place, but not bound so */
        b[bi] = outs[o];
    }
    a->entry(b, dims, x->nthreads);
    for (int i = 0; i < p->ncopies; i++) {
        const opt_copy *c = &p->copies[i];
        void *to = c->to_buf >= 0 ? b[c->to_buf] : outs[c->out];
        size_t nb = buf_bytes(p, c->from_buf, dims);
        if (nb && to != b[c->from_buf]) memcpy(to, b[c->from_buf], nb);
    }
    if (locked) pthread_mutex_unlock(&a->scratch_lock);
    else if (scratch) core_aligned_free(scratch);
    if (b != stack) free(b);
    return BJ_OK;
}

/* Runs into caller-owned outputs. declared: exec_run_aliased, where outs[o] may be exactly ins[out_alias[o]]. Any
 * other overlap between outputs and inputs (or outputs) makes the kernels write to one fresh block, copied after. */
static bj_status run_checked(bj_exec *e, bj_array *const *ins, bj_array *const *outs, bool declared) {
    const cpu_exec *x = e->impl;
    const ir_graph *g = e->g;
    const int *decl = declared ? x->a->plan->out_alias : NULL;
    int nout = g->nout;
    int64_t vals[OPT_SYM_MAX], *dims = e->sym ? vals : NULL;
    if (dims) opt_sym_values(e->sym, ins, dims);
    void *stack[16] = {NULL}, **o = nout <= 16 ? stack : malloc(sizeof *o * (size_t)(nout + 1));
    if (!o) return core_err(BJ_ERR_NOMEM, "bj_exec_run(cpu): out of memory");
    bool alias = false;
    for (int j = 0; j < nout; j++) {
        o[j] = outs[j]->data;
        int bound = decl && decl[j] >= 0 && outs[j]->data == ins[decl[j]]->data ? decl[j] : -1;
        if (bound >= 0 && outs[j]->nbytes != ins[bound]->nbytes) bound = -1;
        for (int i = 0; i < g->nin && !alias; i++) alias = i != bound && overlap(outs[j], ins[i]);
        for (int k = 0; k < j && !alias; k++) alias = overlap(outs[j], outs[k]);
    }
    if (!alias) {
        bj_status s = run_bound(x, ins, o, dims);
        if (o != stack) free(o);
        return s;
    }
    /* outputs sharing memory with inputs (in-place updates): compute into one fresh block, then copy */
    size_t total = 0;
    for (int j = 0; j < nout; j++) total += (outs[j]->nbytes + BJ_ALIGN - 1) / BJ_ALIGN * BJ_ALIGN;
    char *tmp = NULL;
    if (total && posix_memalign((void **)&tmp, BJ_ALIGN, total)) tmp = NULL;
    bj_status s = total && !tmp ? core_err(BJ_ERR_NOMEM, "bj_exec_run(cpu): out of memory") : BJ_OK;
    for (size_t off = 0, j = 0; !s && j < (size_t)nout; j++) {
        o[j] = tmp + off;
        off += (outs[j]->nbytes + BJ_ALIGN - 1) / BJ_ALIGN * BJ_ALIGN;
    }
    if (!s) s = run_bound(x, ins, o, dims);
    for (int j = 0; !s && j < nout; j++)
        if (outs[j]->nbytes) memcpy(outs[j]->data, o[j], outs[j]->nbytes);
    free(tmp);
    if (o != stack) free(o);
    return s;
}

static bj_status cpu_run_into(bj_exec *e, bj_array *const *ins, bj_array *const *outs) {
    return run_checked(e, ins, outs, false);
}
static bj_status cpu_run_aliased(bj_exec *e, bj_array *const *ins, bj_array *const *outs) {
    return run_checked(e, ins, outs, true);
}

static bj_status cpu_run(bj_exec *e, bj_array *const *ins, bj_array **outs) {
    const ir_graph *g = e->g;
    int64_t vals[OPT_SYM_MAX], sh[BJ_MAX_RANK];
    if (e->sym) opt_sym_values(e->sym, ins, vals);
    for (int j = 0; j < g->nout; j++) {
        const ir_node *o = g->outputs[j];
        exec_out_shape(e, j, vals, sh); /* the graph's shape, or at the symbols' sizes */
        if (!(outs[j] = core_array_alloc((bj_dtype)o->dtype, o->rank, sh, "bj_exec_run"))) return core_last_status();
    }
    return cpu_run_into(e, ins, outs); /* fresh outputs never alias */
}

const backend_vt backend_c = {.name = "cpu", .compile = cpu_compile, .run = cpu_run, .run_into = cpu_run_into,
                               .run_aliased = cpu_run_aliased, .destroy = cpu_destroy};
