/* kernel 0: loop over f32[4000], 12 ops: gt sub neg add mul add where ge where sub maximum where */
static void k0(void *const *restrict b, int64_t lo, int64_t hi) {
    const float *restrict b0 = (const float *)b[0]; /* input 0 v f32[4000] */
    const float *restrict b1 = (const float *)b[1]; /* input 1 I f32[4000] */
    const float *restrict b2 = (const float *)b[2]; /* input 2 ref f32[4000] */
    bool *restrict b3 = (bool *)b[3]; /* output 2 bool[4000] */
    float *restrict b4 = (float *)b[4]; /* output 0 f32[4000] */
    float *restrict b5 = (float *)b[5]; /* output 1 f32[4000] */
    BJ_IVDEP
    for (int64_t i0 = lo; i0 < hi; i0++) {
        const float l0 = b2[i0];
        const float l1 = b0[i0];
        const float l2 = b1[i0];
        const bool v4 = (l0 > 0.0f); /* gt */
        const float v6 = (l1 - (-65.0f)); /* sub */
        const float v7 = (-v6); /* neg */
        const float v8 = (v7 + l2); /* add */
        const float v10 = (v8 * 0.01f); /* mul */
        const float v11 = (l1 + v10); /* add */
        const float v12 = (v4 ? l1 : v11); /* where */
        const bool v14 = (v12 >= (-50.0f)); /* ge */
        const float v16 = (v14 ? (-65.0f) : v12); /* where */
        const float v18 = (l0 - 1.0f); /* sub */
        const float v19 = bj_max_f32(v18, 0.0f); /* maximum */
        const float v21 = (v14 ? 20.0f : v19); /* where */
        b3[i0] = v14;
        b4[i0] = v16;
        b5[i0] = v21;
    }
}

void bj_entry(void *const *b, const int64_t *dims, int nthreads);
void bj_entry(void *const *b, const int64_t *dims, int nthreads) {
    (void)dims, (void)nthreads;
    k0(b, 0, 4000);
}
