/* cmd_demo.c: `tally demo`: seed a demo tenant (once) and print how to use
 * it. Run by `make run` before `serve`. Fresh tokens are printed every time,
 * since the store keeps only their hashes. The seed also loads every
 * example project of examples/ (docs/schema.md), so that a new user sees
 * each modality at once. Examples whose tasks name a generated medium
 * (demo_media.h) get it stored as one of their project's files, exactly as
 * an upload would be, and their tasks hold its url. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/demo_media.h"
#include "core/fdio.h"
#include "core/media.h"
#include "store/files.h"
#include "schema/jsonl.h"
#include "schema/schema.h"

/* Ceilings of the example folders: they ship with the project, but the
 * directory is a command-line argument and is read like any input. */
#define MAX_EXAMPLES       32
#define MAX_EXAMPLE_NAME   64
#define MAX_EXAMPLE_FILE   (4 << 20)
/* Distinct media one example may name, and the ceiling of one medium. */
#define MAX_EXAMPLE_MEDIA  8
#define MAX_MEDIUM         (1 << 20)
/* A placeholder grows into a url at most this much (the url's length). */
#define FILE_URL_FMT       "/api/v1/projects/%s/files/%s"
#define FILE_URL_LEN       (sizeof FILE_URL_FMT + 2 * TL_ID_LEN)

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

/* The whole file at path (at most MAX_EXAMPLE_FILE bytes), NUL-terminated:
 * 0, TL_EIO, TL_ETOOBIG or TL_ENOMEM. */
static int read_small_file(const char *path, char **out, size_t *len) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return TL_EIO;
    char *buf = malloc(MAX_EXAMPLE_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_EXAMPLE_FILE + 1, f) : 0;
    int rc = !buf ? TL_ENOMEM : ferror(f) ? TL_EIO : n > MAX_EXAMPLE_FILE ? TL_ETOOBIG : 0;
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* What an example's media placeholders became, so that a medium named
 * twice is stored once. */
struct example_media {
    struct tl_files *files; /* NULL: an example naming a medium fails */
    size_t n;
    struct {
        char name[TL_DEMO_MEDIA_MAX_NAME + 1];
        char url[FILE_URL_LEN];
    } stored[MAX_EXAMPLE_MEDIA];
};

/* Make the medium `name`, check it the way the upload route checks a body
 * (so the demo never stores what an upload could not), and store it as a
 * file of p: 0 with its url in url, or an error code. */
static int store_medium(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        struct tl_files *files, const char *name, char url[FILE_URL_LEN]) {
    struct tl_buf bytes;
    tl_buf_init(&bytes, MAX_MEDIUM);
    const char *type = NULL;
    int rc = tl_demo_media_make(name, strlen(name), &bytes, &type);
    const char *allowed = rc ? NULL : tl_media_allowed(type);
    if (!rc && (!allowed || strcmp(allowed, type) != 0 ||
                !tl_media_sniff(type, (const unsigned char *)bytes.data,
                                bytes.len < TL_MEDIA_SNIFF_LEN ? bytes.len : TL_MEDIA_SNIFF_LEN)))
        rc = TL_EINVAL;
    int fd = -1;
    char tmp_name[TL_FILES_TEMP_NAME] = "";
    if (!rc)
        rc = tl_files_temp(files, &fd, tmp_name);
    if (!rc && tl_write_all(fd, bytes.data, bytes.len))
        rc = TL_EIO;
    struct tl_file f = {.size = (int64_t)bytes.len};
    tl_id_new(f.id);
    if (!rc)
        rc = tl_files_commit(files, fd, tmp_name, f.id);
    if (fd >= 0)
        close(fd);
    if (rc) {
        if (tmp_name[0])
            tl_files_discard(files, tmp_name);
    } else {
        snprintf(f.content_type, sizeof f.content_type, "%s", type);
        rc = tl_store_file_create(s, sc, p, &f);
        if (rc)
            tl_files_remove(files, f.id);
    }
    tl_buf_release(&bytes);
    if (!rc)
        snprintf(url, FILE_URL_LEN, FILE_URL_FMT, p->id, f.id);
    return rc;
}

/* text[0..len) with every JSON string "tally-demo:NAME" replaced by the
 * url of medium NAME, stored on first use: 0 with out filled (the
 * caller's to release), or an error code with eb saying which medium. */
static int place_media(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       struct example_media *m, const char *text, size_t len,
                       struct tl_buf *out, const char *path, struct tl_errbuf *eb) {
    static const char prefix[] = "\"" TL_DEMO_MEDIA_PREFIX;
    const size_t plen = sizeof prefix - 1;
    /* a placeholder is at least plen + 2 bytes and becomes a url of at
     * most FILE_URL_LEN + 2: the text grows at most this many times */
    tl_buf_init(out, MAX_EXAMPLE_FILE / (plen + 2) * (FILE_URL_LEN + 2) + MAX_EXAMPLE_FILE);
    int rc = 0;
    const char *at = text, *end = text + len;
    while (!rc && at < end) {
        const char *hit = memmem(at, (size_t)(end - at), prefix, plen);
        if (!hit) {
            rc = tl_buf_append(out, at, (size_t)(end - at));
            break;
        }
        rc = tl_buf_append(out, at, (size_t)(hit - at));
        const char *name = hit + plen;
        const char *close = memchr(name, '"', (size_t)(end - name));
        size_t name_len = close ? (size_t)(close - name) : 0;
        if (rc)
            break;
        if (!close || !name_len || name_len > TL_DEMO_MEDIA_MAX_NAME ||
            memchr(name, '\\', name_len))
            return tl_errf(eb, TL_EINVAL, "%s: a bad media placeholder", path);
        size_t i = 0;
        while (i < m->n && !(strlen(m->stored[i].name) == name_len &&
                             memcmp(m->stored[i].name, name, name_len) == 0))
            i++;
        if (i == m->n) {
            if (i == MAX_EXAMPLE_MEDIA)
                return tl_errf(eb, TL_ETOOBIG, "%s: more than %d media", path,
                               MAX_EXAMPLE_MEDIA);
            snprintf(m->stored[i].name, sizeof m->stored[i].name, "%.*s", (int)name_len, name);
            rc = m->files ? store_medium(s, sc, p, m->files, m->stored[i].name, m->stored[i].url)
                          : TL_EINVAL;
            if (rc)
                return tl_errf(eb, rc, "%s: cannot store medium '%s'", path, m->stored[i].name);
            m->n++;
        }
        rc = tl_buf_json_str(out, m->stored[i].url, strlen(m->stored[i].url));
        at = close + 1;
    }
    return rc;
}

/* Load examples/NAME/{project.json,tasks.jsonl} as a project of sc's
 * tenant with the demo annotator as member. The schema goes through the
 * same check as POST /projects, so a broken example fails the demo. */
static int load_example(struct tl_store *s, const struct tl_scope *sc, struct tl_files *files,
                        const char *dir, const char *name, struct tl_errbuf *eb) {
    char path[512];
    char *text = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/%s/project.json", dir, name);
    int rc = read_small_file(path, &text, &len);
    if (rc)
        return tl_errf(eb, rc, "%s: cannot read", path);
    json_t *j = json_loadb(text, len, 0, NULL);
    free(text);
    text = NULL;
    const json_t *jn = json_object_get(j, "name"), *js = json_object_get(j, "schema");
    const json_t *jo = json_object_get(j, "overlap");
    struct tl_schema schema;
    if (!json_is_string(jn) || (jo && !json_is_integer(jo)))
        rc = tl_errf(eb, TL_EINVAL, "%s: needs a name, a schema and an integer overlap", path);
    else if (!(rc = tl_schema_parse(js, &schema, eb)))
        tl_schema_release(&schema);
    struct tl_project p = {.overlap = jo ? (int)json_integer_value(jo) : 1,
                           .lease_seconds = 600};
    tl_quality_defaults(&p.q);
    if (!rc) {
        p.name = strdup(json_string_value(jn));
        p.schema_json = json_dumps(js, JSON_COMPACT);
        rc = p.name && p.schema_json ? tl_store_project_create(s, sc, &p) : TL_ENOMEM;
    }
    json_decref(j);
    if (!rc)
        rc = tl_store_member_add(s, sc, &p, DEMO_ANNOTATOR, TL_ROLE_ANNOTATOR, NULL);
    snprintf(path, sizeof path, "%s/%s/tasks.jsonl", dir, name);
    if (!rc && (rc = read_small_file(path, &text, &len)))
        tl_errf(eb, rc, "%s: cannot read", path);
    struct example_media media = {.files = files};
    struct tl_buf placed = {0};
    if (!rc)
        rc = place_media(s, sc, &p, &media, text, len, &placed, path, eb);
    struct tl_import im = {0};
    if (!rc)
        rc = tl_import_parse(placed.data ? placed.data : "", placed.len, false, &im, eb);
    if (!rc)
        rc = tl_store_tasks_import(s, sc, &p, im.items, im.n);
    tl_import_release(&im);
    tl_buf_release(&placed);
    free(text);
    tl_project_release(&p);
    return rc;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every folder of dir holding a project.json, in name order (a missing
 * dir loads nothing: the binary also runs outside the source tree). */
static int load_examples(struct tl_store *s, const struct tl_scope *sc, struct tl_files *files,
                         const char *dir, size_t *n_loaded, struct tl_errbuf *eb) {
    *n_loaded = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char *names[MAX_EXAMPLES];
    size_t n = 0;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        char probe[512];
        snprintf(probe, sizeof probe, "%s/%s/project.json", dir, e->d_name);
        if (e->d_name[0] == '.' || strlen(e->d_name) > MAX_EXAMPLE_NAME)
            continue;
        FILE *f = fopen(probe, "rb");
        if (!f)
            continue;
        fclose(f);
        if (n == MAX_EXAMPLES)
            rc = tl_errf(eb, TL_ETOOBIG, "%s: more than %d examples", dir, MAX_EXAMPLES);
        else if (!(names[n++] = strdup(e->d_name)))
            rc = TL_ENOMEM;
    }
    closedir(d);
    if (!rc)
        qsort(names, n, sizeof *names, cmp_name);
    for (size_t i = 0; i < n; i++) {
        if (!rc && names[i] && !(rc = load_example(s, sc, files, dir, names[i], eb)))
            (*n_loaded)++;
        free(names[i]);
    }
    return rc;
}

static int seed(struct tl_store *s, struct tl_files *files, const char *examples_dir,
                size_t *n_examples, struct tl_errbuf *eb) {
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
    tl_quality_defaults(&p.q);
    if (!rc)
        rc = tl_store_project_create(s, &sc, &p);
    if (!rc)
        rc = tl_store_member_add(s, &sc, &p, DEMO_ANNOTATOR, TL_ROLE_ANNOTATOR, NULL);
    struct tl_import im = {0};
    if (!rc)
        rc = tl_import_parse(demo_tasks, sizeof demo_tasks - 1, false, &im, eb);
    if (!rc)
        rc = tl_store_tasks_import(s, &sc, &p, im.items, im.n);
    tl_import_release(&im);
    if (!rc)
        rc = load_examples(s, &sc, files, examples_dir, n_examples, eb);
    return rc;
}

int tl_cmd_demo(int argc, char **argv) {
    static const char usage[] =
        "usage: tally demo [--data DIR] [--secret-file PATH] [--examples DIR]\n"
        "Create the demo tenant, a manager, an annotator, a small project and the\n"
        "example projects of --examples (default ./examples, skipped if absent) if the\n"
        "store has none, then print their credentials with fresh API tokens.\n";
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"secret-file", required_argument, NULL, 's'},
        {"examples", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = TL_DEFAULT_DATA, *secret_file = NULL, *examples = "examples";
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd') {
            data = optarg;
        } else if (c == 's') {
            secret_file = optarg;
        } else if (c == 'e') {
            examples = optarg;
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
    if (tl_cli_create(data, secret_file, &s))
        return 1;
    tl_id tenant_id;
    int rc = 0;
    size_t n_examples = 0;
    struct tl_errbuf eb = {{0}};
    bool is_new = tl_store_tenant_find(s, DEMO_TENANT, tenant_id) == TL_ENOTFOUND;
    struct tl_files *files = NULL;
    if (is_new && (rc = tl_files_open(data, &files)))
        tl_errf(&eb, rc, "cannot open %s/files", data);
    if (is_new && !rc)
        rc = seed(s, files, examples, &n_examples, &eb);
    tl_files_free(files);
    char manager_token[TL_TOKEN_LEN + 1], annotator_token[TL_TOKEN_LEN + 1];
    if (!rc)
        rc = tl_cli_token_for(s, DEMO_MANAGER, 0, manager_token, NULL);
    if (!rc)
        rc = tl_cli_token_for(s, DEMO_ANNOTATOR, 0, annotator_token, NULL);
    tl_store_close(s);
    if (rc) {
        fprintf(stderr, "tally: cannot set up the demo: %s%s%s\n", tl_strerror(rc),
                eb.msg[0] ? ": " : "", eb.msg);
        return 1;
    }
    /* `make run` passes the address it will serve on (TALLY_LISTEN). */
    const char *listen = getenv("TALLY_LISTEN");
    char url[300];
    snprintf(url, sizeof url, "http://%s", listen && *listen ? listen : "127.0.0.1:8080");
    printf("Tally demo (%s store in %s)\n"
           "  URL:        %s   (API under /api/v1, health at /healthz)\n"
           "  manager:    %s  password %s\n"
           "              token %s\n"
           "  annotator:  %s  password %s\n"
           "              token %s\n"
           "Try: curl -H 'Authorization: Bearer %s' %s/api/v1/projects\n",
           is_new ? "new" : "existing", data, url, DEMO_MANAGER, DEMO_MANAGER_PW, manager_token,
           DEMO_ANNOTATOR, DEMO_ANNOTATOR_PW, annotator_token, manager_token, url);
    if (n_examples)
        printf("Loaded %zu example projects from %s (see docs/schema.md)\n", n_examples, examples);
    return 0;
}
