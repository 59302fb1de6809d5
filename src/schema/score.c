/* score.c: gold scoring per field type and the similarity measures it
 * shares with the live aggregate (see score.h for the rules and bounds). */
#include "schema/score.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/region.h"

static long field_index(const struct tl_schema *s, const char *name) {
    for (size_t i = 0; i < s->n_fields; i++)
        if (!strcmp(s->fields[i].name, name))
            return (long)i;
    return -1;
}

int tl_schema_check_gold(const struct tl_schema *s, const json_t *gold, const json_t *data,
                         struct tl_errbuf *eb) {
    if (!json_is_object(gold) || json_object_size(gold) == 0)
        return tl_errf(eb, TL_EINVAL, "gold must be an object naming at least one field");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)gold, key, v) {
        long i = field_index(s, key);
        if (i < 0)
            return tl_errf(eb, TL_EINVAL, "gold: unknown field \"%.64s\"", key);
        int rc = tl_schema_validate_field(s, (size_t)i, gold, data, eb);
        if (rc == TL_ENOMEM)
            return rc;
        if (rc && !eb)
            return TL_EINVAL;
        if (rc) { /* keep the validator's message, say it is about gold */
            char why[sizeof eb->msg];
            memcpy(why, eb->msg, sizeof why);
            return tl_errf(eb, TL_EINVAL, "gold: %s", why);
        }
    }
    return 0;
}

/* ---- regions ---- */

static void region_bbox(struct tl_score_region *r) {
    double lo_x = INFINITY, hi_x = -INFINITY, lo_y = INFINITY, hi_y = -INFINITY;
    for (size_t k = 0; k < r->n_points; k++) {
        lo_x = fmin(lo_x, r->px[k]), hi_x = fmax(hi_x, r->px[k]);
        lo_y = fmin(lo_y, r->py[k]), hi_y = fmax(hi_y, r->py[k]);
    }
    r->v[0] = lo_x, r->v[1] = lo_y, r->v[2] = hi_x - lo_x, r->v[3] = hi_y - lo_y;
}

static int points_alloc(struct tl_score_region *r, size_t n) {
    r->px = malloc(n * sizeof *r->px);
    r->py = malloc(n * sizeof *r->py);
    r->n_points = n;
    return r->px && r->py ? 0 : TL_ENOMEM;
}

/* Fill r from item: 1 when usable, 0 to skip it, TL_ENOMEM. */
static int region_of(const struct tl_field *f, const json_t *item, struct tl_score_region *r) {
    memset(r, 0, sizeof *r);
    r->item = item;
    r->label = tl_region_label_index(f, item);
    if (r->label < 0)
        return 0;
    switch (f->type) {
    case TL_FIELD_SPANS:
    case TL_FIELD_SEGMENTS:
        return tl_region_num(item, "start", &r->v[0]) && tl_region_num(item, "end", &r->v[1]) &&
               r->v[0] < r->v[1];
    case TL_FIELD_KEYPOINTS: return tl_region_num(item, "x", &r->v[0]) &&
                                    tl_region_num(item, "y", &r->v[1]);
    case TL_FIELD_BOXES: {
        struct tl_region_box b;
        if (!tl_region_box_of(item, &b) || b.width <= 0 || b.height <= 0)
            return 0;
        r->v[0] = b.x, r->v[1] = b.y, r->v[2] = b.width, r->v[3] = b.height;
        if (b.rotation == 0)
            return 1;
        if (points_alloc(r, 4))
            return TL_ENOMEM;
        tl_region_box_corners(&b, 1, 1, r->px, r->py);
        region_bbox(r);
        return 1;
    }
    case TL_FIELD_POLYGONS: {
        const json_t *pts = json_object_get(item, "points");
        size_t n = json_array_size(pts);
        if (n < 3 || n > TL_SCHEMA_MAX_POINTS)
            return 0;
        if (points_alloc(r, n))
            return TL_ENOMEM;
        for (size_t k = 0; k < n; k++)
            if (!tl_region_point(pts, k, &r->px[k], &r->py[k]))
                return 0;
        region_bbox(r);
        return 1;
    }
    default: return 0;
    }
}

void tl_score_regions_free(struct tl_score_region *r, size_t n) {
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].px);
        free(r[i].py);
    }
    free(r);
}

int tl_score_regions_read(const struct tl_field *f, const json_t *items, size_t max,
                          struct tl_score_region **out, size_t *n) {
    size_t total = json_array_size(items);
    if (total > max)
        total = max;
    *out = NULL;
    *n = 0;
    if (!total)
        return 0;
    struct tl_score_region *r = calloc(total, sizeof *r);
    if (!r)
        return TL_ENOMEM;
    for (size_t i = 0; i < total; i++) {
        int ok = region_of(f, json_array_get(items, i), &r[*n]);
        if (ok < 0) {
            tl_score_regions_free(r, *n + 1);
            *n = 0;
            return ok;
        }
        if (ok) {
            r[*n].index = i;
            (*n)++;
        } else { /* a skipped polygon may hold points already */
            free(r[*n].px);
            free(r[*n].py);
            r[*n].px = r[*n].py = NULL;
        }
    }
    *out = r;
    return 0;
}

static double interval_iou(double a0, double a1, double b0, double b1) {
    double inter = fmin(a1, b1) - fmax(a0, b0);
    if (inter <= 0)
        return 0;
    double uni = fmax(a1, b1) - fmin(a0, b0);
    return uni > 0 ? fmin(1, inter / uni) : 0;
}

static double box_iou(const double *a, const double *b) {
    double w = fmin(a[0] + a[2], b[0] + b[2]) - fmax(a[0], b[0]);
    double h = fmin(a[1] + a[3], b[1] + b[3]) - fmax(a[1], b[1]);
    if (w <= 0 || h <= 0)
        return 0;
    double inter = w * h, uni = a[2] * a[3] + b[2] * b[3] - inter;
    return uni > 0 ? fmin(1, inter / uni) : 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Where the scan line at y crosses the polygon's edges, sorted: even-odd
 * intervals [c0,c1], [c2,c3], ... (a closed polygon crosses an even
 * number of times). */
static size_t crossings(const double *px, const double *py, size_t n, double y, double *c) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = i + 1 == n ? 0 : i + 1;
        if ((py[i] <= y) != (py[j] <= y))
            c[k++] = px[i] + (y - py[i]) * (px[j] - px[i]) / (py[j] - py[i]);
    }
    if (k > 16) {
        qsort(c, k, sizeof *c, cmp_double);
    } else { /* the usual case: a few crossings, where qsort's set-up dominates */
        for (size_t i = 1; i < k; i++) {
            double x = c[i];
            size_t j = i;
            for (; j > 0 && c[j - 1] > x; j--)
                c[j] = c[j - 1];
            c[j] = x;
        }
    }
    return k & ~(size_t)1;
}

static double covered(const double *c, size_t k) {
    double len = 0;
    for (size_t i = 0; i + 1 < k; i += 2)
        len += c[i + 1] - c[i];
    return len;
}

/* Length shared by two sorted lists of disjoint intervals. */
static double overlap(const double *a, size_t na, const double *b, size_t nb) {
    double len = 0;
    size_t i = 0, j = 0;
    while (i + 1 < na && j + 1 < nb) {
        double lo = fmax(a[i], b[j]), hi = fmin(a[i + 1], b[j + 1]);
        if (hi > lo)
            len += hi - lo;
        if (a[i + 1] < b[j + 1])
            i += 2;
        else
            j += 2;
    }
    return len;
}

/* The four corners of an unturned box, as a polygon. */
static void box_polygon(const struct tl_score_region *r, double *px, double *py) {
    const double *v = r->v;
    px[0] = v[0], py[0] = v[1], px[1] = v[0] + v[2], py[1] = v[1];
    px[2] = v[0] + v[2], py[2] = v[1] + v[3], px[3] = v[0], py[3] = v[1] + v[3];
}

/* IoU of two polygons (even-odd fill, so a self-crossing outline still
 * has a defined area) sampled on TL_SCORE_POLY_ROWS scan lines across
 * both: along each line the lengths are exact, so the error is in y only.
 * Grid sampling of whole points would cost rows*columns*edges; this is
 * rows*edges. */
static double poly_iou(const struct tl_score_region *a, const struct tl_score_region *b,
                       long *budget) {
    double ax4[4], ay4[4], bx4[4], by4[4];
    const double *ax = a->px, *ay = a->py, *bx = b->px, *by = b->py;
    size_t na = a->n_points, nb = b->n_points;
    if (!ax)
        box_polygon(a, ax4, ay4), ax = ax4, ay = ay4, na = 4;
    if (!bx)
        box_polygon(b, bx4, by4), bx = bx4, by = by4, nb = 4;
    if (na == nb && !memcmp(ax, bx, na * sizeof *ax) && !memcmp(ay, by, na * sizeof *ay))
        return 1; /* the same outline (a copied region): no need to scan */
    const double *va = a->v, *vb = b->v;
    if (va[0] > vb[0] + vb[2] || vb[0] > va[0] + va[2] || va[1] > vb[1] + vb[3] ||
        vb[1] > va[1] + va[3])
        return 0;
    /* each scan line sorts its crossings: charge the log factor too */
    long cost = (long)TL_SCORE_POLY_ROWS * (long)(na + nb) * (long)ceil(log2((double)(na + nb)));
    if (*budget < cost)
        return 0;
    *budget -= cost;
    double lo = fmin(va[1], vb[1]), hi = fmax(va[1] + va[3], vb[1] + vb[3]);
    double *ca = malloc((na + nb) * sizeof *ca);
    if (!ca)
        return 0;
    double *cb = ca + na, inter = 0, len_a = 0, len_b = 0;
    for (int row = 0; row < TL_SCORE_POLY_ROWS; row++) {
        double y = lo + (row + 0.5) * (hi - lo) / TL_SCORE_POLY_ROWS;
        size_t ka = crossings(ax, ay, na, y, ca), kb = crossings(bx, by, nb, y, cb);
        len_a += covered(ca, ka);
        len_b += covered(cb, kb);
        inter += overlap(ca, ka, cb, kb);
    }
    free(ca);
    double uni = len_a + len_b - inter;
    if (uni <= 0) /* both flat, and not the same outline */
        return 0;
    return fmax(0, fmin(1, inter / uni));
}

double tl_score_region_sim(const struct tl_field *f, const struct tl_score_region *a,
                           const struct tl_score_region *b, long *budget) {
    if (a->label != b->label)
        return 0;
    switch (f->type) {
    case TL_FIELD_SPANS:
    case TL_FIELD_SEGMENTS: return interval_iou(a->v[0], a->v[1], b->v[0], b->v[1]);
    case TL_FIELD_KEYPOINTS: {
        double d = hypot(a->v[0] - b->v[0], a->v[1] - b->v[1]);
        return fmax(0, 1 - d / (2 * TL_SCORE_KEYPOINT_RADIUS));
    }
    case TL_FIELD_BOXES:
        if (!a->px && !b->px)
            return box_iou(a->v, b->v);
        return poly_iou(a, b, budget);
    case TL_FIELD_POLYGONS: return poly_iou(a, b, budget);
    default: return 0;
    }
}

/* ---- text ---- */

static size_t utf8_next(const unsigned char *s, size_t len, size_t *i) {
    unsigned c = s[(*i)++];
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    c &= more == 3 ? 0x07 : more == 2 ? 0x0F : more == 1 ? 0x1F : 0x7F;
    while (more-- > 0 && *i < len && (s[*i] & 0xC0) == 0x80)
        c = (c << 6) | (s[(*i)++] & 0x3F);
    return c;
}

/* Simple case folding for the scripts with a one-to-one upper/lower pair
 * at a fixed distance: enough for "Paris" to equal "paris" without a
 * locale (setlocale is process-wide and the server is threaded). */
static uint32_t fold(uint32_t c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
        (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

static bool is_space(uint32_t c) {
    return c == ' ' || (c >= 9 && c <= 13) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Normalised code points of s, at most max: folded, whitespace runs as
 * one space, none at either end. */
static size_t normalise(const char *s, size_t len, uint32_t *out, size_t max) {
    size_t n = 0, i = 0;
    bool is_pending_space = false;
    while (i < len && n < max) {
        uint32_t c = (uint32_t)utf8_next((const unsigned char *)s, len, &i);
        if (is_space(c)) {
            is_pending_space = n > 0;
            continue;
        }
        if (is_pending_space && n + 1 < max)
            out[n++] = ' ';
        is_pending_space = false;
        out[n++] = fold(c);
    }
    return n;
}

double tl_score_text_sim(const char *a, size_t a_len, const char *b, size_t b_len, size_t max) {
    uint32_t *buf = malloc((4 * max + 2) * sizeof *buf);
    if (!buf)
        return -1;
    uint32_t *x = buf, *y = buf + max, *prev = buf + 2 * max, *cur = prev + max + 1;
    size_t n = normalise(a, a_len, x, max), m = normalise(b, b_len, y, max);
    double sim = 1;
    if (n || m) {
        for (size_t j = 0; j <= m; j++)
            prev[j] = (uint32_t)j;
        for (size_t i = 1; i <= n; i++) {
            cur[0] = (uint32_t)i;
            for (size_t j = 1; j <= m; j++) {
                uint32_t d = prev[j - 1] + (x[i - 1] != y[j - 1]);
                uint32_t del = prev[j] + 1, ins = cur[j - 1] + 1;
                cur[j] = d < del ? (d < ins ? d : ins) : (del < ins ? del : ins);
            }
            uint32_t *t = prev;
            prev = cur, cur = t;
        }
        sim = 1 - (double)prev[m] / (double)(n > m ? n : m);
    }
    free(buf);
    return sim;
}

double tl_score_tolerance(const struct tl_field *f, double x) {
    if (f->type == TL_FIELD_RATING)
        return 1;
    if (f->has_min && f->has_max && f->max > f->min)
        return 0.05 * (f->max - f->min);
    return 0.05 * fmax(fabs(x), 1);
}

/* ---- per-type scores ---- */

static double f1(size_t tp, size_t n_gold, size_t n_result) {
    return n_gold + n_result ? 2.0 * (double)tp / (double)(n_gold + n_result) : 1;
}

/* Greedy one-to-one matching in gold order: each gold region takes the
 * unused result region most similar to it (the first on a tie) if that
 * reaches need. map[gold index] = result index or -1 (map may be NULL;
 * sized by the gold list). */
static int region_score(const struct tl_field *f, const json_t *g, const json_t *r, double need,
                        long *budget, long *map, double *out) {
    struct tl_score_region *rg, *rr;
    size_t ng, nr, tp = 0;
    int rc = tl_score_regions_read(f, g, TL_SCORE_MAX_REGIONS, &rg, &ng);
    if (rc)
        return rc;
    if ((rc = tl_score_regions_read(f, r, TL_SCORE_MAX_REGIONS, &rr, &nr))) {
        tl_score_regions_free(rg, ng);
        return rc;
    }
    bool *used = calloc(nr + 1, sizeof *used);
    if (!used)
        rc = TL_ENOMEM;
    for (size_t i = 0; !rc && i < ng; i++) {
        double best = need;
        size_t pick = nr;
        for (size_t j = 0; j < nr; j++) {
            if (used[j])
                continue;
            double s = tl_score_region_sim(f, &rg[i], &rr[j], budget);
            if (s > best || (s == best && pick == nr))
                best = s, pick = j;
        }
        if (pick < nr) {
            used[pick] = true;
            tp++;
            if (map)
                map[rg[i].index] = (long)rr[pick].index;
        }
    }
    free(used);
    tl_score_regions_free(rg, ng);
    tl_score_regions_free(rr, nr);
    *out = f1(tp, json_array_size(g), json_array_size(r));
    return rc;
}

static bool rel_of(const json_t *it, long long *from, long long *to, const char **label) {
    const json_t *a = json_object_get(it, "from"), *b = json_object_get(it, "to");
    *label = json_string_value(json_object_get(it, "label"));
    if (!json_is_integer(a) || !json_is_integer(b) || !*label)
        return false;
    *from = json_integer_value(a), *to = json_integer_value(b);
    return true;
}

/* Relations: a gold relation is found when the result has one with the
 * same label between the spans its ends were matched to. */
static int relations_score(const struct tl_schema *s, const struct tl_field *f, const json_t *gold,
                           const json_t *result, long *budget, double *out) {
    const struct tl_field *sf = &s->fields[f->spans_field];
    const json_t *gs = json_object_get(gold, sf->name), *rs = json_object_get(result, sf->name);
    const json_t *g = json_object_get(gold, f->name), *r = json_object_get(result, f->name);
    size_t n_gs = json_array_size(gs), ng = json_array_size(g), nr = json_array_size(r);
    if (ng > TL_SCORE_MAX_REGIONS)
        ng = TL_SCORE_MAX_REGIONS;
    if (nr > TL_SCORE_MAX_REGIONS)
        nr = TL_SCORE_MAX_REGIONS;
    long *map = malloc((n_gs + 1) * sizeof *map);
    bool *used = calloc(nr + 1, sizeof *used);
    int rc = map && used ? 0 : TL_ENOMEM;
    for (size_t i = 0; i < n_gs && map; i++)
        map[i] = -1;
    double ignored;
    if (!rc)
        rc = region_score(sf, gs, rs, 1, budget, map, &ignored);
    size_t tp = 0;
    for (size_t i = 0; !rc && i < ng; i++) {
        long long a, b;
        const char *l;
        if (!rel_of(json_array_get(g, i), &a, &b, &l) || a < 0 || b < 0 ||
            (size_t)a >= n_gs || (size_t)b >= n_gs || map[a] < 0 || map[b] < 0)
            continue;
        for (size_t j = 0; j < nr; j++) {
            long long x, y;
            const char *m;
            if (!used[j] && rel_of(json_array_get(r, j), &x, &y, &m) && x == map[a] &&
                y == map[b] && !strcmp(l, m)) {
                used[j] = true;
                tp++;
                break;
            }
        }
    }
    free(map);
    free(used);
    *out = f1(tp, json_array_size(g), json_array_size(r));
    return rc;
}

static double jaccard(const json_t *g, const json_t *r) {
    size_t inter = 0, ng = json_array_size(g), nr = json_array_size(r);
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nr; j++)
            if (json_equal(json_array_get(g, i), json_array_get(r, j))) {
                inter++;
                break;
            }
    size_t uni = ng + nr - inter;
    return uni ? (double)inter / (double)uni : 1;
}

static double ranking_score(const json_t *g, const json_t *r) {
    size_t n = json_array_size(g);
    if (n > TL_SCHEMA_MAX_SOURCES || json_array_size(r) != n)
        return 0;
    size_t pos[TL_SCHEMA_MAX_SOURCES]; /* pos[i]: where gold's i-th key is in r */
    for (size_t i = 0; i < n; i++) {
        pos[i] = n;
        for (size_t j = 0; j < n; j++)
            if (json_equal(json_array_get(g, i), json_array_get(r, j)))
                pos[i] = j;
        if (pos[i] == n)
            return 0;
    }
    size_t agree = 0, pairs = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++, pairs++)
            agree += pos[i] < pos[j];
    return pairs ? (double)agree / (double)pairs : 1;
}

static double rubric_score(const struct tl_field *f, const json_t *g, const json_t *r) {
    double sum = 0;
    for (size_t i = 0; i < f->n_criteria; i++) {
        const struct tl_criterion *c = &f->criteria[i];
        const json_t *a = json_object_get(g, c->name), *b = json_object_get(r, c->name);
        if (!json_is_integer(a) || !json_is_integer(b))
            continue;
        double d = fabs((double)json_integer_value(a) - (double)json_integer_value(b));
        sum += c->max > c->min ? fmax(0, 1 - d / (double)(c->max - c->min)) : d == 0;
    }
    return f->n_criteria ? sum / (double)f->n_criteria : 0;
}

static double pairwise_score(const char *g, const char *r) {
    if (!g || !r)
        return 0;
    if (!strcmp(g, r))
        return 1;
    return !strcmp(g, "tie") || !strcmp(r, "tie") ? 0.5 : 0;
}

static int field_score(const struct tl_schema *s, const struct tl_field *f, const json_t *gold,
                       const json_t *result, long *budget, double *out) {
    const json_t *g = json_object_get(gold, f->name), *r = json_object_get(result, f->name);
    *out = 0;
    if (!g || !r || json_is_null(r))
        return 0;
    switch (f->type) {
    case TL_FIELD_CHOICE: *out = json_equal(g, r); return 0;
    case TL_FIELD_MULTICHOICE: *out = jaccard(g, r); return 0;
    case TL_FIELD_TEXT: {
        if (!json_is_string(g) || !json_is_string(r))
            return 0;
        double sim = tl_score_text_sim(json_string_value(g), json_string_length(g),
                                       json_string_value(r), json_string_length(r),
                                       TL_SCORE_TEXT_MAX);
        if (sim < 0)
            return TL_ENOMEM;
        *out = sim;
        return 0;
    }
    case TL_FIELD_NUMBER:
    case TL_FIELD_RATING: {
        if (!json_is_number(g) || !json_is_number(r))
            return 0;
        double x = json_number_value(g), d = fabs(x - json_number_value(r));
        *out = isfinite(d) ? fmax(0, 1 - d / (2 * tl_score_tolerance(f, x))) : 0;
        return 0;
    }
    case TL_FIELD_SPANS: return region_score(f, g, r, 1, budget, NULL, out);
    case TL_FIELD_BOXES:
    case TL_FIELD_POLYGONS:
    case TL_FIELD_KEYPOINTS:
    case TL_FIELD_SEGMENTS: return region_score(f, g, r, TL_SCORE_MATCH, budget, NULL, out);
    case TL_FIELD_RELATIONS: return relations_score(s, f, gold, result, budget, out);
    case TL_FIELD_PAIRWISE: *out = pairwise_score(json_string_value(g), json_string_value(r));
        return 0;
    case TL_FIELD_RANKING: *out = ranking_score(g, r); return 0;
    case TL_FIELD_RUBRIC: *out = rubric_score(f, g, r); return 0;
    }
    return 0;
}

int tl_schema_score(const struct tl_schema *s, const json_t *gold, const json_t *result,
                    double *score, json_t *per_field) {
    const char *key;
    const json_t *v;
    double sum = 0;
    size_t n = 0;
    long budget = TL_SCORE_POLY_BUDGET;
    *score = 0;
    json_object_foreach((json_t *)gold, key, v) {
        long i = field_index(s, key);
        if (i < 0)
            return TL_EINVAL;
        double x;
        int rc = field_score(s, &s->fields[i], gold, result, &budget, &x);
        if (rc)
            return rc;
        if (per_field && json_object_set_new(per_field, key, json_real(x)))
            return TL_ENOMEM;
        sum += x;
        n++;
    }
    *score = n ? sum / (double)n : 0;
    return 0;
}
