/* csv.c: cursor-based CSV reader (see csv.h). */
#include "core/csv.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TL_CSV_STR2(x) #x
#define TL_CSV_STR(x)  TL_CSV_STR2(x)

void tl_csv_init(struct tl_csv *c, const char *text, size_t len, size_t max_record) {
    memset(c, 0, sizeof *c);
    c->text = text;
    c->len = len;
    c->line = 1;
    c->max_record = max_record ? max_record : TL_CSV_DEFAULT_MAX_RECORD;
    /* A UTF-8 byte-order mark (spreadsheet exports) is not part of the first field. */
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        c->pos = 3;
}

void tl_csv_release(struct tl_csv *c) {
    free(c->fields);
    free(c->scratch);
    c->fields = NULL;
    c->scratch = NULL;
    c->nfields = c->fields_cap = c->scratch_len = 0;
}

/* "NAME:LINE: what" when the reader has a name, else "line LINE: what". */
static int csv_error(const struct tl_csv *c, struct tl_errbuf *eb, int rc, size_t line,
                     const char *what) {
    if (c->name)
        return tl_errf(eb, rc, "%s:%zu: %s", c->name, line, what);
    return tl_errf(eb, rc, "line %zu: %s", line, what);
}

static int too_long(struct tl_csv *c, struct tl_errbuf *eb) {
    char what[64];
    snprintf(what, sizeof what, "record longer than %zu bytes", c->max_record);
    return csv_error(c, eb, TL_ETOOBIG, c->record_line, what);
}

static int push_field(struct tl_csv *c, const char *ptr, size_t len, struct tl_errbuf *eb) {
    if (c->nfields == c->fields_cap) {
        if (c->fields_cap >= TL_CSV_MAX_FIELDS)
            return csv_error(c, eb, TL_ETOOBIG, c->record_line,
                             "more than " TL_CSV_STR(TL_CSV_MAX_FIELDS) " fields");
        size_t cap = c->fields_cap ? c->fields_cap * 2 : 8;
        struct tl_csv_field *f = realloc(c->fields, cap * sizeof *f);
        if (!f)
            return csv_error(c, eb, TL_ENOMEM, c->record_line, "out of memory");
        c->fields = f;
        c->fields_cap = cap;
    }
    c->fields[c->nfields].ptr = ptr;
    c->fields[c->nfields].len = len;
    c->nfields++;
    return 0;
}

/* Read a quoted field whose opening quote is at c->pos. Fields without doubled
 * quotes point into the text; the others are unescaped into the scratch
 * buffer, which is allocated once at the record ceiling so that pointers into
 * it stay valid for the whole record. */
static int quoted_field(struct tl_csv *c, size_t record_start, struct tl_errbuf *eb) {
    const char *t = c->text;
    size_t pos = c->pos + 1;
    size_t field_start = pos;
    char *copy = NULL; /* non-NULL once the field is being unescaped */
    size_t copy_len = 0;
    for (;;) {
        if (pos >= c->len)
            return csv_error(c, eb, TL_EINVAL, c->record_line,
                             "quoted field not closed before the end");
        if (pos - record_start > c->max_record)
            return too_long(c, eb);
        char ch = t[pos];
        if (ch == '"') {
            if (pos + 1 < c->len && t[pos + 1] == '"') {
                if (!copy) {
                    if (!c->scratch) {
                        c->scratch = malloc(c->max_record + 1);
                        if (!c->scratch)
                            return csv_error(c, eb, TL_ENOMEM, c->record_line, "out of memory");
                    }
                    copy = c->scratch + c->scratch_len;
                    copy_len = pos - field_start;
                    memcpy(copy, t + field_start, copy_len);
                }
                copy[copy_len++] = '"';
                pos += 2;
                continue;
            }
            break;
        }
        if (ch == '\n' || (ch == '\r' && !(pos + 1 < c->len && t[pos + 1] == '\n')))
            c->line++;
        if (copy)
            copy[copy_len++] = ch;
        pos++;
    }
    int rc;
    if (copy) {
        rc = push_field(c, copy, copy_len, eb);
        c->scratch_len += copy_len;
    } else {
        rc = push_field(c, t + field_start, pos - field_start, eb);
    }
    if (rc)
        return rc;
    pos++; /* the closing quote */
    if (pos < c->len && t[pos] != ',' && t[pos] != '\n' && t[pos] != '\r')
        return csv_error(c, eb, TL_EINVAL, c->line, "unexpected character after a closing quote");
    c->pos = pos;
    return 0;
}

int tl_csv_next(struct tl_csv *c, struct tl_errbuf *eb) {
    const char *t = c->text;
    c->nfields = 0;
    c->scratch_len = 0;
    /* Skip blank lines. */
    while (c->pos < c->len && (t[c->pos] == '\n' || t[c->pos] == '\r')) {
        if (t[c->pos] == '\r' && c->pos + 1 < c->len && t[c->pos + 1] == '\n')
            c->pos++;
        c->pos++;
        c->line++;
    }
    if (c->pos >= c->len)
        return TL_EEMPTY;
    size_t record_start = c->pos;
    c->record_line = c->line;
    for (;;) {
        int rc;
        if (c->pos < c->len && t[c->pos] == '"') {
            rc = quoted_field(c, record_start, eb);
        } else {
            size_t pos = c->pos;
            while (pos < c->len && t[pos] != ',' && t[pos] != '\n' && t[pos] != '\r')
                pos++;
            rc = push_field(c, t + c->pos, pos - c->pos, eb);
            c->pos = pos;
        }
        if (rc)
            return rc;
        if (c->pos - record_start > c->max_record)
            return too_long(c, eb);
        if (c->pos >= c->len)
            return 0;
        char ch = t[c->pos++];
        if (ch == ',')
            continue;
        if (ch == '\r' && c->pos < c->len && t[c->pos] == '\n')
            c->pos++;
        c->line++;
        return 0;
    }
}

int tl_csv_next_row(struct tl_csv *c, size_t ncols, struct tl_errbuf *eb) {
    int rc = tl_csv_next(c, eb);
    if (rc || c->nfields == ncols)
        return rc;
    char what[96];
    snprintf(what, sizeof what, "row has %zu field%s, the header has %zu", c->nfields,
             c->nfields == 1 ? "" : "s", ncols);
    return csv_error(c, eb, TL_EINVAL, c->record_line, what);
}

int tl_csv_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len,
                     struct tl_errbuf *eb) {
    *out = NULL;
    *out_len = 0;
    bool is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return tl_errf(eb, TL_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 0, len = 0;
    char *data = NULL;
    int rc = 0;
    /* Start from the file size when there is one, grow for pipes. */
    if (!is_stdin && fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        /* +2: room for the NUL and for the zero-byte read that proves EOF. */
        if (size > 0 && (size_t)size <= max_bytes)
            cap = (size_t)size + 2;
        rewind(f);
    }
    for (;;) {
        if (len + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 1 << 16;
            if (ncap > max_bytes + 1)
                ncap = max_bytes + 1;
            if (len + 1 >= ncap) {
                rc = tl_errf(eb, TL_ETOOBIG, "%s: larger than %zu bytes", path, max_bytes);
                break;
            }
            char *p = realloc(data, ncap);
            if (!p) {
                rc = tl_errf(eb, TL_ENOMEM, "%s: out of memory", path);
                break;
            }
            data = p;
            cap = ncap;
        } else if (!data) {
            data = malloc(cap);
            if (!data) {
                rc = tl_errf(eb, TL_ENOMEM, "%s: out of memory", path);
                break;
            }
        }
        size_t n = fread(data + len, 1, cap - 1 - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f))
                rc = tl_errf(eb, TL_EIO, "%s: read error", path);
            break;
        }
    }
    if (!is_stdin)
        fclose(f);
    if (rc) {
        free(data);
        return rc;
    }
    if (!data) {
        data = malloc(1);
        if (!data)
            return tl_errf(eb, TL_ENOMEM, "%s: out of memory", path);
    }
    data[len] = '\0';
    *out = data;
    *out_len = len;
    return 0;
}

int tl_csv_write_field(FILE *f, const char *s, size_t len) {
    bool quote = len && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t');
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote)
        return fwrite(s, 1, len, f) == len ? 0 : TL_EIO;
    if (putc('"', f) == EOF)
        return TL_EIO;
    size_t run = 0; /* bytes since the last quote, written in one go */
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '"') {
            run++;
            continue;
        }
        if (fwrite(s + i - run, 1, run + 1, f) != run + 1 || putc('"', f) == EOF)
            return TL_EIO;
        run = 0;
    }
    if (fwrite(s + len - run, 1, run, f) != run || putc('"', f) == EOF)
        return TL_EIO;
    return 0;
}

/* Copy a field into a NUL-terminated stack buffer for strtod/strtol; numbers
 * longer than that are not numbers we accept. */
static int field_cstr(const char *s, size_t len, char *buf, size_t bufsz) {
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (!len || len >= bufsz)
        return TL_EINVAL;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 0;
}

int tl_csv_to_double(const char *s, size_t len, double *out) {
    char buf[128];
    if (field_cstr(s, len, buf, sizeof buf))
        return TL_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return TL_EINVAL;
    *out = v;
    return 0;
}

int tl_csv_to_long(const char *s, size_t len, long min, long max, long *out) {
    char buf[64];
    if (field_cstr(s, len, buf, sizeof buf))
        return TL_EINVAL;
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (*end || errno == ERANGE || v < min || v > max)
        return TL_EINVAL;
    *out = v;
    return 0;
}
