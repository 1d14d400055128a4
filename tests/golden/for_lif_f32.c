/* kernel l0_k0: loop over f32[4000], 12 ops: gt sub neg add mul add where ge where sub maximum where */
static void l0_k0(void *const *restrict b, int64_t lo, int64_t hi) {
    const float *restrict b0 = (const float *)b[0]; /* input 3 I f32[4000] */
    float *restrict b2 = (float *)b[2]; /* input 1, updated in place as output 0 f32[4000] */
    float *restrict b3 = (float *)b[3]; /* input 2, updated in place as output 1 f32[4000] */
    bool *restrict b4 = (bool *)b[4]; /* output 2 bool[4000] */
    BJ_IVDEP
    for (int64_t i0 = lo; i0 < hi; i0++) {
        const float l0 = b3[i0];
        const float l1 = b2[i0];
        const float l2 = b0[i0];
        const bool v7 = (l0 > 0.0f); /* gt */
        const float v9 = (l1 - (-65.0f)); /* sub */
        const float v10 = (-v9); /* neg */
        const float v11 = (v10 + l2); /* add */
        const float v13 = (v11 * 0.1f); /* mul */
        const float v14 = (l1 + v13); /* add */
        const float v15 = (v7 ? l1 : v14); /* where */
        const bool v17 = (v15 >= (-50.0f)); /* ge */
        const float v19 = (v17 ? (-65.0f) : v15); /* where */
        const float v22 = (l0 - 1.0f); /* sub */
        const float v23 = bj_max_f32(v22, 0.0f); /* maximum */
        const float v24 = (v17 ? 5.0f : v23); /* where */
        b4[i0] = v17;
        b2[i0] = v19;
        b3[i0] = v24;
    }
}

void bj_entry(void *const *b, const int64_t *dims, int nthreads);
void bj_entry(void *const *b, const int64_t *dims, int nthreads) {
    (void)dims, (void)nthreads;
    /* loop l0: 100 steps (recorded every 1), 1 kernel, 2 carries, 1 recorded value */
    {
        void *l0_b[5];
        int32_t l0_step = 0;
        l0_b[0] = b[2]; /* captured */
        l0_b[1] = &l0_step;
        l0_b[2] = b[3]; /* carry 0, where its final value goes */
        l0_b[3] = b[4]; /* carry 1, where its final value goes */
        l0_b[4] = NULL; /* recorded value: its row, set at each step */
        if (l0_b[2] != b[0]) memcpy(l0_b[2], b[0], 16000);
        if (l0_b[3] != b[1]) memcpy(l0_b[3], b[1], 16000);
        for (int64_t l0_i = 0; l0_i < 100; l0_i++) {
            l0_step = (int32_t)l0_i;
            char *const l0_y2 = (char *)b[5] + l0_i * 4000;
            l0_b[4] = l0_y2;
            l0_k0(l0_b, 0, 4000);
        }
    }
}
