/* model.c: releasing the model values that own memory (see model.h). */
#include "core/model.h"

#include <stdlib.h>

void tl_prediction_release(struct tl_prediction *pr) {
    free(pr->model);
    free(pr->result);
    pr->model = pr->result = NULL;
}
