/* cmd_admin.c: `tally init`, `tally tenant create|list`, `tally user
 * create|list`, `tally token create|revoke`: the admin actions, usable while
 * a server runs on the same data. Only init and tenant create make a store;
 * the others refuse a directory that holds none (cli/common.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

#include "cli/cli.h"
#include "cli/common.h"

enum { OPT_DATA = 1000, OPT_SECRET_FILE, OPT_EMAIL, OPT_ROLE, OPT_TENANT, OPT_PW_STDIN, OPT_HELP };

struct admin_args {
    const char *data, *secret_file, *email, *role, *tenant;
    bool is_password_stdin;
    const char *operands[4];
    int n_operands;
};

/* Parse the options every admin command shares; 0, 2 on a usage error, or
 * -1 when --help was asked for (usage already printed). */
static int parse(int argc, char **argv, const char *usage, struct admin_args *a) {
    static const struct option opts[] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"secret-file", required_argument, NULL, OPT_SECRET_FILE},
        {"email", required_argument, NULL, OPT_EMAIL},
        {"role", required_argument, NULL, OPT_ROLE},
        {"tenant", required_argument, NULL, OPT_TENANT},
        {"password-stdin", no_argument, NULL, OPT_PW_STDIN},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->data = TL_DEFAULT_DATA;
    optind = 0; /* full re-initialisation of GNU getopt */
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case OPT_DATA: a->data = optarg; break;
        case OPT_SECRET_FILE: a->secret_file = optarg; break;
        case OPT_EMAIL: a->email = optarg; break;
        case OPT_ROLE: a->role = optarg; break;
        case OPT_TENANT: a->tenant = optarg; break;
        case OPT_PW_STDIN: a->is_password_stdin = true; break;
        case OPT_HELP: printf("%s", usage); return -1;
        default: fprintf(stderr, "%s", usage); return 2;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (a->n_operands == 4) {
            fprintf(stderr, "tally: too many arguments\n%s", usage);
            return 2;
        }
        a->operands[a->n_operands++] = argv[i];
    }
    return 0;
}

/* The verb the operands start with: 0 if it is `verb` followed by exactly
 * n_more operands; 2 (after the usage) if it is `verb` with another count;
 * 1 if it is another verb (the caller tries the next one). */
static int expect(const struct admin_args *a, const char *verb, int n_more, const char *usage) {
    if (a->n_operands < 1 || strcmp(a->operands[0], verb))
        return 1;
    if (a->n_operands != 1 + n_more) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    return 0;
}

/* Neither verb matched. */
static int no_verb(const char *usage) {
    fprintf(stderr, "%s", usage);
    return 2;
}

int tl_cmd_init(int argc, char **argv) {
    static const char usage[] = "usage: tally init [--data DIR] [--secret-file PATH]\n"
                                "Make an empty store in DIR (nothing changes if one is there)\n"
                                "and print DIR.\n";
    struct admin_args a;
    int rc = parse(argc, argv, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.n_operands)
        return no_verb(usage);
    struct tl_store *s;
    if (tl_cli_create(a.data, a.secret_file, &s))
        return 1;
    tl_store_close(s);
    printf("%s\n", a.data);
    return 0;
}

static int tenant_list(const struct admin_args *a) {
    struct tl_store *s;
    if (tl_cli_open(a->data, a->secret_file, &s))
        return 1;
    struct tl_tenant *t;
    size_t n;
    int rc = tl_store_tenant_list(s, &t, &n);
    tl_store_close(s);
    if (rc) {
        fprintf(stderr, "tally: cannot list tenants: %s\n", tl_strerror(rc));
        return 1;
    }
    printf("id\tname\tusers\tcreated_at\n");
    for (size_t i = 0; i < n; i++) {
        char created[32];
        printf("%s\t%s\t%lld\t%s\n", t[i].id, t[i].name, (long long)t[i].n_users,
               tl_clock_rfc3339(t[i].created_at_ms, created));
    }
    free(t);
    return 0;
}

int tl_cmd_tenant(int argc, char **argv) {
    static const char usage[] =
        "usage: tally tenant create [--data DIR] [--secret-file PATH] NAME\n"
        "       tally tenant list [--data DIR] [--secret-file PATH]\n"
        "create: make a tenant (a customer organisation), and the store if DIR holds\n"
        "none, and print its id. list: one line per tenant: id, name, users,\n"
        "created_at (tab-separated, after a header line).\n"
        "  --data DIR          data directory (default ./tally-data)\n"
        "  --secret-file PATH  the installation secret (default DIR/secret)\n";
    struct admin_args a;
    int rc = parse(argc, argv, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = expect(&a, "list", 0, usage)) != 1)
        return rc ? rc : tenant_list(&a);
    if ((rc = expect(&a, "create", 1, usage)))
        return rc == 1 ? no_verb(usage) : rc;
    const char *name = a.operands[1];
    if (!*name || strlen(name) > 200) {
        fprintf(stderr, "tally: a tenant name has 1..200 bytes\n");
        return 1;
    }
    struct tl_store *s;
    if (tl_cli_create(a.data, a.secret_file, &s))
        return 1;
    tl_id id;
    rc = tl_store_tenant_create(s, name, id);
    if (rc == TL_EEXIST)
        fprintf(stderr, "tally: tenant '%s' already exists\n", name);
    else if (rc)
        fprintf(stderr, "tally: cannot create tenant: %s\n", tl_strerror(rc));
    else
        printf("%s\n", id);
    tl_store_close(s);
    return rc ? 1 : 0;
}

static int read_password(char *out, size_t cap) {
    if (!fgets(out, (int)cap, stdin))
        return TL_EINVAL;
    out[strcspn(out, "\r\n")] = '\0';
    return strlen(out) >= 8 ? 0 : TL_EINVAL;
}

/* The name of tenant id among t[0..n), "-" for the workforce. */
static const char *tenant_name(const struct tl_tenant *t, size_t n, const char *id) {
    for (size_t i = 0; *id && i < n; i++)
        if (!strcmp(t[i].id, id))
            return t[i].name;
    return "-";
}

static int user_list(const struct admin_args *a) {
    struct tl_store *s;
    if (tl_cli_open(a->data, a->secret_file, &s))
        return 1;
    tl_id tenant_id = "";
    struct tl_tenant *t = NULL;
    struct tl_user *u = NULL;
    size_t n_tenants = 0, n = 0;
    int rc = a->tenant ? tl_store_tenant_find(s, a->tenant, tenant_id) : 0;
    if (rc == TL_ENOTFOUND)
        fprintf(stderr, "tally: no tenant named '%s'\n", a->tenant);
    else if (!rc && !(rc = tl_store_tenant_list(s, &t, &n_tenants)))
        rc = tl_store_user_list(s, a->tenant ? tenant_id : NULL, &u, &n);
    if (rc && rc != TL_ENOTFOUND)
        fprintf(stderr, "tally: cannot list users: %s\n", tl_strerror(rc));
    tl_store_close(s);
    if (!rc)
        printf("id\temail\trole\ttenant\tdisabled\tcreated_at\n");
    for (size_t i = 0; !rc && i < n; i++) {
        char created[32];
        printf("%s\t%s\t%s\t%s\t%s\t%s\n", u[i].id, u[i].email, tl_role_name(u[i].role),
               tenant_name(t, n_tenants, u[i].tenant_id), u[i].is_disabled ? "yes" : "no",
               tl_clock_rfc3339(u[i].created_at_ms, created));
    }
    free(t);
    free(u);
    return rc ? 1 : 0;
}

int tl_cmd_user(int argc, char **argv) {
    static const char usage[] =
        "usage: tally user create [--data DIR] [--secret-file PATH] --email EMAIL --role ROLE\n"
        "                         [--tenant NAME] [--password-stdin]\n"
        "Create a user and print its id. ROLE: owner|admin|manager|reviewer|viewer|annotator.\n"
        "An annotator without --tenant joins the platform workforce (any tenant may add\n"
        "them to a project); every other role needs --tenant.\n"
        "  --password-stdin   read a password (8+ bytes) for web login from stdin\n"
        "       tally user list [--data DIR] [--secret-file PATH] [--tenant NAME]\n"
        "One line per user (of tenant NAME only with --tenant): id, email, role,\n"
        "tenant (- for the workforce), disabled, created_at (tab-separated, after a\n"
        "header line).\n";
    struct admin_args a;
    int rc = parse(argc, argv, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = expect(&a, "list", 0, usage)) != 1)
        return rc ? rc : user_list(&a);
    if ((rc = expect(&a, "create", 0, usage)))
        return rc == 1 ? no_verb(usage) : rc;
    enum tl_role role = tl_role_parse(a.role);
    if (!a.email || !strchr(a.email, '@') || strlen(a.email) > 254) {
        fprintf(stderr, "tally: --email must be an email address\n%s", usage);
        return 2;
    }
    if (role == TL_ROLE_NONE) {
        fprintf(stderr, "tally: --role must be one of owner|admin|manager|reviewer|viewer|"
                        "annotator\n");
        return 2;
    }
    if (role != TL_ROLE_ANNOTATOR && !a.tenant) {
        fprintf(stderr, "tally: role %s needs --tenant\n", a.role);
        return 2;
    }
    struct tl_user u = {.role = role};
    snprintf(u.email, sizeof u.email, "%s", a.email);
    if (a.is_password_stdin) {
        char pw[256];
        if (read_password(pw, sizeof pw)) {
            fprintf(stderr, "tally: the password on stdin must have at least 8 bytes\n");
            return 1;
        }
        if (tl_crypto_init() || tl_password_hash(pw, u.password_hash)) {
            fprintf(stderr, "tally: cannot hash the password\n");
            return 1;
        }
    }
    struct tl_store *s;
    if (tl_cli_open(a.data, a.secret_file, &s))
        return 1;
    rc = a.tenant ? tl_store_tenant_find(s, a.tenant, u.tenant_id) : 0;
    if (rc)
        fprintf(stderr, "tally: no tenant named '%s'\n", a.tenant);
    else if ((rc = tl_store_user_create(s, &u)))
        fprintf(stderr, "tally: cannot create user: %s\n",
                rc == TL_EEXIST ? "that email is taken" : tl_strerror(rc));
    else
        printf("%s\n", u.id);
    tl_store_close(s);
    return rc ? 1 : 0;
}

static int token_revoke(const struct admin_args *a) {
    const char *id = a->operands[1];
    struct tl_store *s;
    if (tl_cli_open(a->data, a->secret_file, &s))
        return 1;
    const struct tl_token_filter any = {.is_any = true};
    int rc = tl_id_valid(id, strlen(id)) ? tl_store_token_revoke(s, &any, id) : TL_ENOTFOUND;
    tl_store_close(s);
    if (rc == TL_ENOTFOUND)
        fprintf(stderr, "tally: no live token with id '%s'\n", id);
    else if (rc)
        fprintf(stderr, "tally: cannot revoke the token: %s\n", tl_strerror(rc));
    else
        printf("revoked %s\n", id);
    return rc ? 1 : 0;
}

int tl_cmd_token(int argc, char **argv) {
    static const char usage[] = "usage: tally token create [--data DIR] [--secret-file PATH]"
                                " --email EMAIL\n"
                                "       tally token revoke [--data DIR] [--secret-file PATH] ID\n"
                                "create: make an API token for the user and print it (only\n"
                                "once: the store keeps its hash). revoke: refuse token ID (as\n"
                                "GET /api/v1/tokens lists it) from now on; a running server\n"
                                "sees it within 5 s.\n";
    struct admin_args a;
    int rc = parse(argc, argv, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = expect(&a, "revoke", 1, usage)) != 1)
        return rc ? rc : token_revoke(&a);
    if ((rc = expect(&a, "create", 0, usage)))
        return rc == 1 ? no_verb(usage) : rc;
    if (!a.email) {
        fprintf(stderr, "tally: --email is required\n%s", usage);
        return 2;
    }
    struct tl_store *s;
    if (tl_cli_open(a.data, a.secret_file, &s))
        return 1;
    char token[TL_TOKEN_LEN + 1];
    rc = tl_cli_token_for(s, a.email, 0, token, NULL);
    if (rc)
        fprintf(stderr, "tally: %s\n",
                rc == TL_ENOTFOUND ? "no user with that email" : tl_strerror(rc));
    else
        printf("%s\n", token);
    tl_store_close(s);
    return rc ? 1 : 0;
}
