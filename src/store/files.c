/* files.c: media bytes on disk by opaque id (see files.h). Every path is
 * relative to the directory's descriptor, so no name can leave it. */
#include "store/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"

#define TEMP_PREFIX ".tmp-"

struct tl_files {
    int dir_fd;
};

/* Delete every temporary file: their uploads can never finish now. Bounded
 * by the directory's size; the ids themselves are left alone. */
static void remove_stale(int dir_fd) {
    int fd = dup(dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d));)
        if (!strncmp(e->d_name, TEMP_PREFIX, sizeof TEMP_PREFIX - 1))
            unlinkat(dir_fd, e->d_name, 0);
    closedir(d);
}

int tl_files_open(const char *data_dir, struct tl_files **out) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/files", data_dir) >= (int)sizeof path)
        return TL_EINVAL;
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return TL_EIO;
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return TL_EIO;
    if ((sb.st_mode & 077) && sb.st_uid == geteuid() && chmod(path, 0700) != 0)
        return TL_EIO;
    struct tl_files *f = malloc(sizeof *f);
    if (!f)
        return TL_ENOMEM;
    f->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f->dir_fd < 0) {
        free(f);
        return TL_EIO;
    }
    remove_stale(f->dir_fd);
    *out = f;
    return 0;
}

void tl_files_free(struct tl_files *f) {
    if (!f)
        return;
    close(f->dir_fd);
    free(f);
}

int tl_files_temp(struct tl_files *f, int *fd, char tmp_name[TL_FILES_TEMP_NAME]) {
    tl_id id;
    tl_id_new(id);
    snprintf(tmp_name, TL_FILES_TEMP_NAME, TEMP_PREFIX "%s", id);
    *fd = openat(f->dir_fd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    return *fd < 0 ? TL_EIO : 0;
}

int tl_files_commit(struct tl_files *f, int fd, const char *tmp_name, const char *id) {
    if (!tl_id_valid(id, strlen(id)))
        return TL_EINVAL;
    if (fsync(fd) != 0 || renameat(f->dir_fd, tmp_name, f->dir_fd, id) != 0)
        return TL_EIO;
    /* the rename itself must survive a crash, or the row would name nothing */
    return fsync(f->dir_fd) != 0 ? TL_EIO : 0;
}

void tl_files_discard(struct tl_files *f, const char *tmp_name) {
    if (tmp_name[0])
        unlinkat(f->dir_fd, tmp_name, 0);
}

void tl_files_remove(struct tl_files *f, const char *id) {
    if (tl_id_valid(id, strlen(id)))
        unlinkat(f->dir_fd, id, 0);
}

int tl_files_open_read(struct tl_files *f, const char *id, int *fd, uint64_t *size) {
    if (!tl_id_valid(id, strlen(id)))
        return TL_EINVAL;
    *fd = openat(f->dir_fd, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0)
        return errno == ENOENT ? TL_ENOTFOUND : TL_EIO;
    struct stat sb;
    if (fstat(*fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(*fd);
        *fd = -1;
        return TL_EIO;
    }
    *size = (uint64_t)sb.st_size;
    return 0;
}
