/* files.c: media files of a project.
 *
 * POST /api/v1/projects/{id}/files (managers): the raw body is the file,
 * its Content-Type one of core/media.h's allowlist, its first bytes the
 * magic of that type (415 otherwise), at most --max-file-body bytes (413,
 * decided by the http layer: a FILE route). The body is streamed to a
 * temporary file under DATA/files as it arrives; once complete, the fsync
 * and rename to a fresh UUIDv7 and the row's write run on the API's slow
 * pool with the request suspended (an fsync of a few hundred MiB can take
 * seconds, and would stall every connection of an event-loop thread).
 * Answers 201 {"id","url"}. A refused, failed or cut-off upload leaves no
 * file and no row: upload_free runs however the request ends and deletes
 * the temporary file; a committed file whose row could not be written is
 * deleted by the job itself.
 *
 * GET /api/v1/projects/{id}/files/{file} (project staff and members; 404
 * for anyone else, exactly as for the project): the file row is fetched
 * inside the project the policy fetched through the caller's filter, and
 * the bytes are sent from the descriptor with Range support (http.h), under
 * the stored canonical type, never the client's, with nosniff (every
 * response has it) and inline only for the allowlisted media types.
 *
 * The server never fetches a URL: task data may hold these urls or any
 * http(s) URL, and only the labeler's browser loads them. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "core/fdio.h"
#include "core/media.h"

#define FILE_URL_FMT "/api/v1/projects/%s/files/%s"

/* BODY: receiving; SYNCING: the job is on the slow pool; DONE: job over. */
enum upload_phase { U_BODY, U_SYNCING, U_DONE };

struct upload {
    struct tl_api *a;
    struct tl_http_req *r;     /* alive while suspended: only the job resumes it */
    const struct tl_scope *sc; /* the request's call state: lives as long */
    const struct tl_project *p;
    enum upload_phase phase;
    const char *type;                  /* canonical, static */
    int fd;                            /* the temporary file, -1 once closed */
    char tmp_name[TL_FILES_TEMP_NAME]; /* "" once renamed or deleted */
    unsigned char head[TL_MEDIA_SNIFF_LEN];
    size_t head_len;
    bool is_sniffed;
    int64_t size;
    /* a refusal decided while the body arrives, answered once it is in */
    unsigned refused_status;
    const char *refused_code, *refused_msg;
    int rc; /* set by the job */
    struct tl_file f;
};

static void upload_free(void *state) {
    struct upload *u = state;
    if (u->fd >= 0)
        close(u->fd);
    if (u->a->files)
        tl_files_discard(u->a->files, u->tmp_name);
    free(u);
}

/* Stop keeping the body: delete what was written and answer `status` once
 * the rest has been read and dropped. */
static void refuse(struct upload *u, unsigned status, const char *code, const char *msg) {
    if (u->refused_status)
        return;
    u->refused_status = status;
    u->refused_code = code;
    u->refused_msg = msg;
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
    if (u->a->files)
        tl_files_discard(u->a->files, u->tmp_name);
    u->tmp_name[0] = '\0';
}

static void keep(struct upload *u, const void *data, size_t len) {
    if (!u->refused_status && len && tl_write_all(u->fd, data, len))
        refuse(u, 500, "storage", "cannot write the file");
}

/* Decide the magic bytes on what came so far (all of it once the body is
 * over) and write the head out. */
static void sniff(struct upload *u) {
    u->is_sniffed = true;
    if (!tl_media_sniff(u->type, u->head, u->head_len)) {
        refuse(u, 415, "unsupported_media_type",
               "the body does not start like its Content-Type says");
        return;
    }
    keep(u, u->head, u->head_len);
}

/* The first body bytes: the type, and a temporary file to hold them. */
static struct upload *upload_begin(struct tl_api *a, struct tl_http_req *r) {
    struct tl_api_call *c = tl_api_call(r);
    struct upload *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->a = a;
    u->r = r;
    u->sc = &c->sc;
    u->p = &c->p;
    u->fd = -1;
    c->state = u;
    c->free_state = upload_free;
    u->type = tl_media_allowed(tl_http_header(r, "Content-Type"));
    if (!a->files)
        refuse(u, 503, "unavailable", "file storage is not configured");
    else if (!u->type)
        refuse(u, 415, "unsupported_media_type",
               "Content-Type must be one of image/png, image/jpeg, image/gif, image/webp, "
               "audio/wav, audio/mpeg, audio/ogg, audio/flac, audio/webm, video/mp4, "
               "video/webm");
    else if (tl_files_temp(a->files, &u->fd, u->tmp_name))
        refuse(u, 500, "storage", "cannot create the file");
    return u;
}

size_t tl_api_files_upload_chunk(void *app, struct tl_http_req *r, const char *data, size_t len) {
    struct tl_api_call *c = tl_api_call(r);
    struct upload *u = c->state ? c->state : upload_begin(app, r);
    if (!u) {
        tl_api_fail(r, TL_ENOMEM, NULL);
        return len;
    }
    if (u->refused_status)
        return len; /* read and dropped: the answer waits for the body's end */
    u->size += (int64_t)len;
    if (!u->is_sniffed) {
        size_t take = sizeof u->head - u->head_len < len ? sizeof u->head - u->head_len : len;
        memcpy(u->head + u->head_len, data, take);
        u->head_len += take;
        data += take;
        if (u->head_len < sizeof u->head)
            return len;
        sniff(u);
        keep(u, data, len - take);
        return len;
    }
    keep(u, data, len);
    return len;
}

/* On the slow pool: make the file durable under a fresh id, then its row. */
static void upload_job(void *arg) {
    struct upload *u = arg;
    tl_id_new(u->f.id);
    snprintf(u->f.content_type, sizeof u->f.content_type, "%s", u->type);
    u->f.size = u->size;
    int rc = tl_files_commit(u->a->files, u->fd, u->tmp_name, u->f.id);
    if (!rc) {
        u->tmp_name[0] = '\0'; /* renamed: nothing temporary left */
        rc = tl_store_file_create(u->a->store, u->sc, u->p, &u->f);
        if (rc)
            tl_files_remove(u->a->files, u->f.id);
    }
    u->rc = rc;
    u->phase = U_DONE;
    tl_http_resume(u->r);
}

static void upload_answer(struct tl_http_req *r, struct upload *u) {
    if (u->rc == TL_ELIMIT) {
        tl_http_set_retry_after(r, 1);
        tl_http_respond_error(r, 503, "busy", "too many uploads finishing at once; try again");
        return;
    }
    if (u->rc) {
        tl_api_fail(r, u->rc, NULL);
        return;
    }
    char url[sizeof FILE_URL_FMT + 2 * TL_ID_LEN];
    snprintf(url, sizeof url, FILE_URL_FMT, u->p->id, u->f.id);
    tl_http_respond_json(r, 201,
                         json_pack("{s:s,s:s,s:s,s:I}", "id", u->f.id, "url", url, "content_type",
                                   u->f.content_type, "size", (json_int_t)u->f.size));
}

void tl_api_files_upload(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    struct upload *u = c->state ? c->state : upload_begin(a, r);
    if (!u) {
        tl_api_fail(r, TL_ENOMEM, NULL);
        return;
    }
    if (u->phase == U_DONE) {
        upload_answer(r, u);
        return;
    }
    if (!u->refused_status && u->size == 0)
        refuse(u, 400, "invalid", "the body is empty");
    if (!u->refused_status && !u->is_sniffed)
        sniff(u); /* a body shorter than the sniffing window */
    if (u->refused_status) {
        tl_http_respond_error(r, u->refused_status, u->refused_code, "%s", u->refused_msg);
        return;
    }
    u->phase = U_SYNCING;
    tl_http_suspend(r);
    int rc = tl_workq_submit(a->slow, upload_job, u);
    if (rc) { /* the temporary file goes with the request (upload_free) */
        u->rc = rc;
        u->phase = U_DONE;
        tl_http_resume(r);
    }
}

static void files_get(struct tl_api *a, struct tl_http_req *r) {
    struct tl_api_call *c = tl_api_call(r);
    const char *id = tl_http_param(r, 1);
    struct tl_filter filter = tl_policy_filter(&c->sc);
    struct tl_file f;
    int rc = tl_id_valid(id, strlen(id)) ? tl_store_file_get(a->store, &filter, &c->p, id, &f)
                                         : TL_ENOTFOUND;
    if (rc) {
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such file" : NULL);
        return;
    }
    int fd;
    uint64_t size;
    rc = tl_files_open_read(a->files, f.id, &fd, &size);
    if (rc) { /* a row without its bytes: the disk lost them */
        tl_api_fail(r, rc == TL_ENOTFOUND ? TL_EIO : rc, "the file's bytes are missing");
        return;
    }
    const char *disposition = tl_media_is_inline(f.content_type) ? "inline" : "attachment";
    tl_http_respond_file(r, fd, size, f.content_type, disposition);
}

void tl_api_files_get(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    if (!a->files) {
        tl_http_respond_error(r, 503, "unavailable", "file storage is not configured");
        return;
    }
    files_get(a, r);
}
