/* minhash.c: see minhash.h. Each of the K hash functions is the 64-bit
 * FNV-1a hash of the shingle mixed with a per-function seed through
 * splitmix64's finaliser: independent enough for the estimate, and the
 * same on every platform. */
#include "quality/minhash.h"

#include <string.h>

#include "quality/rng.h"

static bool is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static unsigned char lower(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* FNV-1a of one word, folded into a running shingle hash. */
static uint64_t word_hash(const char *w, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= lower((unsigned char)w[i]);
        h *= 0x100000001b3ull;
    }
    return h;
}

static void add_shingle(struct tl_q_minhash *m, uint64_t shingle) {
    for (int k = 0; k < TL_Q_MINHASH_K; k++) {
        uint64_t x = shingle ^ (0x9E3779B97F4A7C15ull * (uint64_t)(k + 1));
        uint64_t h = tl_q_splitmix64(&x);
        if (h < m->h[k])
            m->h[k] = h;
    }
}

void tl_q_minhash(const char *text, size_t len, struct tl_q_minhash *out) {
    memset(out->h, 0xff, sizeof out->h);
    out->is_empty = true;
    uint64_t w[3] = {0, 0, 0}; /* the last three words' hashes */
    size_t n_words = 0, i = 0;
    while (i < len) {
        while (i < len && !is_word_byte((unsigned char)text[i]))
            i++;
        size_t start = i;
        while (i < len && is_word_byte((unsigned char)text[i]))
            i++;
        if (i == start)
            break;
        w[0] = w[1];
        w[1] = w[2];
        w[2] = word_hash(text + start, i - start);
        if (++n_words >= 3) {
            add_shingle(out, w[0] * 0x9E3779B97F4A7C15ull ^ (w[1] * 0xBF58476D1CE4E5B9ull) ^ w[2]);
            out->is_empty = false;
        }
    }
    if (n_words > 0 && n_words < 3) {
        add_shingle(out, w[1] * 0xBF58476D1CE4E5B9ull ^ w[2] ^ n_words);
        out->is_empty = false;
    }
}

double tl_q_minhash_similarity(const struct tl_q_minhash *a, const struct tl_q_minhash *b) {
    if (a->is_empty || b->is_empty)
        return 0;
    int same = 0;
    for (int k = 0; k < TL_Q_MINHASH_K; k++)
        same += a->h[k] == b->h[k];
    return (double)same / TL_Q_MINHASH_K;
}
