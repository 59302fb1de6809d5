/* infer.c: the method registry (see infer.h). */
#include "quality/infer.h"

#include <string.h>

/* Indexed by enum tl_q_method; parse tries the names in this order. */
static const struct {
    const char *name;
    tl_q_method_fn run;
} methods[TL_Q_METHOD_COUNT] = {
    [TL_Q_AUTO] = {"auto", tl_q_auto},
    [TL_Q_MV] = {"mv", tl_q_mv},
    [TL_Q_WMV] = {"wmv", tl_q_wmv},
    [TL_Q_DS] = {"ds", tl_q_ds},
    [TL_Q_ONECOIN] = {"onecoin", tl_q_onecoin},
    [TL_Q_GLAD] = {"glad", tl_q_glad},
    [TL_Q_MACE] = {"mace", tl_q_mace},
};

const char *tl_q_method_name(enum tl_q_method m) {
    return (unsigned)m < TL_Q_METHOD_COUNT ? methods[m].name : NULL;
}

int tl_q_method_parse(const char *name, enum tl_q_method *m) {
    for (int i = 0; i < TL_Q_METHOD_COUNT; i++)
        if (!strcmp(name, methods[i].name)) {
            *m = (enum tl_q_method)i;
            return 0;
        }
    return TL_EINVAL;
}

int tl_q_infer(enum tl_q_method m, const struct tl_q_labels *L, const struct tl_q_opts *o,
               struct tl_q_result *r) {
    if ((unsigned)m >= TL_Q_METHOD_COUNT)
        return TL_EINVAL;
    return methods[m].run(L, o, r);
}
