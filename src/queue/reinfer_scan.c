/* reinfer_scan.c: see reinfer_scan.h. A cursor over the bytes; every
 * function advances *i past what it accepted or returns -1. */
#include "queue/reinfer_scan.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct cur {
    const char *t;
    size_t n, i;
};

static void ws(struct cur *c) {
    while (c->i < c->n && (c->t[c->i] == ' ' || c->t[c->i] == '\t' || c->t[c->i] == '\n' ||
                           c->t[c->i] == '\r'))
        c->i++;
}

static bool is_hex(char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* A string at c->i (the opening quote): its raw body in *s and *len, and
 * whether it holds an escape. 0 or -1. Control bytes are refused as JSON
 * does; UTF-8 validity is left to the store's writer (results are stored
 * from jansson's output). */
static int string(struct cur *c, const char **s, size_t *len, bool *has_escape) {
    if (c->i >= c->n || c->t[c->i] != '"')
        return -1;
    size_t start = ++c->i;
    *has_escape = false;
    while (c->i < c->n) {
        unsigned char ch = (unsigned char)c->t[c->i];
        if (ch == '"') {
            *s = c->t + start;
            *len = c->i - start;
            c->i++;
            return 0;
        }
        if (ch < 0x20)
            return -1;
        if (ch == '\\') {
            *has_escape = true;
            if (++c->i >= c->n)
                return -1;
            char e = c->t[c->i];
            if (e == 'u') {
                if (c->i + 4 >= c->n)
                    return -1;
                unsigned cp = 0;
                for (int k = 1; k <= 4; k++) {
                    char h = c->t[c->i + (size_t)k];
                    if (!is_hex(h))
                        return -1;
                    cp = cp << 4 | (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                }
                /* \u0000 and surrogates (paired or lone) are jansson's to
                 * judge: it refuses some; the slow lane asks it */
                if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                    return -1;
                c->i += 4;
            } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
                return -1;
            }
        }
        c->i++;
    }
    return -1;
}

static int number(struct cur *c) {
    size_t start = c->i;
    if (c->i < c->n && c->t[c->i] == '-')
        c->i++;
    size_t digits = c->i;
    while (c->i < c->n && c->t[c->i] >= '0' && c->t[c->i] <= '9')
        c->i++;
    if (c->i == digits || (c->t[digits] == '0' && c->i - digits > 1))
        return -1;
    /* jansson refuses integers past int64 and reals past a double's range:
     * numbers that long go to the slow lane (results hold none) */
    if (c->i - digits > 18)
        return -1;
    if (c->i < c->n && c->t[c->i] == '.') {
        size_t frac = ++c->i;
        while (c->i < c->n && c->t[c->i] >= '0' && c->t[c->i] <= '9')
            c->i++;
        if (c->i == frac)
            return -1;
    }
    if (c->i < c->n && (c->t[c->i] == 'e' || c->t[c->i] == 'E')) {
        c->i++;
        if (c->i < c->n && (c->t[c->i] == '+' || c->t[c->i] == '-'))
            c->i++;
        size_t exp = c->i;
        while (c->i < c->n && c->t[c->i] >= '0' && c->t[c->i] <= '9')
            c->i++;
        if (c->i == exp || c->i - exp > 2)
            return -1;
    }
    return c->i > start ? 0 : -1;
}

static int literal(struct cur *c, const char *word) {
    size_t k = strlen(word);
    if (c->n - c->i < k || memcmp(c->t + c->i, word, k))
        return -1;
    c->i += k;
    return 0;
}

static int value(struct cur *c, int depth);

/* An object or array after its opening byte, to its closing one. */
static int container(struct cur *c, int depth, bool is_object) {
    if (depth > TL_Q_SCAN_MAX_DEPTH)
        return -1;
    char close = is_object ? '}' : ']';
    c->i++;
    ws(c);
    if (c->i < c->n && c->t[c->i] == close) {
        c->i++;
        return 0;
    }
    for (;;) {
        if (is_object) {
            const char *s;
            size_t len;
            bool esc;
            if (string(c, &s, &len, &esc))
                return -1;
            ws(c);
            if (c->i >= c->n || c->t[c->i] != ':')
                return -1;
            c->i++;
        }
        if (value(c, depth + 1))
            return -1;
        ws(c);
        if (c->i >= c->n)
            return -1;
        if (c->t[c->i] == close) {
            c->i++;
            return 0;
        }
        if (c->t[c->i] != ',')
            return -1;
        c->i++;
    }
}

static int value(struct cur *c, int depth) {
    ws(c);
    if (c->i >= c->n)
        return -1;
    const char *s;
    size_t len;
    bool esc;
    switch (c->t[c->i]) {
    case '{': return container(c, depth, true);
    case '[': return container(c, depth, false);
    case '"': return string(c, &s, &len, &esc);
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    case 'n': return literal(c, "null");
    default: return number(c);
    }
}

enum tl_q_scan_rc tl_queue_scan_strings(const char *text, size_t len, const char *const *names,
                                        size_t n, struct tl_q_slice *found) {
    struct cur c = {.t = text, .n = len, .i = 0};
    uint64_t seen = 0;
    if (n > 64)
        return TL_Q_SCAN_SLOW;
    for (size_t k = 0; k < n; k++)
        found[k] = (struct tl_q_slice){0};
    ws(&c);
    if (c.i >= c.n || c.t[c.i] != '{')
        return TL_Q_SCAN_SLOW;
    c.i++;
    ws(&c);
    if (c.i < c.n && c.t[c.i] == '}') {
        c.i++;
    } else {
        for (;;) {
            const char *key;
            size_t key_len;
            bool key_esc;
            if (string(&c, &key, &key_len, &key_esc))
                return TL_Q_SCAN_SLOW;
            ws(&c);
            if (c.i >= c.n || c.t[c.i] != ':')
                return TL_Q_SCAN_SLOW;
            c.i++;
            ws(&c);
            size_t want = n;
            for (size_t k = 0; !key_esc && k < n; k++)
                if (strlen(names[k]) == key_len && !memcmp(names[k], key, key_len)) {
                    want = k;
                    break;
                }
            /* An escaped name might spell a wanted one: only jansson knows. */
            if (key_esc)
                return TL_Q_SCAN_SLOW;
            if (want < n) {
                if (seen >> want & 1)
                    return TL_Q_SCAN_SLOW;
                seen |= (uint64_t)1 << want;
            }
            if (want < n && c.i < c.n && c.t[c.i] == '"') {
                const char *s;
                size_t s_len;
                bool esc;
                if (string(&c, &s, &s_len, &esc) || esc)
                    return TL_Q_SCAN_SLOW;
                found[want] = (struct tl_q_slice){.s = s, .len = s_len};
            } else if (value(&c, 1)) {
                return TL_Q_SCAN_SLOW;
            }
            ws(&c);
            if (c.i >= c.n)
                return TL_Q_SCAN_SLOW;
            if (c.t[c.i] == '}') {
                c.i++;
                break;
            }
            if (c.t[c.i] != ',')
                return TL_Q_SCAN_SLOW;
            c.i++;
            ws(&c);
        }
    }
    ws(&c);
    return c.i == c.n ? TL_Q_SCAN_OK : TL_Q_SCAN_SLOW;
}
