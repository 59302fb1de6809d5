/* schemas.c: see schemas.h. */
#include "queue/schemas.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* guards slots, refs, parses */
static struct tl_queue_schema *slots[TL_QUEUE_SCHEMA_SLOTS];
static unsigned long parses;

static void unref_locked(struct tl_queue_schema *e) {
    if (e && --e->refs == 0) {
        tl_schema_release(&e->schema);
        free(e);
    }
}

static int compile(const struct tl_project *p, const unsigned char hash[16],
                   struct tl_queue_schema **out, struct tl_errbuf *eb) {
    json_t *js = json_loads(p->schema_json, 0, NULL);
    if (!js)
        return tl_errf(eb, TL_EINTERNAL, "stored schema is unreadable");
    struct tl_queue_schema *e = calloc(1, sizeof *e);
    int rc = e ? tl_schema_parse_stored(js, &e->schema, eb) : TL_ENOMEM;
    json_decref(js);
    if (rc) {
        free(e);
        return rc == TL_ENOMEM ? rc : TL_EINTERNAL;
    }
    e->project_pk = p->pk;
    memcpy(e->hash, hash, sizeof e->hash);
    e->refs = 1; /* the caller's */
    *out = e;
    return 0;
}

int tl_queue_schema_get(const struct tl_project *p, struct tl_queue_schema **out,
                        struct tl_errbuf *eb) {
    unsigned char hash[16];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)p->schema_json,
                       strlen(p->schema_json), NULL, 0);
    size_t slot = (size_t)((uint64_t)p->pk % TL_QUEUE_SCHEMA_SLOTS);
    pthread_mutex_lock(&mu);
    struct tl_queue_schema *e = slots[slot];
    if (e && e->project_pk == p->pk && !memcmp(e->hash, hash, sizeof hash)) {
        e->refs++;
        pthread_mutex_unlock(&mu);
        *out = e;
        return 0;
    }
    parses++;
    pthread_mutex_unlock(&mu);
    /* Parsed outside the lock: two racing misses both parse, one wins. */
    int rc = compile(p, hash, &e, eb);
    if (rc)
        return rc;
    pthread_mutex_lock(&mu);
    e->refs++; /* the slot's */
    unref_locked(slots[slot]);
    slots[slot] = e;
    pthread_mutex_unlock(&mu);
    *out = e;
    return 0;
}

void tl_queue_schema_put(struct tl_queue_schema *e) {
    if (!e)
        return;
    pthread_mutex_lock(&mu);
    unref_locked(e);
    pthread_mutex_unlock(&mu);
}

void tl_queue_schema_clear(void) {
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < TL_QUEUE_SCHEMA_SLOTS; i++) {
        unref_locked(slots[i]);
        slots[i] = NULL;
    }
    pthread_mutex_unlock(&mu);
}

unsigned long tl_queue_schema_parses(void) {
    pthread_mutex_lock(&mu);
    unsigned long n = parses;
    pthread_mutex_unlock(&mu);
    return n;
}
