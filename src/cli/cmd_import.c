/* cmd_import.c: `tally import`: tasks from a file (or stdin) into a
 * project, through the same batched, all-or-nothing pipeline as the HTTP
 * import (bulk/import.h), with the same checks and messages.
 *
 * The file is read in pieces of READ_CHUNK bytes and never held whole:
 * memory is one batch being parsed, one being written and one item, for a
 * file of any size. The store's writes are asynchronous (its writer thread
 * commits them); this command simply blocks until each is done.
 *
 * Beside a running server: both processes write the same SQLite database in
 * WAL mode; each write transaction waits up to the store's busy timeout
 * (10 s) for the other's to end. Staged batches are invisible to the server
 * and the commit is one transaction, so the server sees all the tasks or
 * none. A server that *starts* during the import deletes the staged rows
 * it finds; the commit notices (tl_store_import_commit counts them) and the
 * import fails whole. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bulk/import.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "core/clock.h"

#define READ_CHUNK (1u << 20)
/* The largest task (one line, array item or CSV record): the server's
 * default import body ceiling, so anything one HTTP import takes fits. */
#define IMPORT_MAX_ITEM ((size_t)64 << 20)

static void usage(FILE *f) {
    fprintf(f, "usage: tally import [--data DIR] [--secret-file PATH] --project ID\n"
               "                    [--format jsonl|json|csv] FILE\n"
               "Import tasks into a project from FILE (- for stdin), all or nothing: one bad\n"
               "line stores nothing and names the line. Prints `imported N tasks`.\n"
               "  --data DIR          data directory (default ./tally-data); a server may be\n"
               "                      running on it\n"
               "  --secret-file PATH  the installation secret (default DIR/secret)\n"
               "  --project ID        the project's id, as the API shows it\n"
               "  --format F          jsonl (JSON Lines), json (one array) or csv (a header,\n"
               "                      then one task per row); default from FILE's extension\n"
               "                      (.jsonl/.ndjson, .json, .csv), jsonl for stdin\n"
               "A progress line goes to stderr when it is a terminal.\n");
}

/* The import format named (jsonl, json, csv; ndjson too as an extension):
 * 0, or TL_EINVAL. */
static int format_named(const char *name, bool is_extension, enum tl_import_format *out) {
    if (!strcasecmp(name, "jsonl") || (is_extension && !strcasecmp(name, "ndjson")))
        *out = TL_IMPORT_LINES;
    else if (!strcasecmp(name, "json"))
        *out = TL_IMPORT_ARRAY;
    else if (!strcasecmp(name, "csv"))
        *out = TL_IMPORT_CSV;
    else
        return TL_EINVAL;
    return 0;
}

/* The import format from --format, else from path's extension (stdin:
 * jsonl): 0, or 2 after saying why not. */
static int pick_format(const char *format, const char *path, enum tl_import_format *out) {
    if (format) {
        if (!format_named(format, false, out))
            return 0;
        fprintf(stderr, "tally import: --format must be jsonl, json or csv\n");
        return 2;
    }
    if (!strcmp(path, "-")) {
        *out = TL_IMPORT_LINES;
        return 0;
    }
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash) && !format_named(dot + 1, true, out))
        return 0;
    fprintf(stderr,
            "tally import: cannot tell the format of '%s' from its name:"
            " pass --format jsonl|json|csv\n",
            path);
    return 2;
}

/* Feed all of data, waiting for the store whenever a full batch must. */
static int feed_all(struct tl_bulk_import *g, const char *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        size_t used;
        int rc = tl_bulk_import_feed(g, data + off, len - off, &used);
        if (rc)
            return rc;
        off += used;
        if (off < len)
            tl_bulk_import_wait(g);
    }
    return 0;
}

static int finish(struct tl_bulk_import *g) {
    for (;;) {
        bool is_waiting;
        int rc = tl_bulk_import_end(g, &is_waiting);
        if (rc || !is_waiting)
            return rc;
        tl_bulk_import_wait(g);
    }
}

/* Read fd to its end through g: 0, or an error: g's, or with
 * *read_errno set (non-zero) when reading fd failed. */
static int pump(int fd, struct tl_bulk_import *g, struct tl_progress *pg, int64_t *bytes,
                int *read_errno) {
    char *buf = malloc(READ_CHUNK);
    if (!buf)
        return TL_ENOMEM;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *read_errno = errno;
            rc = TL_EIO;
            break;
        }
        if (n == 0)
            break;
        *bytes += n;
        if ((rc = feed_all(g, buf, (size_t)n)))
            break;
        tl_progress_update(pg, (int64_t)tl_bulk_import_count(g), *bytes);
    }
    free(buf);
    return rc ? rc : finish(g);
}

static int run(const struct tl_cli_project_args *a, enum tl_import_format format, int fd) {
    struct tl_store *s;
    struct tl_project p;
    struct tl_scope sc;
    if (tl_cli_open_project("import", a, &s, &p, &sc))
        return 1;
    struct tl_errbuf eb = {{0}};
    struct tl_bulk_import *g;
    int rc = tl_bulk_import_new(s, &sc, &p, format, IMPORT_MAX_ITEM, &g, &eb);
    tl_project_release(&p);
    int64_t bytes = 0;
    struct tl_progress pg;
    tl_progress_init(&pg, "importing", "tasks", stderr, isatty(2), tl_clock_mono_us);
    if (rc) {
        fprintf(stderr, "tally import: %s\n", eb.msg[0] ? eb.msg : tl_strerror(rc));
    } else {
        int read_errno = 0;
        rc = pump(fd, g, &pg, &bytes, &read_errno);
        tl_progress_end(&pg, (int64_t)tl_bulk_import_count(g), bytes);
        if (read_errno)
            fprintf(stderr, "tally import: cannot read %s: %s; nothing was imported\n", a->operand,
                    strerror(read_errno));
        else if (rc)
            fprintf(stderr, "tally import: %s; nothing was imported\n",
                    g->eb.msg[0] ? g->eb.msg : tl_strerror(rc));
        else
            printf("imported %zu tasks\n", tl_bulk_import_count(g));
    }
    tl_bulk_import_free(g); /* clears what was staged, committed or not */
    tl_store_close(s);      /* waits for the queued writes */
    return rc ? 1 : 0;
}

int tl_cmd_import(int argc, char **argv) {
    struct tl_cli_project_args a;
    int rc = tl_cli_project_args("import", argc, argv, false, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    enum tl_import_format format;
    if ((rc = pick_format(a.format, a.operand, &format)))
        return rc;
    int fd = strcmp(a.operand, "-") ? open(a.operand, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) {
        fprintf(stderr, "tally import: cannot open %s: %s\n", a.operand, strerror(errno));
        return 1;
    }
    rc = run(&a, format, fd);
    if (fd != 0)
        close(fd);
    return rc;
}
