/* csvtasks.c: see csvtasks.h. */
#include "schema/csvtasks.h"

#include <stdlib.h>
#include <string.h>

enum {
    R_BEGIN,  /* between records: the next byte starts one */
    F_START,  /* at the start of a field */
    F_UNQ,    /* inside an unquoted field */
    F_Q,      /* inside a quoted field */
    F_QQ,     /* inside a quoted field, right after a quote */
    AFTER_CR, /* a record ended at CR: an LF right after belongs to it */
    SPENT,    /* an error was returned */
};

enum { STEP_ON = 0, STEP_ROW = 1 };

static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

void tl_csvt_init(struct tl_csvt *c, size_t max_record) {
    memset(c, 0, sizeof *c);
    tl_buf_init(&c->rec, max_record);
    tl_buf_init(&c->head, max_record);
    c->line = 1;
    c->state = R_BEGIN;
}

void tl_csvt_release(struct tl_csvt *c) {
    tl_buf_release(&c->rec);
    tl_buf_release(&c->head);
    free(c->ends);
    free(c->head_ends);
    c->ends = c->head_ends = NULL;
    c->n_fields = c->n_columns = 0;
}

static int fail(struct tl_csvt *c, struct tl_errbuf *eb, int rc, const char *msg) {
    c->state = SPENT;
    return tl_errf(eb, rc, "line %zu: %s", c->record_line, msg);
}

/* Strict UTF-8: no overlongs, no surrogates, nothing past U+10FFFF; and
 * no NUL, which JSON text can only carry as \u0000, refused by the JSON
 * import and by the parsers that read the stored task back. */
static bool is_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char b = s[i];
        if (b == 0)
            return false;
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
            k = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            k = 2;
            lo = b == 0xE0 ? 0xA0 : 0x80;
            hi = b == 0xED ? 0x9F : 0xBF;
        } else if (b >= 0xF0 && b <= 0xF4) {
            k = 3;
            lo = b == 0xF0 ? 0x90 : 0x80;
            hi = b == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xBF)
                return false;
        i += k + 1;
    }
    return true;
}

static int append(struct tl_csvt *c, const char *p, size_t n, struct tl_errbuf *eb) {
    int rc = tl_buf_append(&c->rec, p, n);
    if (rc == TL_ETOOBIG) {
        c->state = SPENT;
        return tl_errf(eb, rc, "line %zu: a record over %zu bytes", c->record_line, c->rec.max);
    }
    if (rc) {
        c->state = SPENT;
        return rc;
    }
    if (c->rec.len - c->field_start > TL_CSVT_MAX_FIELD) {
        c->state = SPENT;
        return tl_errf(eb, TL_ETOOBIG, "line %zu: a field over %zu bytes", c->record_line,
                       TL_CSVT_MAX_FIELD);
    }
    return 0;
}

static int end_field(struct tl_csvt *c, struct tl_errbuf *eb) {
    if (!c->ends && !(c->ends = malloc(TL_CSVT_MAX_COLUMNS * sizeof *c->ends))) {
        c->state = SPENT;
        return TL_ENOMEM;
    }
    if (c->n_fields == TL_CSVT_MAX_COLUMNS) {
        c->state = SPENT;
        return tl_errf(eb, TL_ETOOBIG, "line %zu: more than %d columns", c->record_line,
                       TL_CSVT_MAX_COLUMNS);
    }
    c->ends[c->n_fields++] = c->rec.len;
    c->field_start = c->rec.len;
    return 0;
}

static const char *field(const struct tl_csvt *c, size_t i, size_t *len) {
    size_t start = i ? c->ends[i - 1] : 0;
    *len = c->ends[i] - start;
    return c->rec.data ? c->rec.data + start : "";
}

static int take_header(struct tl_csvt *c, struct tl_errbuf *eb) {
    for (size_t i = 0; i < c->n_fields; i++) {
        size_t n;
        const char *name = field(c, i, &n);
        if (n == 0)
            return tl_errf(eb, TL_EINVAL, "line %zu: column %zu has an empty name", c->record_line,
                           i + 1);
        /* At most TL_CSVT_MAX_COLUMNS^2 / 2 comparisons, once per import. */
        for (size_t j = 0; j < i; j++) {
            size_t m;
            const char *other = field(c, j, &m);
            if (m == n && !memcmp(name, other, n))
                return tl_errf(eb, TL_EINVAL, "line %zu: column %zu repeats the name of column %zu",
                               c->record_line, i + 1, j + 1);
        }
    }
    int rc = tl_buf_append(&c->head, c->rec.data ? c->rec.data : "", c->rec.len);
    c->head_ends = rc ? NULL : malloc(c->n_fields * sizeof *c->head_ends);
    if (rc || !c->head_ends)
        return rc ? rc : TL_ENOMEM;
    memcpy(c->head_ends, c->ends, c->n_fields * sizeof *c->head_ends);
    c->n_columns = c->n_fields;
    return 0;
}

/* The record has ended at a line break or at the end of the body. */
static int end_record(struct tl_csvt *c, struct tl_errbuf *eb) {
    int rc = end_field(c, eb);
    if (rc)
        return rc;
    if (c->n_fields == 1 && c->rec.len == 0 && !c->is_field_quoted)
        return STEP_ON; /* a blank line */
    for (size_t i = 0; i < c->n_fields; i++) {
        size_t n;
        const char *p = field(c, i, &n);
        if (!is_utf8((const unsigned char *)p, n)) {
            c->state = SPENT;
            return tl_errf(eb, TL_EINVAL, "line %zu: field %zu is not valid UTF-8 (or holds a NUL)",
                           c->record_line, i + 1);
        }
    }
    if (c->n_columns == 0) {
        rc = take_header(c, eb);
        if (rc)
            c->state = SPENT;
        return rc ? rc : STEP_ON;
    }
    if (c->n_fields != c->n_columns) {
        c->state = SPENT;
        return tl_errf(eb, TL_EINVAL, "line %zu: %zu fields, the header has %zu", c->record_line,
                       c->n_fields, c->n_columns);
    }
    c->n_rows++;
    return STEP_ROW;
}

/* One byte through the state machine: STEP_ON, STEP_ROW or an error. */
static int step(struct tl_csvt *c, char ch, struct tl_errbuf *eb) {
    int rc = STEP_ON;
    bool is_break = ch == '\r' || ch == '\n';
    switch (c->state) {
    case AFTER_CR:
        c->state = R_BEGIN;
        if (ch == '\n')
            break;
        /* fall through */
    case R_BEGIN:
        tl_buf_reset(&c->rec);
        c->n_fields = 0;
        c->field_start = 0;
        c->record_line = c->line;
        c->state = F_START;
        /* fall through */
    case F_START:
        c->is_field_quoted = false;
        if (ch == '"') {
            c->is_field_quoted = true;
            c->state = F_Q;
        } else if (ch == ',') {
            rc = end_field(c, eb);
        } else if (is_break) {
            c->state = ch == '\r' ? AFTER_CR : R_BEGIN;
            rc = end_record(c, eb);
        } else {
            c->state = F_UNQ;
            rc = append(c, &ch, 1, eb);
        }
        break;
    case F_UNQ:
        if (ch == ',') {
            c->state = F_START;
            rc = end_field(c, eb);
        } else if (is_break) {
            c->state = ch == '\r' ? AFTER_CR : R_BEGIN;
            rc = end_record(c, eb);
        } else {
            rc = append(c, &ch, 1, eb);
        }
        break;
    case F_Q:
        if (ch == '"')
            c->state = F_QQ;
        else
            rc = append(c, &ch, 1, eb);
        break;
    case F_QQ:
        if (ch == '"') {
            c->state = F_Q;
            rc = append(c, &ch, 1, eb);
        } else if (ch == ',') {
            c->state = F_START;
            rc = end_field(c, eb);
        } else if (is_break) {
            c->state = ch == '\r' ? AFTER_CR : R_BEGIN;
            rc = end_record(c, eb);
        } else {
            return fail(c, eb, TL_EINVAL, "text after a closing quote");
        }
        break;
    default: return TL_EINVAL;
    }
    /* CRLF is one line break; CR or LF alone is one too. */
    if (ch == '\r' || (ch == '\n' && !c->was_cr))
        c->line++;
    c->was_cr = ch == '\r';
    return rc;
}

/* Bytes of data[0..len) that need no decision in the current state: kept
 * in one append instead of one step each. */
static size_t plain_run(const struct tl_csvt *c, const char *data, size_t len) {
    size_t i = 0;
    if (c->state == F_UNQ) {
        while (i < len && data[i] != ',' && data[i] != '"' && data[i] != '\r' && data[i] != '\n')
            i++;
    } else if (c->state == F_Q) {
        while (i < len && data[i] != '"' && data[i] != '\r' && data[i] != '\n')
            i++;
    }
    return i;
}

/* A partial BOM was not one: its bytes are data. */
static int replay_bom(struct tl_csvt *c, struct tl_errbuf *eb) {
    c->is_bom_done = true;
    for (unsigned i = 0; i < c->bom_seen; i++) {
        int rc = step(c, (char)bom[i], eb);
        if (rc < 0)
            return rc;
    }
    return 0; /* a header cannot end within the BOM's bytes */
}

int tl_csvt_feed(struct tl_csvt *c, const char *data, size_t len, size_t *used, bool *has_row,
                 struct tl_errbuf *eb) {
    *used = 0;
    *has_row = false;
    if (c->state == SPENT)
        return TL_EINVAL;
    size_t i = 0;
    while (!c->is_bom_done && i < len) {
        if ((unsigned char)data[i] == bom[c->bom_seen]) {
            i++;
            if (++c->bom_seen == sizeof bom) {
                c->is_bom_done = true;
                c->bom_seen = 0;
            }
        } else {
            int rc = replay_bom(c, eb);
            if (rc)
                return rc;
        }
    }
    /* Bounded by len: every round consumes at least one byte. */
    while (i < len) {
        size_t run = plain_run(c, data + i, len - i);
        if (run) {
            int rc = append(c, data + i, run, eb);
            if (rc)
                return rc;
            c->was_cr = false;
            i += run;
            continue;
        }
        int rc = step(c, data[i++], eb);
        if (rc < 0)
            return rc;
        if (rc == STEP_ROW) {
            *has_row = true;
            break;
        }
    }
    *used = i;
    return 0;
}

int tl_csvt_end(struct tl_csvt *c, bool *has_row, struct tl_errbuf *eb) {
    *has_row = false;
    if (c->state == SPENT)
        return TL_EINVAL;
    if (!c->is_bom_done) {
        int rc = replay_bom(c, eb);
        if (rc)
            return rc;
    }
    switch (c->state) {
    case R_BEGIN:
    case AFTER_CR: break;
    case F_Q: return fail(c, eb, TL_EINVAL, "a quoted field is not closed");
    default: {
        int rc = end_record(c, eb);
        c->state = SPENT; /* nothing may follow the end */
        if (rc < 0)
            return rc;
        *has_row = rc == STEP_ROW;
    }
    }
    return 0;
}

int tl_csvt_row_json(const struct tl_csvt *c, struct tl_buf *out) {
    int rc = tl_buf_append(out, "{", 1);
    for (size_t i = 0; !rc && i < c->n_columns; i++) {
        size_t start = i ? c->head_ends[i - 1] : 0, vlen;
        const char *value = field(c, i, &vlen);
        rc = i ? tl_buf_append(out, ",", 1) : 0;
        rc = rc ? rc : tl_buf_json_str(out, c->head.data + start, c->head_ends[i] - start);
        rc = rc ? rc : tl_buf_append(out, ":", 1);
        rc = rc ? rc : tl_buf_json_str(out, value, vlen);
    }
    return rc ? rc : tl_buf_append(out, "}", 1);
}

size_t tl_csvt_row_line(const struct tl_csvt *c) {
    return c->record_line;
}
