/* kernel 0: loop over i32[3,4], 5 ops: add floor_divide gt neg where */
static void k0(void *const *restrict b, int64_t lo, int64_t hi) {
    const int32_t *restrict b0 = (const int32_t *)b[0]; /* input 0 a i32[3,1] */
    const int32_t *restrict b1 = (const int32_t *)b[1]; /* input 1 b i32[4] */
    int32_t *restrict b2 = (int32_t *)b[2]; /* output 0 i32[3,4] */
    for (int64_t i0 = lo; i0 < hi; i0++) {
        BJ_IVDEP
        for (int64_t i1 = 0; i1 < 4; i1++) {
            const int32_t l0 = b0[i0];
            const int32_t l1 = b1[i1];
            const int32_t v2 = bj_add_i32(l0, l1); /* add */
            const int32_t v4 = bj_floordiv_i32(v2, ((int32_t)(i0))); /* floor_divide */
            const bool v6 = (v4 > 0); /* gt */
            const int32_t v7 = bj_neg_i32(v4); /* neg */
            const int32_t v8 = (v6 ? v4 : v7); /* where */
            b2[i0 * 4 + i1] = v8;
        }
    }
}

void bj_entry(void *const *b, const int64_t *dims, int nthreads);
void bj_entry(void *const *b, const int64_t *dims, int nthreads) {
    (void)dims, (void)nthreads;
    k0(b, 0, 3);
}
