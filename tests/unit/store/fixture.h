/* fixture.h: what the store's unit tests share: a throwaway SQLite store in
 * a fresh temp dir, removed afterwards, and a user with a token whose scope
 * the tests act as. Include after cmocka.h. */
#ifndef TL_TEST_STORE_FIXTURE_H
#define TL_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "core/clock.h"
#include "crypto/crypto.h"
#include "store/store.h"

/* Open a store in a new temp dir (its path into dir): 0, or -1. */
static inline int store_fx_open(char dir[64], struct tl_store **s) {
    snprintf(dir, 64, "/tmp/tally-unit-XXXXXX");
    struct tl_errbuf eb;
    if (!mkdtemp(dir) || tl_crypto_init() || tl_store_open_sqlite(dir, NULL, s, &eb))
        return -1;
    return 0;
}

/* Close the store and remove its dir: 0, or -1. */
static inline int store_fx_close(struct tl_store *s, const char *dir) {
    tl_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Create a user (tenant "" = workforce) with a token; its scope. */
static inline struct tl_scope store_fx_user(struct tl_store *s, const char *tenant_id,
                                            const char *email, enum tl_role role) {
    struct tl_user u = {.role = role};
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.tenant_id, sizeof u.tenant_id, "%s", tenant_id);
    assert_int_equal(tl_store_user_create(s, &u), 0);
    char token[TL_TOKEN_LEN + 1], hash[TL_TOKEN_HASH_LEN + 1];
    tl_token_new(token);
    tl_token_hash(token, TL_TOKEN_LEN, hash);
    assert_int_equal(tl_store_token_create(s, u.pk, hash, 0), 0);
    struct tl_scope sc;
    assert_int_equal(tl_store_token_scope(s, hash, tl_clock_ms(), &sc), 0);
    assert_int_equal(sc.user_pk, u.pk);
    return sc;
}

#endif
