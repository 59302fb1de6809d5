/* cmd_demo.c: `tally demo`: seed a demo tenant (once) and print how to use
 * it. Run by `make run` before `serve`. Fresh tokens are printed every time,
 * since the store keeps only their hashes. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "schema/jsonl.h"

#define DEMO_TENANT       "demo"
#define DEMO_MANAGER      "manager@demo.tally.local"
#define DEMO_ANNOTATOR    "annotator@demo.tally.local"
#define DEMO_MANAGER_PW   "demo-manager-pass"
#define DEMO_ANNOTATOR_PW "demo-annotator-pass"

static const char demo_tasks[] = "{\"text\":\"The checkout flow was fast and painless.\"}\n"
                                 "{\"text\":\"Support never answered my ticket.\"}\n"
                                 "{\"text\":\"It works, I guess.\"}\n"
                                 "{\"text\":\"Best purchase I made this year!\"}\n"
                                 "{\"text\":\"The app crashes every time I open the camera.\"}\n"
                                 "{\"text\":\"Delivery took three weeks.\"}\n"
                                 "{\"text\":\"Exactly as described, would buy again.\"}\n"
                                 "{\"text\":\"The manual is in a language I cannot read.\"}\n"
                                 "{\"text\":\"Price is fair for what you get.\"}\n"
                                 "{\"text\":\"Battery lasts two days, impressive.\"}\n";

static const char demo_schema[] = "{\"fields\":[{\"name\":\"sentiment\",\"type\":\"choice\","
                                  "\"options\":[\"positive\",\"negative\",\"neutral\"]}]}";

static int make_user(struct tl_store *s, const tl_id tenant_id, const char *email,
                     enum tl_role role, const char *password) {
    struct tl_user u = {.role = role};
    snprintf(u.email, sizeof u.email, "%s", email);
    memcpy(u.tenant_id, tenant_id, sizeof u.tenant_id);
    int rc = tl_password_hash(password, u.password_hash);
    return rc ? rc : tl_store_user_create(s, &u);
}

static int seed(struct tl_store *s) {
    tl_id tenant_id;
    int rc = tl_store_tenant_create(s, DEMO_TENANT, tenant_id);
    if (!rc)
        rc = make_user(s, tenant_id, DEMO_MANAGER, TL_ROLE_MANAGER, DEMO_MANAGER_PW);
    if (!rc)
        rc = make_user(s, tenant_id, DEMO_ANNOTATOR, TL_ROLE_ANNOTATOR, DEMO_ANNOTATOR_PW);
    char token[TL_TOKEN_LEN + 1];
    struct tl_scope sc;
    if (!rc)
        rc = tl_cli_token_for(s, DEMO_MANAGER, 0, token, &sc);
    struct tl_project p = {.name = "Demo: review sentiment",
                           .schema_json = (char *)demo_schema,
                           .overlap = 1,
                           .lease_seconds = 600};
    if (!rc)
        rc = tl_store_project_create(s, &sc, &p);
    if (!rc)
        rc = tl_store_member_add(s, &sc, &p, DEMO_ANNOTATOR, TL_ROLE_ANNOTATOR, NULL);
    struct tl_import im = {0};
    struct tl_errbuf eb;
    if (!rc)
        rc = tl_import_parse(demo_tasks, sizeof demo_tasks - 1, false, &im, &eb);
    if (!rc)
        rc = tl_store_tasks_import(s, &sc, &p, im.items, im.n);
    tl_import_release(&im);
    return rc;
}

int tl_cmd_demo(int argc, char **argv) {
    static const char usage[] =
        "usage: tally demo [--data DIR] [--secret-file PATH]\n"
        "Create the demo tenant, a manager, an annotator and a small project if the\n"
        "store has none, then print their credentials with fresh API tokens.\n";
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"secret-file", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = TL_DEFAULT_DATA, *secret_file = NULL;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd') {
            data = optarg;
        } else if (c == 's') {
            secret_file = optarg;
        } else if (c == 'h') {
            printf("%s", usage);
            return 0;
        } else {
            fprintf(stderr, "%s", usage);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    struct tl_store *s;
    if (tl_cli_open(data, secret_file, &s))
        return 1;
    tl_id tenant_id;
    int rc = 0;
    bool is_new = tl_store_tenant_find(s, DEMO_TENANT, tenant_id) == TL_ENOTFOUND;
    if (is_new)
        rc = seed(s);
    char manager_token[TL_TOKEN_LEN + 1], annotator_token[TL_TOKEN_LEN + 1];
    if (!rc)
        rc = tl_cli_token_for(s, DEMO_MANAGER, 0, manager_token, NULL);
    if (!rc)
        rc = tl_cli_token_for(s, DEMO_ANNOTATOR, 0, annotator_token, NULL);
    tl_store_close(s);
    if (rc) {
        fprintf(stderr, "tally: cannot set up the demo: %s\n", tl_strerror(rc));
        return 1;
    }
    printf("Tally demo (%s store in %s)\n"
           "  URL:        http://127.0.0.1:8080   (API under /api/v1, health at /healthz)\n"
           "  manager:    %s  password %s\n"
           "              token %s\n"
           "  annotator:  %s  password %s\n"
           "              token %s\n"
           "Try: curl -H 'Authorization: Bearer %s' http://127.0.0.1:8080/api/v1/projects\n",
           is_new ? "new" : "existing", data, DEMO_MANAGER, DEMO_MANAGER_PW, manager_token,
           DEMO_ANNOTATOR, DEMO_ANNOTATOR_PW, annotator_token, manager_token);
    return 0;
}
