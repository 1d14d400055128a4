/* hash.c — fast 64-bit hashing for hash-consing IR nodes and the handle registry (not for the disk cache). */
#include "core.h"

#include <string.h>
#include <xxhash.h>

uint64_t core_hash_mix(uint64_t h, uint64_t v) {
    /* splitmix64 finaliser over the combination: good avalanche, cheap */
    uint64_t x = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
    x ^= x >> 30, x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27, x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Bulk bytes (a constant's data can be megabytes: a network's connectivity, hashed when the constant is interned and
 * again in compile-cache keys) go through XXH3 at memory speed; the word-at-a-time mix above made hashing most of a
 * 40,000-neuron DSRunner run()'s fixed cost. Short inputs keep the mix. */
uint64_t core_hash_bytes(const void *p, size_t n, uint64_t seed) {
    if (n > 64) return core_hash_mix(seed, XXH3_64bits_withSeed(p, n, seed));
    const unsigned char *b = p;
    uint64_t h = core_hash_mix(seed, n);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, b, 8);
        h = core_hash_mix(h, v);
        b += 8, n -= 8;
    }
    uint64_t tail = 0;
    if (n) memcpy(&tail, b, n);
    return core_hash_mix(h, tail);
}
