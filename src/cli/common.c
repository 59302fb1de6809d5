/* common.c: see common.h. */
#include "cli/common.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/csv.h"

int tl_cli_open(const char *dir, const char *secret_file, struct tl_store **out) {
    struct tl_errbuf eb = {{0}};
    if (tl_crypto_init()) {
        fprintf(stderr, "tally: libsodium failed to initialise\n");
        return 1;
    }
    struct tl_store_opts opts = {.readers = 2, .is_admin_client = true, .secret_path = secret_file};
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

int tl_cli_long(const char *cmd, const char *opt, const char *arg, long min, long max, long *out) {
    if (tl_csv_to_long(arg, strlen(arg), min, max, out) == 0)
        return 0;
    fprintf(stderr, "tally %s: %s wants an integer in [%ld, %ld], not '%s'\n", cmd, opt, min, max,
            arg);
    return 2;
}

int tl_cli_bad_option(const char *cmd, int c, char **argv, void (*usage)(FILE *)) {
    if (c == ':')
        fprintf(stderr, "tally %s: option '%s' needs a value\n", cmd, argv[optind - 1]);
    else
        fprintf(stderr, "tally %s: unknown option '%s'\n", cmd, argv[optind - 1]);
    usage(stderr);
    return 2;
}

const char *tl_cli_one_operand(const char *cmd, int argc, char **argv, const char *what,
                               void (*usage)(FILE *)) {
    if (argc - optind == 1)
        return argv[optind];
    fprintf(stderr, "tally %s: %s %s\n", cmd, argc - optind ? "expected one" : "missing", what);
    usage(stderr);
    return NULL;
}
