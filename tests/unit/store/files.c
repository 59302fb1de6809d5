/* Tests for src/store/files.c and the file rows of the SQLite backend:
 * bytes land 0600 under DATA/files by id only, temporaries left by a crash
 * go at the next open, a name that is not an id never reaches the file
 * system, and a file row is reached only inside its project and tenant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "store/files.h"
#include "store/store.h"
#include "fixture.h"

struct fx {
    char dir[64];
    struct tl_store *s;
    struct tl_files *files;
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (store_fx_open(f->dir, &f->s) || tl_files_open(f->dir, &f->files))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    tl_files_free(f->files);
    tl_store_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static mode_t mode_of(const char *dir, const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/files/%s", dir, name);
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_mode & 07777 : (mode_t)-1;
}

static void test_commit_and_read_back(void **state) {
    struct fx *f = *state;
    assert_int_equal(mode_of(f->dir, "."), 0700);
    int fd;
    char tmp[TL_FILES_TEMP_NAME];
    assert_int_equal(tl_files_temp(f->files, &fd, tmp), 0);
    assert_int_equal(mode_of(f->dir, tmp), 0600);
    assert_int_equal(write(fd, "GIF89a", 6), 6);
    tl_id id;
    tl_id_new(id);
    assert_int_equal(tl_files_commit(f->files, fd, tmp, id), 0);
    close(fd);
    assert_int_equal(mode_of(f->dir, tmp), (mode_t)-1);
    assert_int_equal(mode_of(f->dir, id), 0600);
    uint64_t size;
    assert_int_equal(tl_files_open_read(f->files, id, &fd, &size), 0);
    assert_int_equal(size, 6);
    close(fd);
    tl_files_remove(f->files, id);
    assert_int_equal(tl_files_open_read(f->files, id, &fd, &size), TL_ENOTFOUND);
}

static void test_files_path_names_refused(void **state) {
    struct fx *f = *state;
    int fd;
    uint64_t size;
    const char *bad[] = {"../tally.db",
                         "..",
                         ".",
                         "/etc/passwd",
                         "",
                         "secret",
                         "0190b5a0-0000-7000-8000-00000000000/",
                         ".tmp-x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tl_files_open_read(f->files, bad[i], &fd, &size), TL_EINVAL);
}

static void test_stale_temporaries_removed_on_open(void **state) {
    struct fx *f = *state;
    int fd;
    char tmp[TL_FILES_TEMP_NAME];
    assert_int_equal(tl_files_temp(f->files, &fd, tmp), 0);
    close(fd);
    tl_files_free(f->files);
    assert_int_equal(tl_files_open(f->dir, &f->files), 0);
    assert_int_equal(mode_of(f->dir, tmp), (mode_t)-1);
}


static void project(struct tl_store *s, const struct tl_scope *sc, struct tl_project *p) {
    memset(p, 0, sizeof *p);
    p->name = strdup("p");
    p->schema_json = strdup("{}");
    p->overlap = 1;
    p->lease_seconds = 60;
    assert_int_equal(tl_store_project_create(s, sc, p), 0);
}

static void test_file_rows_scoped(void **state) {
    struct fx *f = *state;
    tl_id ta, tb;
    assert_int_equal(tl_store_tenant_create(f->s, "a", ta), 0);
    assert_int_equal(tl_store_tenant_create(f->s, "b", tb), 0);
    struct tl_scope ma = store_fx_user(f->s, ta, "ma@x", TL_ROLE_MANAGER);
    struct tl_scope mb = store_fx_user(f->s, tb, "mb@x", TL_ROLE_MANAGER);
    struct tl_project pa, pa2, pb;
    project(f->s, &ma, &pa);
    project(f->s, &ma, &pa2);
    project(f->s, &mb, &pb);
    struct tl_file file = {.content_type = "image/png", .size = 10};
    tl_id_new(file.id);
    /* another tenant's manager cannot attach a file to this project */
    assert_int_equal(tl_store_file_create(f->s, &mb, &pa, &file), TL_ENOTFOUND);
    assert_int_equal(tl_store_file_create(f->s, &ma, &pa, &file), 0);
    assert_int_equal(tl_store_file_create(f->s, &ma, &pa, &file), TL_EEXIST);

    struct tl_file out;
    struct tl_filter fa = {.tenant_pk = ma.tenant_pk}, fb = {.tenant_pk = mb.tenant_pk};
    assert_int_equal(tl_store_file_get(f->s, &fa, &pa, file.id, &out), 0);
    assert_string_equal(out.content_type, "image/png");
    assert_int_equal(out.size, 10);
    assert_int_equal(tl_store_file_get(f->s, &fa, &pa2, file.id, &out), TL_ENOTFOUND);
    assert_int_equal(tl_store_file_get(f->s, &fb, &pa, file.id, &out), TL_ENOTFOUND);
    assert_int_equal(tl_store_file_get(f->s, &fb, &pb, file.id, &out), TL_ENOTFOUND);
    struct tl_filter none = {0};
    assert_int_equal(tl_store_file_get(f->s, &none, &pa, file.id, &out), TL_ENOTFOUND);
    tl_project_release(&pa);
    tl_project_release(&pa2);
    tl_project_release(&pb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_path_names_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_temporaries_removed_on_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_rows_scoped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
