/* Tests for src/store/sqlite/secret.c and the file handling of
 * tl_store_open_sqlite (weakness 9 of issue 6): the secret lives in its own
 * 0600 file and never in the database, an older store's in-database secret
 * is moved out unchanged, a missing, foreign, wrong-sized or open secret file
 * is refused, two openers of a new store agree, and the data directory and
 * database files are private. Includes the .c to reach the file helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/sqlite/secret.c"
#include "store/store.h"

struct fx {
    char dir[64], secret[128], db[128];
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tally-secret-XXXXXX");
    if (!f || !mkdtemp(f->dir) || tl_crypto_init())
        return -1;
    snprintf(f->secret, sizeof f->secret, "%s/secret", f->dir);
    snprintf(f->db, sizeof f->db, "%s/tally.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    return rc ? -1 : 0;
}

/* Open the store in f->dir (secret_path NULL: the default) and copy its
 * secret to out; returns the open's error code. */
static int open_close(const struct fx *f, const char *secret_path, unsigned char *out) {
    struct tl_store_opts opts = {.is_admin_client = true, .secret_path = secret_path};
    struct tl_store *s = NULL;
    struct tl_errbuf eb = {{0}};
    int rc = tl_store_open_sqlite(f->dir, &opts, &s, &eb);
    if (!rc) {
        if (out)
            memcpy(out, tl_store_secret(s), TL_SECRET_LEN);
        tl_store_close(s);
    } else {
        assert_true(eb.msg[0] != '\0'); /* every refusal says why */
    }
    return rc;
}

static void sql(const struct fx *f, const char *text) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int count_rows(const struct fx *f, const char *key) {
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM meta WHERE key = ?1", -1, &st, NULL), 0);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void write_file(const char *path, const unsigned char *bytes, size_t n, mode_t mode) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, n, fp), n);
    fclose(fp);
    assert_int_equal(chmod(path, mode), 0);
}

static void read_file(const char *path, unsigned char *out, size_t n) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(out, 1, n, fp), n);
    fclose(fp);
}

static bool file_contains(const char *path, const unsigned char *needle, size_t n) {
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    static unsigned char buf[4 << 20];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(buf + i, needle, n))
            return true;
    return false;
}

static mode_t mode_of(const char *path) {
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return sb.st_mode & 07777;
}

static void test_new_store_keeps_its_secret_in_a_private_file(void **state) {
    struct fx *f = *state;
    assert_int_equal(chmod(f->dir, 0755), 0); /* pre-made open, as by hand */
    unsigned char first[TL_SECRET_LEN], again[TL_SECRET_LEN], on_disk[TL_SECRET_LEN];
    assert_int_equal(open_close(f, NULL, first), 0);
    assert_int_equal(mode_of(f->dir), 0700);
    assert_int_equal(mode_of(f->db), 0600);
    assert_int_equal(mode_of(f->secret), 0600);
    read_file(f->secret, on_disk, sizeof on_disk);
    assert_memory_equal(first, on_disk, TL_SECRET_LEN);
    assert_int_equal(count_rows(f, "secret"), 0);
    assert_int_equal(count_rows(f, "secret_check"), 1);
    assert_false(file_contains(f->db, first, TL_SECRET_LEN));
    assert_int_equal(open_close(f, NULL, again), 0);
    assert_memory_equal(first, again, TL_SECRET_LEN);
}

static void test_existing_database_files_are_made_private(void **state) {
    struct fx *f = *state;
    assert_int_equal(open_close(f, NULL, NULL), 0);
    char wal[256];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    write_file(wal, (const unsigned char *)"", 0, 0644); /* an empty WAL: harmless */
    assert_int_equal(chmod(f->db, 0644), 0);
    assert_int_equal(open_close(f, NULL, NULL), 0);
    assert_int_equal(mode_of(f->db), 0600);
    struct stat sb;
    if (stat(wal, &sb) == 0) /* SQLite may have removed it at close */
        assert_int_equal(sb.st_mode & 0777, 0600);
}

/* Turn f's store into what versions before issue 6 left: the secret in meta
 * "secret", no check value, no secret file. */
static void make_old_store(const struct fx *f, const unsigned char secret[TL_SECRET_LEN]) {
    char hex[2 * TL_SECRET_LEN + 1], text[256];
    sodium_bin2hex(hex, sizeof hex, secret, TL_SECRET_LEN);
    snprintf(text, sizeof text,
             "DELETE FROM meta WHERE key = 'secret_check';"
             " INSERT INTO meta(key, value) VALUES('secret', x'%s');",
             hex);
    sql(f, text);
    unlink(f->secret);
}

static void test_weakness9_upgrade_moves_the_secret_out_unchanged(void **state) {
    struct fx *f = *state;
    unsigned char old[TL_SECRET_LEN], now[TL_SECRET_LEN], on_disk[TL_SECRET_LEN];
    assert_int_equal(open_close(f, NULL, NULL), 0);
    randombytes_buf(old, sizeof old);
    make_old_store(f, old);
    assert_true(file_contains(f->db, old, TL_SECRET_LEN)); /* the test sees it */
    assert_int_equal(open_close(f, NULL, now), 0);
    assert_memory_equal(now, old, TL_SECRET_LEN); /* pseudonyms stay */
    read_file(f->secret, on_disk, sizeof on_disk);
    assert_memory_equal(on_disk, old, TL_SECRET_LEN);
    assert_int_equal(mode_of(f->secret), 0600);
    assert_int_equal(count_rows(f, "secret"), 0);
    /* Deleted for real: no copy of the bytes is left in the file. */
    assert_false(file_contains(f->db, old, TL_SECRET_LEN));
    assert_int_equal(open_close(f, NULL, now), 0);
    assert_memory_equal(now, old, TL_SECRET_LEN);
}

static void test_upgrade_interrupted_after_the_file_was_written(void **state) {
    struct fx *f = *state;
    unsigned char old[TL_SECRET_LEN], now[TL_SECRET_LEN];
    assert_int_equal(open_close(f, NULL, NULL), 0);
    randombytes_buf(old, sizeof old);
    make_old_store(f, old);
    write_file(f->secret, old, sizeof old, 0600); /* the file, but the row too */
    assert_int_equal(open_close(f, NULL, now), 0);
    assert_memory_equal(now, old, TL_SECRET_LEN);
    assert_int_equal(count_rows(f, "secret"), 0);
}

static void test_upgrade_refuses_a_different_file(void **state) {
    struct fx *f = *state;
    unsigned char old[TL_SECRET_LEN], other[TL_SECRET_LEN];
    assert_int_equal(open_close(f, NULL, NULL), 0);
    randombytes_buf(old, sizeof old);
    randombytes_buf(other, sizeof other);
    make_old_store(f, old);
    write_file(f->secret, other, sizeof other, 0600);
    assert_int_equal(open_close(f, NULL, NULL), TL_ECONFLICT);
    assert_int_equal(count_rows(f, "secret"), 1); /* nothing lost */
}

static void test_bad_secret_files_are_refused(void **state) {
    struct fx *f = *state;
    unsigned char secret[TL_SECRET_LEN], other[TL_SECRET_LEN + 1];
    assert_int_equal(open_close(f, NULL, secret), 0);
    char elsewhere[256];
    snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", f->dir);
    /* missing: an existing store never gets a new secret by accident */
    assert_int_equal(open_close(f, elsewhere, NULL), TL_ENOTFOUND);
    unlink(f->secret);
    assert_int_equal(open_close(f, NULL, NULL), TL_ENOTFOUND);
    assert_int_equal(access(f->secret, F_OK), -1);
    /* open to others */
    write_file(f->secret, secret, sizeof secret, 0640);
    assert_int_equal(open_close(f, NULL, NULL), TL_EPERM);
    /* wrong size */
    randombytes_buf(other, sizeof other);
    write_file(f->secret, other, sizeof other, 0600);
    assert_int_equal(open_close(f, NULL, NULL), TL_EINVAL);
    /* another store's */
    write_file(f->secret, other, TL_SECRET_LEN, 0600);
    assert_int_equal(open_close(f, NULL, NULL), TL_ECONFLICT);
    /* the right one, also under another name */
    write_file(elsewhere, secret, sizeof secret, 0600);
    unsigned char got[TL_SECRET_LEN];
    assert_int_equal(open_close(f, elsewhere, got), 0);
    assert_memory_equal(got, secret, TL_SECRET_LEN);
}

static void test_secret_file_elsewhere_for_a_new_store(void **state) {
    struct fx *f = *state;
    char elsewhere[256];
    snprintf(elsewhere, sizeof elsewhere, "%s/keys", f->dir);
    assert_int_equal(mkdir(elsewhere, 0700), 0);
    snprintf(elsewhere + strlen(elsewhere), sizeof elsewhere - strlen(elsewhere), "/tally");
    struct fx g = *f;
    snprintf(g.dir, sizeof g.dir, "%.40s/data", f->dir);
    snprintf(g.db, sizeof g.db, "%.40s/data/tally.db", f->dir);
    const char *data = g.dir;
    unsigned char a[TL_SECRET_LEN], b[TL_SECRET_LEN];
    assert_int_equal(open_close(&g, elsewhere, a), 0);
    assert_int_equal(mode_of(elsewhere), 0600);
    char in_data[256];
    snprintf(in_data, sizeof in_data, "%s/secret", data);
    assert_int_equal(access(in_data, F_OK), -1); /* not beside the data */
    assert_int_equal(open_close(&g, elsewhere, b), 0);
    assert_memory_equal(a, b, TL_SECRET_LEN);
}

#define RACERS 8

struct race {
    const char *path;
    pthread_barrier_t start;
    unsigned char got[RACERS][TL_SECRET_LEN];
    int rc[RACERS];
};

struct racer_arg {
    struct race *r;
    int i;
};

static void *racer(void *arg) {
    struct racer_arg *a = arg;
    struct tl_errbuf eb;
    pthread_barrier_wait(&a->r->start);
    a->r->rc[a->i] = file_get_or_make(a->r->path, NULL, a->r->got[a->i], &eb);
    return NULL;
}

/* Processes creating a new store's secret at once all end up with one. */
static void test_concurrent_creators_agree(void **state) {
    struct fx *f = *state;
    struct race r = {.path = f->secret};
    pthread_barrier_init(&r.start, NULL, RACERS);
    pthread_t t[RACERS];
    struct racer_arg args[RACERS];
    for (int i = 0; i < RACERS; i++) {
        args[i] = (struct racer_arg){&r, i};
        assert_int_equal(pthread_create(&t[i], NULL, racer, &args[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&r.start);
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(r.rc[i], 0);
        assert_memory_equal(r.got[i], r.got[0], TL_SECRET_LEN);
    }
    /* and no temporary file is left behind */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1", f->dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_store_keeps_its_secret_in_a_private_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_existing_database_files_are_made_private, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_weakness9_upgrade_moves_the_secret_out_unchanged,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_interrupted_after_the_file_was_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_refuses_a_different_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_secret_files_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_file_elsewhere_for_a_new_store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_creators_agree, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
