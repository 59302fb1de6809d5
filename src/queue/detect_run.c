/* detect_run.c: see detect_run.h. */
#include "queue/detect_run.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "schema/schema.h"
#include "schema/score.h"

/* The detectors' input built from a snapshot; owns what the labels point
 * into (the parsed results). */
struct input {
    struct tl_q_snapshot q;
    struct tl_q_snap_label *labels;
    int32_t *gold_class;
    const char **prelabel;
    size_t *prelabel_len;
    json_t **parsed; /* [snap.n_labels + snap.n_tasks] */
    size_t n_parsed;
};

static void input_release(struct input *in) {
    for (size_t i = 0; i < in->n_parsed; i++)
        json_decref(in->parsed[i]);
    free(in->parsed);
    free(in->labels);
    free(in->gold_class);
    free(in->prelabel);
    free(in->prelabel_len);
    memset(in, 0, sizeof *in);
}

static int32_t class_of(const struct tl_field *f, const json_t *v) {
    const char *s = json_string_value(v);
    for (size_t i = 0; f && s && i < f->n_options; i++)
        if (!strcmp(f->options[i], s))
            return (int32_t)i;
    return -1;
}

static const struct tl_field *first_field(const struct tl_schema *sc, enum tl_field_type type) {
    for (size_t i = 0; i < sc->n_fields; i++)
        if (sc->fields[i].type == type)
            return &sc->fields[i];
    return NULL;
}

/* Build the detectors' input from w under schema sc: counted labels only,
 * unless is_all. */
static int build_input(const struct tl_wk_snapshot *w, const struct tl_schema *sc, bool is_all,
                       struct input *in) {
    memset(in, 0, sizeof *in);
    const struct tl_field *choice = first_field(sc, TL_FIELD_CHOICE);
    const struct tl_field *text = first_field(sc, TL_FIELD_TEXT);
    in->labels = calloc(w->n_labels + 1, sizeof *in->labels);
    in->gold_class = malloc((w->n_tasks + 1) * sizeof *in->gold_class);
    in->prelabel = calloc(w->n_tasks + 1, sizeof *in->prelabel);
    in->prelabel_len = calloc(w->n_tasks + 1, sizeof *in->prelabel_len);
    in->parsed = calloc(w->n_labels + 2 * w->n_tasks + 1, sizeof *in->parsed);
    if (!in->labels || !in->gold_class || !in->prelabel || !in->prelabel_len || !in->parsed)
        return TL_ENOMEM;
    json_t **gold = in->parsed; /* the first n_tasks: each task's gold, or NULL */
    in->n_parsed = w->n_tasks;
    for (size_t t = 0; t < w->n_tasks; t++) {
        gold[t] = w->tasks[t].gold ? json_loads(w->tasks[t].gold, 0, NULL) : NULL;
        in->gold_class[t] = choice && gold[t] ? class_of(choice, json_object_get(gold[t], choice->name))
                                             : -1;
        json_t *pre = w->tasks[t].prelabel ? json_loads(w->tasks[t].prelabel, 0, NULL) : NULL;
        in->parsed[in->n_parsed++] = pre;
        const json_t *pt = text && pre ? json_object_get(pre, text->name) : NULL;
        if (json_is_string(pt)) {
            in->prelabel[t] = json_string_value(pt);
            in->prelabel_len[t] = json_string_length(pt);
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < w->n_labels; i++) {
        const struct tl_wk_label *l = &w->labels[i];
        if (l->is_set_aside && !is_all)
            continue;
        json_t *r = json_loads(l->result, 0, NULL);
        in->parsed[in->n_parsed++] = r;
        struct tl_q_snap_label *x = &in->labels[n++];
        x->worker = (uint32_t)l->person;
        x->task = (uint32_t)l->task;
        x->choice = choice && r ? class_of(choice, json_object_get(r, choice->name)) : -1;
        x->seconds = l->claimed_at_ms > 0 && l->created_at_ms >= l->claimed_at_ms
                         ? (double)(l->created_at_ms - l->claimed_at_ms) / 1000
                         : -1;
        x->gold_score = l->has_gold_score ? l->gold_score : -1;
        /* gold set after the submission (PUT .../gold): scored now */
        double sc_now;
        if (!l->has_gold_score && gold[l->task] && r &&
            !tl_schema_score(sc, gold[l->task], r, &sc_now, NULL))
            x->gold_score = sc_now;
        const json_t *tv = text && r ? json_object_get(r, text->name) : NULL;
        if (json_is_string(tv)) {
            x->text = json_string_value(tv);
            x->text_len = json_string_length(tv);
        }
        x->created_at_ms = l->created_at_ms;
    }
    in->q = (struct tl_q_snapshot){
        .n_workers = w->n_persons,
        .n_tasks = w->n_tasks,
        .n_classes = choice ? choice->n_options : 0,
        .labels = in->labels,
        .n_labels = n,
        .gold_class = in->gold_class,
        .prelabel = in->prelabel,
        .prelabel_len = in->prelabel_len,
    };
    return 0;
}

static int load_schema(const struct tl_project *p, struct tl_schema *out) {
    json_t *js = json_loads(p->schema_json ? p->schema_json : "", 0, NULL);
    struct tl_errbuf eb = {{0}};
    int rc = js ? tl_schema_parse_stored(js, out, &eb) : TL_EINTERNAL;
    json_decref(js);
    return rc ? TL_EINTERNAL : 0;
}

void tl_detect_view_release(struct tl_detect_view *v) {
    tl_wk_snapshot_release(&v->snap);
    free(v->stats);
    v->stats = NULL;
}

int tl_detect_view(struct tl_store *s, const struct tl_project *p, struct tl_detect_view *out) {
    memset(out, 0, sizeof *out);
    struct tl_schema sc;
    int rc = load_schema(p, &sc);
    if (rc)
        return rc;
    rc = tl_store_wk_snapshot(s, p, TL_DETECT_MAX_LABELS, &out->snap);
    struct input in = {0};
    if (!rc)
        rc = build_input(&out->snap, &sc, true, &in);
    struct tl_q_detect_opts o;
    tl_q_detect_opts_init(&o);
    o.is_stats_only = true;
    struct tl_q_detect_result res = {0};
    if (!rc)
        rc = tl_q_detect(&in.q, &o, &res);
    if (!rc) {
        out->stats = res.workers; /* taken: [n_persons] */
        res.workers = NULL;
    }
    tl_q_detect_result_release(&res);
    input_release(&in);
    tl_schema_release(&sc);
    if (rc)
        tl_detect_view_release(out);
    return rc;
}

/* ---- evidence ---- */

static json_t *num_or_null(double x, bool is_known) {
    return is_known ? json_real(x) : json_null();
}

/* The evidence of f as stored (docs/quality-workers.md lists the keys). */
static json_t *evidence_json(const struct tl_q_flag *f, const struct tl_wk_snapshot *w,
                             const struct tl_schema *sc) {
    json_t *e = json_object();
    if (!e)
        return NULL;
    int bad = 0;
    switch (f->rule) {
    case TL_Q_RULE_GOLD:
        bad |= json_object_set_new(e, "gold_answered", json_integer(f->n));
        bad |= json_object_set_new(e, "accuracy", json_real(f->value));
        bad |= json_object_set_new(e, "lower_bound", json_real(f->bound));
        bad |= json_object_set_new(e, "threshold", json_real(f->reference));
        break;
    case TL_Q_RULE_SPEED:
        bad |= json_object_set_new(e, "timed_labels", json_integer(f->n));
        bad |= json_object_set_new(e, "median_seconds", json_real(f->value));
        bad |= json_object_set_new(e, "project_median_seconds", json_real(f->reference));
        bad |= json_object_set_new(e, "robust_z", json_real(f->bound));
        break;
    case TL_Q_RULE_CONSTANT: {
        const struct tl_field *ch = first_field(sc, TL_FIELD_CHOICE);
        bad |= json_object_set_new(e, "labels", json_integer(f->n));
        bad |= json_object_set_new(e, "top_count", json_integer(f->k));
        bad |= json_object_set_new(e, "top_class",
                                   ch && f->class_ >= 0 && (size_t)f->class_ < ch->n_options
                                       ? json_string(ch->options[f->class_])
                                       : json_null());
        bad |= json_object_set_new(e, "top_share", json_real(f->value));
        bad |= json_object_set_new(e, "project_top_share", json_real(f->reference));
        break;
    }
    case TL_Q_RULE_RANDOM:
        bad |= json_object_set_new(e, "labels", json_integer(f->n));
        bad |= json_object_set_new(e, "agreeing", json_integer(f->k));
        bad |= json_object_set_new(e, "agreement", json_real(f->value));
        bad |= json_object_set_new(e, "agreement_upper_bound", json_real(f->bound));
        bad |= json_object_set_new(e, "chance", json_real(f->reference));
        bad |= json_object_set_new(e, "spammer_probability", num_or_null(f->spam, f->spam >= 0));
        break;
    case TL_Q_RULE_COLLUSION:
        bad |= json_object_set_new(e, "shared_tasks", json_integer(f->n));
        bad |= json_object_set_new(e, "same_wrong_answers", json_integer(f->k));
        bad |= json_object_set_new(e, "share", json_real(f->value));
        bad |= json_object_set_new(e, "expected_share", json_real(f->reference));
        bad |= json_object_set_new(e, "p_value", json_real(f->p_value));
        break;
    case TL_Q_RULE_COPIED_TEXT:
        bad |= json_object_set_new(e, "texts", json_integer(f->n));
        bad |= json_object_set_new(e, "near_duplicates", json_integer(f->k));
        bad |= json_object_set_new(e, "similarity", json_real(f->value));
        bad |= json_object_set_new(e, "source", json_string(f->peer == TL_Q_NO_PEER
                                                                ? "model_prelabel"
                                                                : "annotator"));
        break;
    default: break;
    }
    if (f->peer != TL_Q_NO_PEER && f->peer < w->n_persons)
        bad |= json_object_set_new(e, "peer_id", json_string(w->persons[f->peer].user_id));
    json_t *tasks = json_array();
    for (size_t i = 0; tasks && i < f->n_items; i++)
        if (f->items[i] < w->n_tasks)
            bad |= json_array_append_new(tasks, json_string(w->tasks[f->items[i]].id));
    bad |= tasks ? json_object_set_new(e, "tasks", tasks) : -1;
    if (bad) {
        json_decref(e);
        return NULL;
    }
    return e;
}

/* The gold rule's threshold: the project's, or by default the chance level
 * of its first choice field (an annotator whose gold record cannot rule out
 * answering at random), or a quarter of the score scale without one. */
static double gold_threshold(const struct tl_project *p, const struct tl_schema *sc) {
    if (p->q.gold_threshold >= 0)
        return p->q.gold_threshold;
    for (size_t f = 0; f < sc->n_fields; f++)
        if (sc->fields[f].type == TL_FIELD_CHOICE && sc->fields[f].n_options >= 2)
            return 1.0 / (double)sc->fields[f].n_options;
    return 0.25;
}

int tl_detect_run(struct tl_store *s, const struct tl_project *p, struct tl_detect_summary *out) {
    memset(out, 0, sizeof *out);
    struct tl_schema sc;
    int rc = load_schema(p, &sc);
    if (rc)
        return rc;
    struct tl_wk_snapshot w;
    rc = tl_store_wk_snapshot(s, p, TL_DETECT_MAX_LABELS, &w);
    if (rc) {
        tl_schema_release(&sc);
        return rc;
    }
    struct input in = {0};
    struct tl_q_detect_result res = {0};
    struct tl_flag_in *fin = NULL;
    char **texts = NULL;
    struct tl_q_detect_opts o;
    tl_q_detect_opts_init(&o);
    o.gold_threshold = gold_threshold(p, &sc);
    rc = build_input(&w, &sc, false, &in);
    if (!rc)
        rc = tl_q_detect(&in.q, &o, &res);
    if (!rc && res.n_flags) {
        fin = calloc(res.n_flags, sizeof *fin);
        texts = calloc(res.n_flags, sizeof *texts);
        rc = fin && texts ? 0 : TL_ENOMEM;
    }
    for (size_t i = 0; !rc && i < res.n_flags; i++) {
        const struct tl_q_flag *f = &res.flags[i];
        json_t *e = evidence_json(f, &w, &sc);
        texts[i] = e ? json_dumps(e, JSON_COMPACT) : NULL;
        json_decref(e);
        if (!texts[i]) {
            rc = TL_ENOMEM;
            break;
        }
        fin[i] = (struct tl_flag_in){.annotator_pk = w.persons[f->worker].pk,
                                     .rule = tl_q_rule_name(f->rule),
                                     .score = f->score,
                                     .evidence = texts[i]};
        out->per_rule[f->rule]++;
    }
    if (!rc)
        rc = tl_store_flags_record(s, p, fin, res.n_flags, p->q.is_auto_suspend,
                                   !res.is_truncated, tl_clock_ms(), &out->n_new);
    if (!rc) {
        out->n_workers = w.n_persons;
        out->n_labels = in.q.n_labels;
        out->n_flags = res.n_flags;
        out->is_truncated = res.is_truncated;
    }
    for (size_t i = 0; texts && i < res.n_flags; i++)
        free(texts[i]);
    free(texts);
    free(fin);
    tl_q_detect_result_release(&res);
    input_release(&in);
    tl_wk_snapshot_release(&w);
    tl_schema_release(&sc);
    return rc;
}

/* ---- the scheduler ---- */

struct tl_detect_scheduler {
    struct tl_store *store;
    int seconds;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool is_stopping;
};

static void pass(struct tl_detect_scheduler *d, int64_t since_ms) {
    tl_id *ids = NULL;
    size_t n = 0;
    if (tl_store_wk_projects_due(d->store, since_ms, &ids, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&d->mu);
        bool is_stopping = d->is_stopping;
        pthread_mutex_unlock(&d->mu);
        if (is_stopping)
            break;
        struct tl_project p = {0};
        struct tl_scope tenant;
        if (tl_store_project_get_admin(d->store, ids[i], &p, &tenant))
            continue;
        struct tl_detect_summary sum;
        int rc = tl_detect_run(d->store, &p, &sum);
        if (rc)
            tl_log("quality: detectors on project %s: %s", ids[i], tl_strerror(rc));
        tl_project_release(&p);
    }
    free(ids);
}

static void *scheduler_main(void *arg) {
    struct tl_detect_scheduler *d = arg;
    /* a project is looked at again only once it has newer annotations; the
     * first pass (since 0) covers what happened while the server was down */
    int64_t since_ms = 0;
    pthread_mutex_lock(&d->mu);
    while (!d->is_stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += d->seconds;
        while (!d->is_stopping &&
               pthread_cond_timedwait(&d->cv, &d->mu, &until) != ETIMEDOUT)
            ;
        if (d->is_stopping)
            break;
        pthread_mutex_unlock(&d->mu);
        int64_t started = tl_clock_ms();
        pass(d, since_ms);
        since_ms = started;
        pthread_mutex_lock(&d->mu);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

int tl_detect_scheduler_start(struct tl_store *s, int seconds, struct tl_detect_scheduler **out) {
    struct tl_detect_scheduler *d = calloc(1, sizeof *d);
    if (!d)
        return TL_ENOMEM;
    d->store = s;
    d->seconds = seconds < 1 ? 1 : seconds;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (pthread_create(&d->thread, NULL, scheduler_main, d)) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        free(d);
        return TL_EINTERNAL;
    }
    *out = d;
    return 0;
}

void tl_detect_scheduler_stop(struct tl_detect_scheduler *d) {
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->is_stopping = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}
