/* common.c: see common.h. */
#include "cli/common.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/csv.h"

static int open_store(const char *dir, const char *secret_file, bool is_created,
                      struct tl_store **out) {
    struct tl_errbuf eb = {{0}};
    if (tl_crypto_init()) {
        fprintf(stderr, "tally: libsodium failed to initialise\n");
        return 1;
    }
    struct tl_store_opts opts = {.readers = 2, .is_admin_client = true, .secret_path = secret_file,
                                 .is_existing_only = !is_created};
    int rc = tl_store_open_sqlite(dir, &opts, out, &eb);
    if (rc == TL_ENOTFOUND && !is_created) {
        fprintf(stderr, "tally: %s holds no Tally store (a mistyped --data?); `tally init`, "
                        "`serve`, `demo` or `tenant create` make one\n", dir);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "tally: cannot open store in %s: %s\n", dir,
                eb.msg[0] ? eb.msg : tl_strerror(rc));
        return 1;
    }
    return 0;
}

int tl_cli_open(const char *dir, const char *secret_file, struct tl_store **out) {
    return open_store(dir, secret_file, false, out);
}

int tl_cli_create(const char *dir, const char *secret_file, struct tl_store **out) {
    return open_store(dir, secret_file, true, out);
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

int tl_cli_project_args(const char *cmd, int argc, char **argv, bool is_export,
                        void (*usage)(FILE *), struct tl_cli_project_args *a) {
    enum { OPT_DATA = 1000, OPT_SECRET_FILE, OPT_PROJECT, OPT_FORMAT, OPT_OUT, OPT_HELP };
    static const struct option opts[] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"secret-file", required_argument, NULL, OPT_SECRET_FILE},
        {"project", required_argument, NULL, OPT_PROJECT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    *a = (struct tl_cli_project_args){.data = TL_DEFAULT_DATA};
    optind = 0; /* full re-initialisation of GNU getopt */
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case OPT_DATA: a->data = optarg; break;
        case OPT_SECRET_FILE: a->secret_file = optarg; break;
        case OPT_PROJECT: a->project = optarg; break;
        case OPT_FORMAT: a->format = optarg; break;
        case OPT_OUT:
            if (!is_export) {
                fprintf(stderr, "tally %s: unknown option '--out'\n", cmd);
                usage(stderr);
                return 2;
            }
            a->out = optarg;
            break;
        case OPT_HELP: usage(stdout); return -1;
        default: return tl_cli_bad_option(cmd, c, argv, usage);
        }
    }
    int n_operands = is_export ? 0 : 1;
    if (argc - optind != n_operands) {
        fprintf(stderr, "tally %s: %s\n", cmd,
                argc - optind < n_operands ? "missing FILE" : "too many arguments");
        usage(stderr);
        return 2;
    }
    a->operand = n_operands ? argv[optind] : NULL;
    if (!a->project || !*a->project) {
        fprintf(stderr, "tally %s: --project ID is required\n", cmd);
        usage(stderr);
        return 2;
    }
    return 0;
}

int tl_cli_open_project(const char *cmd, const struct tl_cli_project_args *a, struct tl_store **s,
                        struct tl_project *p, struct tl_scope *sc) {
    if (tl_cli_open(a->data, a->secret_file, s))
        return 1;
    int rc = tl_store_project_get_admin(*s, a->project, p, sc);
    if (rc) {
        if (rc == TL_ENOTFOUND)
            fprintf(stderr, "tally %s: no project with id '%s' in %s\n", cmd, a->project,
                    a->data);
        else
            fprintf(stderr, "tally %s: cannot read project '%s': %s\n", cmd, a->project,
                    tl_strerror(rc));
        tl_store_close(*s);
        *s = NULL;
        return 1;
    }
    return 0;
}
