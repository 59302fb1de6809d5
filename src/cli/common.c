/* common.c: see common.h. */
#include "cli/common.h"

#include <stdio.h>

#include "core/clock.h"

int tl_cli_open(const char *dir, struct tl_store **out) {
    struct tl_errbuf eb = {{0}};
    if (tl_crypto_init()) {
        fprintf(stderr, "tally: libsodium failed to initialise\n");
        return 1;
    }
    struct tl_store_opts opts = {.readers = 2, .is_admin_client = true};
    int rc = tl_store_open_sqlite(dir, &opts, out, &eb);
    if (rc) {
        fprintf(stderr, "tally: cannot open store in %s: %s\n", dir,
                eb.msg[0] ? eb.msg : tl_strerror(rc));
        return 1;
    }
    return 0;
}

int tl_cli_token_for(struct tl_store *s, const char *email, int64_t expires_at_ms,
                     char token[TL_TOKEN_LEN + 1], struct tl_scope *scope) {
    struct tl_user u;
    int rc = tl_store_user_find(s, email, &u);
    if (rc)
        return rc;
    char hash[TL_TOKEN_HASH_LEN + 1];
    tl_token_new(token);
    tl_token_hash(token, TL_TOKEN_LEN, hash);
    rc = tl_store_token_create(s, u.pk, hash, expires_at_ms);
    if (!rc && scope)
        rc = tl_store_token_scope(s, hash, tl_clock_ms(), scope);
    return rc;
}
