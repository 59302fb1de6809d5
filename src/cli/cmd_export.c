/* cmd_export.c: `tally export`: a project's export in one format to a file
 * or stdout, the same bytes as GET /api/v1/projects/{id}/export?format=F
 * (both come from bulk/export.h, annotators under the same pseudonyms).
 *
 * --out FILE is written atomically: into a temporary file beside it, which
 * is fsync'd and renamed over FILE (then the directory is fsync'd), so a
 * reader sees the old file or the whole new one, and a failed export leaves
 * neither a partial FILE nor a temporary behind. The export reads the store
 * page by page in short read transactions, so a server on the same data
 * goes on writing meanwhile. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulk/export.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/fdio.h"

static void usage(FILE *f) {
    char names[256];
    tl_exporter_names(names, sizeof names);
    fprintf(f,
            "usage: tally export [--data DIR] [--secret-file PATH] --project ID --format F\n"
            "                    [--out FILE]\n"
            "Export a project's tasks, annotations and predictions, byte for byte as the\n"
            "HTTP export gives them, to FILE (replaced atomically) or to stdout.\n"
            "  --data DIR          data directory (default ./tally-data); a server may be\n"
            "                      running on it\n"
            "  --secret-file PATH  the installation secret (default DIR/secret)\n"
            "  --project ID        the project's id, as the API shows it\n"
            "  --format F          one of: %s\n"
            "  --out FILE          write FILE instead of stdout\n"
            "A progress line goes to stderr when it is a terminal.\n",
            names);
}

/* Where the output goes: stdout, or a temporary file to rename over out. */
struct sink {
    int fd;
    const char *out; /* NULL: stdout */
    char tmp[PATH_MAX];
};

/* The temporary file of the export in progress, for on_signal: an
 * interrupted export (Ctrl-C, kill) must not leave it behind either. */
static char pending_tmp[PATH_MAX];
static volatile sig_atomic_t has_pending_tmp;

static void on_signal(int sig) {
    if (has_pending_tmp)
        unlink(pending_tmp); /* async-signal-safe, as is the rest */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void watch_signals(const char *tmp) {
    memcpy(pending_tmp, tmp, strlen(tmp) + 1);
    has_pending_tmp = 1;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

static int sink_open(struct sink *k, const char *out) {
    k->out = out;
    k->fd = 1;
    if (!out)
        return 0;
    if (snprintf(k->tmp, sizeof k->tmp, "%s.tmp-XXXXXX", out) >= (int)sizeof k->tmp) {
        errno = ENAMETOOLONG;
        return TL_EIO;
    }
    k->fd = mkostemp(k->tmp, O_CLOEXEC);
    if (k->fd < 0)
        return TL_EIO;
    watch_signals(k->tmp);
    return 0;
}

/* fsync the directory holding path, so that the rename in it is durable. */
static int sync_dir_of(const char *path) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : TL_EIO;
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Finish the output: on success (ok) make it FILE; otherwise leave no
 * trace. 0, or TL_EIO with errno set. */
static int sink_close(struct sink *k, bool ok) {
    if (!k->out)
        return 0;
    int rc = ok && fsync(k->fd) ? TL_EIO : 0;
    int saved = errno;
    if (close(k->fd) && ok && !rc) {
        rc = TL_EIO;
        saved = errno;
    }
    if (ok && !rc && rename(k->tmp, k->out)) {
        rc = TL_EIO;
        saved = errno;
    }
    if (!ok || rc)
        unlink(k->tmp);
    /* only now: a signal after the rename unlinks a name that is gone */
    has_pending_tmp = 0;
    if (!ok || rc) {
        errno = saved;
        return rc;
    }
    return sync_dir_of(k->out);
}

/* Write every piece of x to k: 0, or an error (TL_EIO with *write_errno
 * set when writing failed). */
static int pump(struct tl_bulk_export *x, struct sink *k, struct tl_progress *pg,
                int *write_errno) {
    struct tl_buf out;
    tl_buf_init(&out, 0); /* the exporter sets the ceiling task by task */
    int64_t bytes = 0;
    int rc = 0;
    for (;;) {
        bool is_done;
        tl_buf_reset(&out);
        if ((rc = tl_bulk_export_next(x, &out, &is_done)) || is_done)
            break;
        if (tl_write_all(k->fd, out.data, out.len)) {
            *write_errno = errno;
            rc = TL_EIO;
            break;
        }
        bytes += (int64_t)out.len;
        tl_progress_update(pg, x->n_tasks, bytes);
    }
    tl_progress_end(pg, x->n_tasks, bytes);
    tl_buf_release(&out);
    return rc;
}

static int run(const struct tl_cli_project_args *a) {
    struct tl_store *s;
    struct tl_project p;
    struct tl_scope sc;
    if (tl_cli_open_project("export", a, &s, &p, &sc))
        return 1;
    struct tl_errbuf eb = {{0}};
    struct tl_bulk_export x;
    int rc = tl_bulk_export_open(&x, s, &sc, &p, a->format, &eb);
    tl_project_release(&p);
    if (rc) {
        fprintf(stderr, "tally export: %s\n", eb.msg[0] ? eb.msg : tl_strerror(rc));
        tl_store_close(s);
        return 1;
    }
    struct sink k = {0};
    if (sink_open(&k, a->out)) {
        fprintf(stderr, "tally export: cannot create a file beside %s: %s\n", a->out,
                strerror(errno));
        rc = TL_EIO;
    } else {
        struct tl_progress pg;
        tl_progress_init(&pg, "exporting", "tasks", stderr, isatty(2), tl_clock_mono_us);
        int write_errno = 0;
        rc = pump(&x, &k, &pg, &write_errno);
        if (write_errno)
            fprintf(stderr, "tally export: cannot write %s: %s\n", a->out ? a->out : "stdout",
                    strerror(write_errno));
        else if (rc)
            fprintf(stderr, "tally export: export failed: %s\n", tl_strerror(rc));
        if (sink_close(&k, rc == 0) && !rc) {
            fprintf(stderr, "tally export: cannot write %s: %s\n", a->out, strerror(errno));
            rc = TL_EIO;
        }
    }
    tl_bulk_export_release(&x);
    tl_store_close(s);
    return rc ? 1 : 0;
}

int tl_cmd_export(int argc, char **argv) {
    struct tl_cli_project_args a;
    int rc = tl_cli_project_args("export", argc, argv, true, usage, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!a.format) {
        fprintf(stderr, "tally export: --format F is required\n");
        usage(stderr);
        return 2;
    }
    if (a.out && !*a.out) {
        fprintf(stderr, "tally export: --out needs a file name\n");
        return 2;
    }
    return run(&a);
}
