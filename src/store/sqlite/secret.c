/* secret.c: the installation secret's file, its check value in meta, and
 * the move out of the database for older stores (see secret.h). */
#include "store/sqlite/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"

#define OLD_KEY   "secret"       /* where versions before issue 6 kept the secret */
#define CHECK_KEY "secret_check" /* the check value of the secret in use */
#define CHECK_LEN 16

/* A keyed hash of a fixed text: tells secrets apart, reveals nothing. */
static void check_of(const unsigned char secret[TL_SECRET_LEN], unsigned char out[CHECK_LEN]) {
    static const char text[] = "tally installation secret check v1";
    crypto_generichash(out, CHECK_LEN, (const unsigned char *)text, sizeof text - 1, secret,
                       TL_SECRET_LEN);
}

/* The secret in the file at path: 0, TL_ENOTFOUND (no such file, message
 * set), or another error with a message. */
static int file_read(const char *path, unsigned char out[TL_SECRET_LEN], struct tl_errbuf *eb) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tl_errf(eb, errno == ENOENT ? TL_ENOTFOUND : TL_EIO, "installation secret %s: %s",
                       path, strerror(errno));
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) != 0)
        rc = tl_errf(eb, TL_EIO, "installation secret %s: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        rc = tl_errf(eb, TL_EINVAL, "installation secret %s is not a regular file", path);
    else if (sb.st_mode & 077)
        rc = tl_errf(eb, TL_EPERM,
                     "installation secret %s is open to group or others (mode %04o);"
                     " `chmod 600` it (and consider whether it was read)",
                     path, (unsigned)(sb.st_mode & 07777));
    else if (sb.st_size != TL_SECRET_LEN)
        rc = tl_errf(eb, TL_EINVAL, "installation secret %s has %lld bytes, not %d", path,
                     (long long)sb.st_size, TL_SECRET_LEN);
    else if (tl_read_all(fd, out, TL_SECRET_LEN))
        rc = tl_errf(eb, TL_EIO, "installation secret %s: cannot read it", path);
    close(fd);
    return rc;
}

/* fsync the directory holding path, so that a new name in it is durable. */
static int sync_parent(const char *path, struct tl_errbuf *eb) {
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    if (fd >= 0)
        close(fd);
    return rc ? tl_errf(eb, TL_EIO, "cannot sync directory %s: %s", dir, strerror(errno)) : 0;
}

/* Make the file at path hold secret unless it exists: written whole and
 * fsync'd under a temporary name, then linked to path, which fails with
 * EEXIST if another process got there first (then theirs stands). 0 or an
 * error with a message; the caller reads the file back either way. */
static int file_install(const char *path, const unsigned char secret[TL_SECRET_LEN],
                        struct tl_errbuf *eb) {
    unsigned char nonce[8];
    char hex[2 * sizeof nonce + 1], tmp[PATH_MAX];
    randombytes_buf(nonce, sizeof nonce);
    sodium_bin2hex(hex, sizeof hex, nonce, sizeof nonce);
    if (snprintf(tmp, sizeof tmp, "%s.%s.tmp", path, hex) >= (int)sizeof tmp)
        return tl_errf(eb, TL_EINVAL, "installation secret path is too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return tl_errf(eb, TL_EIO, "cannot create installation secret %s: %s", tmp,
                       strerror(errno));
    int rc = tl_write_all(fd, secret, TL_SECRET_LEN) || fsync(fd) ? -1 : 0;
    if (close(fd) != 0)
        rc = -1;
    if (rc)
        rc = tl_errf(eb, TL_EIO, "cannot write installation secret %s: %s", tmp, strerror(errno));
    if (!rc && link(tmp, path) != 0 && errno != EEXIST)
        rc = tl_errf(eb, TL_EIO, "cannot create installation secret %s: %s", path, strerror(errno));
    unlink(tmp);
    return rc ? rc : sync_parent(path, eb);
}

/* meta[key] into buf: its length (copied only if it fits cap), 0 if absent,
 * or -1 on a database error. */
static int meta_get(sqlite3 *db, const char *key, unsigned char *buf, size_t cap) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int n = 0, step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        n = sqlite3_column_bytes(st, 0);
        if ((size_t)n <= cap && n > 0)
            memcpy(buf, sqlite3_column_blob(st, 0), (size_t)n);
    } else if (step != SQLITE_DONE) {
        n = -1;
    }
    sqlite3_finalize(st);
    return n;
}

static int exec(sqlite3 *db, const char *sql, struct tl_errbuf *eb) {
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    return tl_errf(eb, TL_EIO, "store: installation secret: %s", sqlite3_errmsg(db));
}

static int put_check(sqlite3 *db, const unsigned char secret[TL_SECRET_LEN], struct tl_errbuf *eb) {
    unsigned char check[CHECK_LEN];
    check_of(secret, check);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1,
                                &st, NULL);
    if (!rc) {
        sqlite3_bind_text(st, 1, CHECK_KEY, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, check, CHECK_LEN, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    return rc ? tl_errf(eb, TL_EIO, "store: cannot record the secret's check value") : 0;
}

/* The file's secret, made from want (or at random when want is NULL) if the
 * file does not exist; TL_ECONFLICT if want is given and the file holds
 * another. */
static int file_get_or_make(const char *path, const unsigned char *want,
                            unsigned char out[TL_SECRET_LEN], struct tl_errbuf *eb) {
    int rc = file_read(path, out, eb);
    if (rc == TL_ENOTFOUND) {
        unsigned char fresh[TL_SECRET_LEN];
        if (!want)
            randombytes_buf(fresh, sizeof fresh);
        rc = file_install(path, want ? want : fresh, eb);
        sodium_memzero(fresh, sizeof fresh);
        if (!rc)
            rc = file_read(path, out, eb);
    }
    if (!rc && want && sodium_memcmp(out, want, TL_SECRET_LEN) != 0)
        rc = tl_errf(eb, TL_ECONFLICT,
                     "installation secret %s differs from the one in this store's database;"
                     " move it away so the store's own can be written there",
                     path);
    return rc;
}

/* The file's secret, which must be the one whose check value the store
 * keeps (n_check bytes of check). */
static int file_checked(const char *path, const unsigned char *check, int n_check,
                        unsigned char out[TL_SECRET_LEN], struct tl_errbuf *eb) {
    int rc = file_read(path, out, eb);
    if (rc == TL_ENOTFOUND)
        return tl_errf(eb, rc,
                       "installation secret %s is missing, and this store's pseudonyms were"
                       " made with it: restore it, or name it with --secret-file",
                       path);
    unsigned char got[CHECK_LEN];
    check_of(out, got);
    if (!rc && (n_check != CHECK_LEN || sodium_memcmp(got, check, CHECK_LEN) != 0))
        rc = tl_errf(eb, TL_ECONFLICT,
                     "installation secret %s is not the one this store was made with", path);
    return rc;
}

/* The whole decision, inside the write transaction: move an old in-database
 * secret out, check the file against the store's check value, or start a
 * new store's secret. */
static int settle(sqlite3 *db, const char *path, unsigned char out[TL_SECRET_LEN],
                  struct tl_errbuf *eb) {
    unsigned char old[TL_SECRET_LEN], check[CHECK_LEN];
    int n_old = meta_get(db, OLD_KEY, old, sizeof old);
    int n_check = meta_get(db, CHECK_KEY, check, sizeof check);
    int rc = 0;
    if (n_old < 0 || n_check < 0)
        rc = tl_errf(eb, TL_EIO, "store: cannot read meta: %s", sqlite3_errmsg(db));
    else if (n_old > 0 && n_old != TL_SECRET_LEN)
        rc = tl_errf(eb, TL_EINVAL, "store: the in-database secret has %d bytes, not %d", n_old,
                     TL_SECRET_LEN);
    else if (n_old)
        /* The file first and durable, then the row: a crash between them
         * leaves both, which the next open resolves the same way. */
        rc = file_get_or_make(path, old, out, eb);
    else if (n_check)
        rc = file_checked(path, check, n_check, out, eb);
    else
        rc = file_get_or_make(path, NULL, out, eb);
    if (!rc && n_old)
        rc = exec(db, "DELETE FROM meta WHERE key = '" OLD_KEY "'", eb);
    if (!rc && (n_old || !n_check))
        rc = put_check(db, out, eb);
    sodium_memzero(old, sizeof old);
    return rc;
}

int sq_secret_load(sqlite3 *db, const char *path, unsigned char out[TL_SECRET_LEN],
                   struct tl_errbuf *eb) {
    /* The usual case (a check value, no old row) reads the file and takes no
     * write lock, so an admin command beside a busy server does not queue. */
    unsigned char check[CHECK_LEN];
    int n_old = meta_get(db, OLD_KEY, NULL, 0);
    int n_check = meta_get(db, CHECK_KEY, check, sizeof check);
    if (n_old == 0 && n_check > 0)
        return file_checked(path, check, n_check, out, eb);
    /* secure_delete: the deleted row's bytes are overwritten, not left in a
     * free page of the file for a copy to find. */
    int rc = exec(db, "PRAGMA secure_delete=ON", eb);
    if (!rc)
        rc = exec(db, "BEGIN IMMEDIATE", eb);
    if (!rc) {
        rc = settle(db, path, out, eb);
        if (!rc)
            rc = exec(db, "COMMIT", eb);
        if (rc)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_exec(db, "PRAGMA secure_delete=OFF", NULL, NULL, NULL);
    /* Fold the change into the database file now, so the old page holding
     * the secret is overwritten there too (best effort: a reader may hold the
     * WAL; the next checkpoint does it then). */
    if (!rc && n_old)
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    return rc;
}
