/* score.c: see score.h. PLACEHOLDER (exact match per field) until the
 * per-type scores land; the contract in score.h is what callers rely on. */
#include "schema/score.h"

#include <string.h>

static const struct tl_field *find_field(const struct tl_schema *s, const char *name) {
    for (size_t i = 0; i < s->n_fields; i++)
        if (!strcmp(s->fields[i].name, name))
            return &s->fields[i];
    return NULL;
}

int tl_schema_check_gold(const struct tl_schema *s, const json_t *gold, const json_t *data,
                         struct tl_errbuf *eb) {
    (void)data;
    if (!json_is_object(gold) || json_object_size(gold) == 0)
        return tl_errf(eb, TL_EINVAL, "gold must be an object naming at least one field");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)gold, key, v) {
        if (!find_field(s, key))
            return tl_errf(eb, TL_EINVAL, "gold: unknown field \"%s\"", key);
    }
    return 0;
}

int tl_schema_score(const struct tl_schema *s, const json_t *gold, const json_t *result,
                    double *score, json_t *per_field) {
    const char *key;
    const json_t *v;
    double sum = 0;
    size_t n = 0;
    json_object_foreach((json_t *)gold, key, v) {
        if (!find_field(s, key))
            return TL_EINVAL;
        double f = json_equal(v, json_object_get(result, key)) ? 1.0 : 0.0;
        if (per_field && json_object_set_new(per_field, key, json_real(f)))
            return TL_ENOMEM;
        sum += f;
        n++;
    }
    *score = n ? sum / (double)n : 0;
    return 0;
}
