/* kernel 0: reduce over f64[16,10], 1 op: max */
static void k0(void *const *restrict b, int64_t lo, int64_t hi) {
    const double *restrict b0 = (const double *)b[0]; /* input 0 x f64[16,10] */
    double *restrict b1 = (double *)b[1]; /* temporary f64[16,1] */
    for (int64_t i0 = lo; i0 < hi; i0++) {
        double acc = (-(double)INFINITY);
        for (int64_t i1_ = 0; i1_ < 10; i1_++) {
            const double l0 = b0[i0 * 10 + i1_];
            acc = bj_fold_max_f64(acc, l0);
        }
        b1[i0] = acc;
    }
}

/* kernel 1: loop over f64[16,10], 2 ops: sub exp */
static void k1(void *const *restrict b, int64_t lo, int64_t hi) {
    const double *restrict b0 = (const double *)b[0]; /* input 0 x f64[16,10] */
    const double *restrict b1 = (const double *)b[1]; /* temporary f64[16,1] */
    double *restrict b2 = (double *)b[2]; /* temporary f64[16,10] */
    for (int64_t i0 = lo; i0 < hi; i0++) {
        BJ_IVDEP
        for (int64_t i1 = 0; i1 < 10; i1++) {
            const double l0 = b0[i0 * 10 + i1];
            const double l1 = b1[i0];
            const double v2 = (l0 - l1); /* sub */
            const double v3 = bj_exp_f64(v2); /* exp */
            b2[i0 * 10 + i1] = v3;
        }
    }
}

/* kernel 2: reduce over f64[16,10], 1 op: sum */
static void k2(void *const *restrict b, int64_t lo, int64_t hi) {
    const double *restrict b2 = (const double *)b[2]; /* temporary f64[16,10] */
    double *restrict b3 = (double *)b[3]; /* temporary f64[16,1] */
    for (int64_t i0 = lo; i0 < hi; i0++) {
        double acc = 0.0;
        for (int64_t i1_ = 0; i1_ < 10; i1_++) {
            const double l0 = b2[i0 * 10 + i1_];
            acc = (acc + l0);
        }
        b3[i0] = acc;
    }
}

/* kernel 3: loop over f64[16,10], 1 op: div */
static void k3(void *const *restrict b, int64_t lo, int64_t hi) {
    const double *restrict b2 = (const double *)b[2]; /* temporary f64[16,10] */
    const double *restrict b3 = (const double *)b[3]; /* temporary f64[16,1] */
    double *restrict b4 = (double *)b[4]; /* output 0 f64[16,10] */
    for (int64_t i0 = lo; i0 < hi; i0++) {
        BJ_IVDEP
        for (int64_t i1 = 0; i1 < 10; i1++) {
            const double l0 = b2[i0 * 10 + i1];
            const double l1 = b3[i0];
            const double v5 = (l0 / l1); /* div */
            b4[i0 * 10 + i1] = v5;
        }
    }
}

void bj_entry(void *const *b, const int64_t *dims, int nthreads);
void bj_entry(void *const *b, const int64_t *dims, int nthreads) {
    (void)dims, (void)nthreads;
    k0(b, 0, 16);
    k1(b, 0, 16);
    k2(b, 0, 16);
    k3(b, 0, 16);
}
