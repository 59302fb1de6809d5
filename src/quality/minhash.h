/* minhash.h: MinHash signatures of free text, to find near-duplicate answers
 * (the copied_text detector, detect.h) without comparing texts pairwise.
 *
 * A text is lower-cased, split into words (runs of letters and digits;
 * other bytes separate words, bytes >= 0x80 count as letters so UTF-8 words
 * stay whole) and turned into its set of word 3-shingles (a text of fewer
 * than 3 words is one shingle of all its words). Its signature holds, for
 * each of TL_Q_MINHASH_K hash functions, the least hash over the set; the
 * share of equal entries of two signatures estimates the Jaccard similarity
 * of their sets (Broder 1997, "On the resemblance and containment of
 * documents"), with standard error sqrt(J (1 - J) / K). Pure: no state, no
 * allocation. */
#ifndef TL_QUALITY_MINHASH_H
#define TL_QUALITY_MINHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_Q_MINHASH_K 64

struct tl_q_minhash {
    uint64_t h[TL_Q_MINHASH_K];
    bool is_empty; /* the text has no word: similar to nothing */
};

/* The signature of text[0..len) into *out. Reads at most len bytes. */
void tl_q_minhash(const char *text, size_t len, struct tl_q_minhash *out);
/* The estimated Jaccard similarity of the shingle sets of a and b, in
 * [0, 1]; 0 if either is empty. */
double tl_q_minhash_similarity(const struct tl_q_minhash *a, const struct tl_q_minhash *b);

#endif
