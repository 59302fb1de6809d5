/* cmd_admin.c: `tally tenant create`, `tally user create`, `tally token
 * create`: the admin actions, usable while a server runs on the same data. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

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

static int expect_create(const struct admin_args *a, int n_more, const char *usage) {
    if (a->n_operands != 1 + n_more || strcmp(a->operands[0], "create")) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    return 0;
}

int tl_cmd_tenant(int argc, char **argv) {
    static const char usage[] =
        "usage: tally tenant create [--data DIR] [--secret-file PATH] NAME\n"
        "Create a tenant (a customer organisation) and print its id.\n"
        "  --data DIR          data directory (default ./tally-data)\n"
        "  --secret-file PATH  the installation secret (default DIR/secret)\n";
    struct admin_args a;
    int rc = parse(argc, argv, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = expect_create(&a, 1, usage)))
        return rc;
    const char *name = a.operands[1];
    if (!*name || strlen(name) > 200) {
        fprintf(stderr, "tally: a tenant name has 1..200 bytes\n");
        return 1;
    }
    struct tl_store *s;
    if (tl_cli_open(a.data, a.secret_file, &s))
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

int tl_cmd_user(int argc, char **argv) {
    static const char usage[] =
        "usage: tally user create [--data DIR] [--secret-file PATH] --email EMAIL --role ROLE\n"
        "                         [--tenant NAME] [--password-stdin]\n"
        "Create a user and print its id. ROLE: owner|admin|manager|reviewer|viewer|annotator.\n"
        "An annotator without --tenant joins the platform workforce (any tenant may add\n"
        "them to a project); every other role needs --tenant.\n"
        "  --password-stdin   read a password (8+ bytes) for web login from stdin\n";
    struct admin_args a;
    int rc = parse(argc, argv, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = expect_create(&a, 0, usage)))
        return rc;
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

int tl_cmd_token(int argc, char **argv) {
    static const char usage[] = "usage: tally token create [--data DIR] [--secret-file PATH]"
                                " --email EMAIL\n"
                                "Create an API token for the user and print it (only once:\n"
                                "the store keeps its hash).\n";
    struct admin_args a;
    int rc = parse(argc, argv, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = expect_create(&a, 0, usage)))
        return rc;
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
