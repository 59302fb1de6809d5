/* rng.h: the quality module's random numbers: xoshiro256** seeded through
 * splitmix64, so that a (seed, stream) pair always gives the same sequence on
 * every platform. Never used for anything secret. */
#ifndef TL_QUALITY_RNG_H
#define TL_QUALITY_RNG_H

#include <stdint.h>

struct tl_q_rng {
    uint64_t s[4];
};

static inline uint64_t tl_q_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Independent streams for one seed: stream i of seed s never depends on how
 * many other streams exist or which thread draws from them. */
static inline void tl_q_rng_seed(struct tl_q_rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (0xD1B54A32D192ED03ull * (stream + 1));
    for (int i = 0; i < 4; i++)
        r->s[i] = tl_q_splitmix64(&x);
}

static inline uint64_t tl_q_rng_next(struct tl_q_rng *r) {
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double tl_q_rng_unit(struct tl_q_rng *r) {
    return (double)(tl_q_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire). */
static inline uint64_t tl_q_rng_below(struct tl_q_rng *r, uint64_t n) {
    uint64_t x = tl_q_rng_next(r);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t thresh = -n % n;
        while (lo < thresh) {
            x = tl_q_rng_next(r);
            m = (__uint128_t)x * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

#endif
