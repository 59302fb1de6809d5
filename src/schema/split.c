/* split.c: the incremental import splitter (see split.h). */
#include "schema/split.h"

#include <string.h>

enum {
    S_BEFORE, /* array: before '[' */
    S_FIRST,  /* array: after '[' (']' may close it) */
    S_NEXT,   /* array: after ',' (a value must follow) */
    S_ITEM,   /* array: inside an item */
    S_AFTER,  /* array: after ']' (only whitespace may follow) */
    S_SPENT,  /* an error was returned */
};

/* A buffer that held one huge item gives its memory back rather than keep
 * it for the rest of the import. */
#define KEEP_PENDING (1u << 20)

void tl_split_init(struct tl_split *s, bool is_array, size_t max_item) {
    memset(s, 0, sizeof *s);
    s->is_array = is_array;
    s->state = S_BEFORE;
    tl_buf_init(&s->pending, max_item);
}

void tl_split_release(struct tl_split *s) {
    tl_buf_release(&s->pending);
}

static const char *what(const struct tl_split *s) {
    return s->is_array ? "item" : "line";
}

/* Clear the pending bytes of an item already handed out. */
static void drop_pending(struct tl_split *s) {
    s->is_pending_out = false;
    if (s->pending.cap > KEEP_PENDING)
        tl_buf_release(&s->pending);
    else
        tl_buf_reset(&s->pending);
}

static int fail(struct tl_split *s, struct tl_errbuf *eb, int rc, const char *msg) {
    s->state = S_SPENT;
    drop_pending(s);
    return tl_errf(eb, rc, "%s %zu: %s", what(s), s->no, msg);
}

static int too_big(struct tl_split *s, struct tl_errbuf *eb) {
    s->state = S_SPENT;
    drop_pending(s);
    return tl_errf(eb, TL_ETOOBIG, "%s %zu: over %zu bytes", what(s), s->no, s->pending.max);
}

/* Keep seg[0..n) of an unfinished item for the next piece. */
static int keep(struct tl_split *s, const char *seg, size_t n, struct tl_errbuf *eb) {
    int rc = tl_buf_append(&s->pending, seg, n);
    if (rc == TL_ETOOBIG)
        return too_big(s, eb);
    if (rc) {
        s->state = S_SPENT;
        return rc;
    }
    return 0;
}

/* The item made of the pending bytes (if any) and seg[0..n). */
static int emit(struct tl_split *s, const char *seg, size_t n, struct tl_split_item *it,
                struct tl_errbuf *eb) {
    if (s->pending.len) {
        int rc = keep(s, seg, n, eb);
        if (rc)
            return rc;
        seg = s->pending.data;
        n = s->pending.len;
        s->is_pending_out = true;
    } else if (n > s->pending.max) {
        return too_big(s, eb);
    }
    it->data = seg;
    it->len = n;
    it->no = s->no;
    return 0;
}

static bool is_blank(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

static bool is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int feed_lines(struct tl_split *s, const char *data, size_t len, size_t *used,
                      struct tl_split_item *it, struct tl_errbuf *eb) {
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        if (!nl) {
            size_t line_no = s->no;
            s->no++; /* name the unfinished line in a ceiling error */
            int rc = keep(s, data + i, len - i, eb);
            s->no = rc ? s->no : line_no;
            if (rc)
                return rc;
            break;
        }
        size_t end = (size_t)(nl - data);
        s->no++;
        int rc = emit(s, data + i, end - i, it, eb);
        if (rc)
            return rc;
        i = end + 1;
        if (!is_blank(it->data, it->len)) {
            *used = i;
            return 0;
        }
        it->data = NULL;
        drop_pending(s);
    }
    *used = len;
    return 0;
}

static int feed_array(struct tl_split *s, const char *data, size_t len, size_t *used,
                      struct tl_split_item *it, struct tl_errbuf *eb) {
    size_t start = 0; /* where the current item's bytes in this piece begin */
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        switch (s->state) {
        case S_BEFORE:
            if (is_ws(c))
                continue;
            if (c != '[') {
                s->state = S_SPENT;
                return tl_errf(eb, TL_EINVAL, "expected a JSON array of tasks");
            }
            s->state = S_FIRST;
            continue;
        case S_FIRST:
        case S_NEXT:
            if (is_ws(c))
                continue;
            if (c == ']' && s->state == S_FIRST) {
                s->state = S_AFTER;
                continue;
            }
            s->no++;
            if (c == ',' || c == ']')
                return fail(s, eb, TL_EINVAL, "expected a value");
            s->state = S_ITEM;
            s->depth = 0;
            s->is_in_string = s->is_escaped = false;
            start = i;
            break; /* c is the item's first byte */
        case S_ITEM: break;
        case S_AFTER:
            if (is_ws(c))
                continue;
            s->state = S_SPENT;
            return tl_errf(eb, TL_EINVAL, "unexpected data after the array");
        default: return TL_EINVAL;
        }
        /* inside an item */
        if (s->is_in_string) {
            if (s->is_escaped)
                s->is_escaped = false;
            else if (c == '\\')
                s->is_escaped = true;
            else if (c == '"')
                s->is_in_string = false;
            continue;
        }
        bool is_end = false;
        if (c == '"') {
            s->is_in_string = true;
        } else if (c == '{' || c == '[') {
            if (++s->depth > TL_SPLIT_MAX_DEPTH)
                return fail(s, eb, TL_EINVAL, "nested too deeply");
        } else if (c == '}' || c == ']') {
            if (s->depth > 0)
                s->depth--;
            else if (c == ']')
                is_end = true; /* a stray '}' stays in the item: its parser refuses it */
        } else if (c == ',' && s->depth == 0) {
            is_end = true;
        }
        if (is_end) {
            s->state = c == ']' ? S_AFTER : S_NEXT;
            int rc = emit(s, data + start, i - start, it, eb);
            if (rc)
                return rc;
            *used = i + 1;
            return 0;
        }
    }
    *used = len;
    return s->state == S_ITEM ? keep(s, data + start, len - start, eb) : 0;
}

int tl_split_feed(struct tl_split *s, const char *data, size_t len, size_t *used,
                  struct tl_split_item *it, struct tl_errbuf *eb) {
    it->data = NULL;
    it->len = 0;
    *used = 0;
    if (s->state == S_SPENT)
        return TL_EINVAL;
    if (s->is_pending_out) /* the item handed out last time is done with */
        drop_pending(s);
    return s->is_array ? feed_array(s, data, len, used, it, eb)
                       : feed_lines(s, data, len, used, it, eb);
}

int tl_split_end(struct tl_split *s, struct tl_split_item *it, struct tl_errbuf *eb) {
    it->data = NULL;
    it->len = 0;
    if (s->state == S_SPENT)
        return TL_EINVAL;
    if (s->is_pending_out)
        drop_pending(s);
    if (s->is_array) {
        drop_pending(s);
        switch (s->state) {
        case S_BEFORE:
        case S_AFTER: return 0;
        case S_ITEM: return fail(s, eb, TL_EINVAL, "the body ends inside this item");
        default:
            s->state = S_SPENT;
            return tl_errf(eb, TL_EINVAL, "the body ends before the array is closed");
        }
    }
    if (!s->pending.len)
        return 0;
    s->no++;
    it->data = s->pending.data;
    it->len = s->pending.len;
    it->no = s->no;
    s->state = S_SPENT; /* nothing may follow the end; pending stays until release */
    if (is_blank(it->data, it->len))
        it->data = NULL;
    return 0;
}
