/* review.c: the backend-independent half of the review queue's store calls
 * (store.h): the keyed draw that samples tasks, releasing items, and
 * forwarding to the backend. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"

double tl_review_draw(const unsigned char secret[TL_SECRET_LEN], const char *salt,
                      const char *task_id) {
    /* "review:" SALT "\0" TASK_ID, hashed under the secret: the salt keeps
     * the first-review sample and the second-review sample independent,
     * and no other keyed hash of the installation takes this prefix. */
    unsigned char h[8];
    crypto_generichash_state st;
    crypto_generichash_init(&st, secret, TL_SECRET_LEN, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)"review:", 7);
    crypto_generichash_update(&st, (const unsigned char *)salt, strlen(salt) + 1);
    crypto_generichash_update(&st, (const unsigned char *)task_id, strlen(task_id));
    crypto_generichash_final(&st, h, sizeof h);
    uint64_t x = 0;
    for (size_t i = 0; i < sizeof h; i++)
        x = x << 8 | h[i];
    return (double)(x >> 11) * 0x1.0p-53; /* 53 random bits: exactly in [0, 1) */
}

void tl_review_item_release(struct tl_review_item *v) {
    free(v->correction);
    free(v->rejected);
    free(v->data);
    if (v->gold)
        sodium_memzero(v->gold, strlen(v->gold));
    free(v->gold);
    for (size_t i = 0; i < v->n_annots; i++)
        free(v->annots[i].result);
    free(v->annots);
    free(v->agg_result);
    free(v->agg_confidence);
    v->correction = v->rejected = v->data = v->gold = NULL;
    v->agg_result = v->agg_confidence = NULL;
    v->annots = NULL;
    v->n_annots = 0;
}

void tl_review_done_free(struct tl_review_done *v, size_t n) {
    for (size_t i = 0; v && i < n; i++)
        free(v[i].answer);
    free(v);
}

int tl_store_review_next(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, int64_t now_ms, struct tl_review_item *out) {
    return s->vt->review_next(s, sc, p, now_ms, out);
}

int tl_store_review_get(struct tl_store *s, const struct tl_project *p, const char *id,
                        struct tl_review_item *out) {
    return s->vt->review_get(s, p, id, out);
}

int tl_store_review_list(struct tl_store *s, const struct tl_project *p, bool is_done,
                         size_t limit, int64_t *cursor, struct tl_review_item **out, size_t *n) {
    return s->vt->review_list(s, p, is_done, limit, cursor, out, n);
}

int tl_store_review_decide(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *id,
                           const struct tl_review_decision *d, int64_t now_ms) {
    return s->vt->review_decide(s, sc, p, id, d, now_ms);
}

int tl_store_review_done(struct tl_store *s, const struct tl_project *p,
                         struct tl_review_done **out, size_t *n) {
    return s->vt->review_done(s, p, out, n);
}
