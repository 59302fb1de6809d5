/* Tests for src/queue/reinfer.c with the store's aggregates.c: a full
 * re-inference writes every task's aggregate and the workers' estimates,
 * leaves set-aside labels out, never overwrites a reviewed aggregate,
 * deletes the aggregate of a task left without counted labels, clamps gold
 * tasks, keeps non-choice fields (through taskagg), and shows up in export
 * pages, the quality summary and the scheduler's due list. Set-aside,
 * review and gold are simulated by SQL on the database file (their own
 * code paths belong to other modules). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "queue/queue.h"
#include "queue/reinfer.h"
#include "store/fixture.h"

#define N_TASKS 4

struct world {
    char dir[64];
    struct tl_store *s;
    struct tl_scope m, a[3];
    struct tl_project p;
    int64_t task_pk[N_TASKS + 1];
};

static void sql(struct world *w, const char *text) {
    char path[128];
    snprintf(path, sizeof path, "%s/tally.db", w->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *err = NULL;
    int rc = sqlite3_exec(db, text, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", text, err ? err : "?");
    sqlite3_close(db);
}

static double sql_double(struct world *w, const char *text) {
    char path[128];
    snprintf(path, sizeof path, "%s/tally.db", w->dir);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, text, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    double v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Which task a lease is for: data {"k":i}. */
static int task_k(const struct tl_lease *l) {
    const char *at = strstr(l->task_data, "\"k\":");
    assert_non_null(at);
    return at[4] - '0';
}

/* Annotator i labels every task it is served with answer(i, k). */
static void label_all(struct world *w, int i, const char *(*answer)(int i, int k),
                      const char *note) {
    struct tl_errbuf eb = {{0}};
    for (;;) {
        struct tl_lease l;
        int rc = tl_queue_next(w->s, &w->a[i], &w->p, &l);
        if (rc == TL_EEMPTY)
            return;
        assert_int_equal(rc, 0);
        json_t *res = note ? json_pack("{s:s,s:s}", "label", answer(i, task_k(&l)), "note", note)
                           : json_pack("{s:s}", "label", answer(i, task_k(&l)));
        tl_id id;
        assert_int_equal(tl_queue_submit(w->s, &w->a[i], &w->p, l.task_id, l.id, res, id, &eb),
                         0);
        json_decref(res);
        tl_lease_release(&l);
    }
}

static void world_open(struct world *w, const char *schema) {
    memset(w, 0, sizeof *w);
    assert_int_equal(store_fx_open(w->dir, &w->s), 0);
    tl_id t;
    assert_int_equal(tl_store_tenant_create(w->s, "r", t), 0);
    w->m = store_fx_user(w->s, t, "m@r", TL_ROLE_MANAGER);
    const char *emails[3] = {"a0@r", "a1@r", "a2@r"};
    for (int i = 0; i < 3; i++)
        w->a[i] = store_fx_user(w->s, "", emails[i], TL_ROLE_ANNOTATOR);
    struct tl_project p = {.name = "p", .schema_json = (char *)schema, .overlap = 3,
                           .lease_seconds = 60};
    assert_int_equal(tl_store_project_create(w->s, &w->m, &p), 0);
    struct tl_blob items[N_TASKS] = {{"{\"k\":0}", 7}, {"{\"k\":1}", 7}, {"{\"k\":2}", 7},
                                     {"{\"k\":3}", 7}};
    assert_int_equal(tl_store_tasks_import(w->s, &w->m, &p, items, N_TASKS), 0);
    struct tl_filter f = {.tenant_pk = w->m.tenant_pk};
    assert_int_equal(tl_store_project_get(w->s, &f, p.id, &w->p), 0);
    /* tasks were imported in order: k is the rank of the pk */
    for (int k = 0; k < N_TASKS; k++) {
        char q[160];
        snprintf(q, sizeof q,
                 "SELECT pk FROM tasks WHERE project_pk = %lld ORDER BY pk LIMIT 1 OFFSET %d",
                 (long long)w->p.pk, k);
        w->task_pk[k] = (int64_t)sql_double(w, q);
    }
}

static void world_close(struct world *w) {
    tl_project_release(&w->p);
    assert_int_equal(store_fx_close(w->s, w->dir), 0);
}

/* Task k's aggregate result and confidence text ("" for none). */
struct agg_view {
    char result[128], confidence[128];
    int n_annotations;
    bool is_reviewed;
};

static void aggregates(struct world *w, struct agg_view v[N_TASKS], size_t *count) {
    memset(v, 0, N_TASKS * sizeof *v);
    int64_t cursor = 0;
    *count = 0;
    do {
        struct tl_aggregate *a;
        size_t n;
        assert_int_equal(tl_store_aggregate_list(w->s, &w->m, &w->p, 2, &cursor, &a, &n), 0);
        for (size_t i = 0; i < n; i++) {
            int k = -1;
            char q[200];
            snprintf(q, sizeof q, "SELECT pk FROM tasks WHERE id = '%s'", a[i].task_id);
            int64_t pk = (int64_t)sql_double(w, q);
            for (int j = 0; j < N_TASKS; j++)
                if (w->task_pk[j] == pk)
                    k = j;
            assert_true(k >= 0);
            snprintf(v[k].result, sizeof v[k].result, "%s", a[i].result);
            snprintf(v[k].confidence, sizeof v[k].confidence, "%s", a[i].confidence);
            v[k].n_annotations = a[i].n_annotations;
            v[k].is_reviewed = a[i].is_reviewed;
            tl_aggregate_release(&a[i]);
            (*count)++;
        }
        free(a);
    } while (cursor);
}

static const char *answers(int i, int k) {
    /* task 0: x, z, z (z by vote); every other task: x, x, z */
    if (k == 0)
        return i == 0 ? "x" : "z";
    return i == 2 ? "z" : "x";
}

static const char choice_schema[] =
    "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":[\"z\",\"x\"]}]}";

static int export_fn(void *ctx, const struct tl_export_task *t) {
    int *with_agg = ctx;
    if (t->agg_method) {
        assert_string_equal(t->agg_method, "mv");
        assert_true(t->agg_result_len > 0 && t->agg_result[0] == '{');
        assert_true(t->agg_confidence_len > 0 && t->agg_confidence[0] == '{');
        (*with_agg)++;
    }
    return 0;
}

static void test_reinfer_writes_and_respects(void **state) {
    struct world w;
    world_open(&w, choice_schema);
    for (int i = 0; i < 3; i++)
        label_all(&w, i, answers, NULL);
    snprintf(w.p.q.method, sizeof w.p.q.method, "mv");

    struct tl_reinfer_stats st;
    assert_int_equal(tl_queue_reinfer(w.s, &w.p, 1, &st), 0);
    assert_int_equal(st.n_labels, 12);
    assert_int_equal(st.n_tasks, N_TASKS);
    assert_int_equal(st.n_workers, 3);
    assert_int_equal(st.n_slow, 0);
    assert_int_equal(st.n_written, N_TASKS);
    /* the same labels again: every row is what is stored, none rewritten */
    assert_int_equal(tl_queue_reinfer(w.s, &w.p, 1, &st), 0);
    assert_int_equal(st.n_written, 0);
    struct agg_view v[N_TASKS];
    size_t n;
    aggregates(&w, v, &n);
    assert_int_equal(n, N_TASKS);
    assert_string_equal(v[0].result, "{\"label\":\"z\"}");
    for (int k = 1; k < N_TASKS; k++) {
        assert_string_equal(v[k].result, "{\"label\":\"x\"}");
        assert_int_equal(v[k].n_annotations, 3);
    }
    /* mv's confidence is the vote share; the worker's agreement is the
     * share of their labels equal to the aggregate */
    assert_non_null(strstr(v[1].confidence, "0.66666"));
    char q[256];
    snprintf(q, sizeof q,
             "SELECT agreement FROM workers WHERE project_pk = %lld AND annotator_pk = %lld",
             (long long)w.p.pk, (long long)w.a[2].user_pk);
    assert_true(sql_double(&w, q) > 0.249 && sql_double(&w, q) < 0.251); /* 1 of 4 */
    snprintf(q, sizeof q,
             "SELECT skill FROM workers WHERE project_pk = %lld AND annotator_pk = %lld",
             (long long)w.p.pk, (long long)w.a[0].user_pk);
    assert_true(sql_double(&w, q) > 0.7);

    /* the export page carries the aggregates of the same snapshot */
    int64_t cursor = 0;
    bool done = false;
    int with_agg = 0;
    assert_int_equal(tl_store_export_page(w.s, &w.m, &w.p, &cursor, 100, 1 << 20, export_fn,
                                          &with_agg, &done),
                     0);
    assert_int_equal(with_agg, N_TASKS);

    /* nothing new: not due; the quality summary shows the run */
    tl_id *due;
    size_t n_due;
    assert_int_equal(tl_store_reinfer_due(w.s, 10, &due, &n_due), 0);
    assert_int_equal(n_due, 0);
    free(due);
    struct tl_quality_summary qs;
    assert_int_equal(tl_store_quality_summary(w.s, &w.p, &qs), 0);
    assert_true(qs.has_run);
    assert_string_equal(qs.run.method, "mv");
    assert_int_equal(qs.run.n_labels, 12);
    assert_non_null(strstr(qs.run.agreement, "\"label\""));
    int64_t total = 0;
    for (int b = 0; b < 10; b++)
        total += qs.histogram[b];
    assert_int_equal(total, N_TASKS);
    tl_quality_summary_release(&qs);

    /* a1's labels set aside: task 0 is x, z (a tie: the first class of the
     * engine's byte order, x); a reviewed aggregate stays; a gold task is
     * its gold; a task whose every label is set aside loses its aggregate */
    snprintf(q, sizeof q, "UPDATE annotations SET set_aside = 1 WHERE annotator_pk = %lld",
             (long long)w.a[1].user_pk);
    sql(&w, q);
    snprintf(q, sizeof q,
             "UPDATE aggregates SET is_reviewed = 1, result = '{\"label\":\"z\"}'"
             " WHERE task_pk = %lld",
             (long long)w.task_pk[1]);
    sql(&w, q);
    snprintf(q, sizeof q, "UPDATE tasks SET gold = '{\"label\":\"z\"}' WHERE pk = %lld",
             (long long)w.task_pk[2]);
    sql(&w, q);
    snprintf(q, sizeof q, "UPDATE annotations SET set_aside = 1 WHERE task_pk = %lld",
             (long long)w.task_pk[3]);
    sql(&w, q);
    assert_int_equal(tl_queue_reinfer(w.s, &w.p, 1, &st), 0);
    assert_int_equal(st.n_labels, 12 - 4 - 2);
    aggregates(&w, v, &n);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].result, "{\"label\":\"x\"}");
    assert_int_equal(v[0].n_annotations, 2);
    assert_true(v[1].is_reviewed);
    assert_string_equal(v[1].result, "{\"label\":\"z\"}");
    assert_int_equal(v[1].n_annotations, 3); /* the reviewed row is untouched */
    assert_string_equal(v[2].result, "{\"label\":\"z\"}");
    assert_string_equal(v[2].confidence, "{\"label\":1}");
    assert_string_equal(v[3].result, "");
    world_close(&w);
}

static const char *all_x(int i, int k) {
    (void)i;
    (void)k;
    return "x";
}

static void test_other_fields_and_auto(void **state) {
    struct world w;
    world_open(&w, "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":"
                   "[\"z\",\"x\"]},{\"name\":\"note\",\"type\":\"text\"}]}");
    for (int i = 0; i < 3; i++)
        label_all(&w, i, i == 2 ? answers : all_x, "same words");
    struct tl_reinfer_stats st;
    assert_int_equal(tl_queue_reinfer(w.s, &w.p, 0, &st), 0); /* the default: auto */
    struct agg_view v[N_TASKS];
    size_t n;
    aggregates(&w, v, &n);
    assert_int_equal(n, N_TASKS);
    for (int k = 0; k < N_TASKS; k++) {
        assert_non_null(strstr(v[k].result, "\"label\":\"x\""));
        assert_non_null(strstr(v[k].result, "\"note\":\"same words\""));
        assert_non_null(strstr(v[k].confidence, "\"note\""));
    }
    /* a new label makes the project due again */
    struct tl_blob item = {"{\"k\":9}", 7};
    assert_int_equal(tl_store_tasks_import(w.s, &w.m, &w.p, &item, 1), 0);
    label_all(&w, 0, all_x, "more");
    tl_id *due;
    size_t n_due;
    assert_int_equal(tl_store_reinfer_due(w.s, 10, &due, &n_due), 0);
    assert_int_equal(n_due, 1);
    assert_string_equal(due[0], w.p.id);
    free(due);
    world_close(&w);
}

/* What a read streams, one line a label. */
struct collected {
    struct tl_buf text;
    size_t n;
};

static int collect(void *ctx, const struct tl_agg_label *l) {
    struct collected *c = ctx;
    char head[64];
    snprintf(head, sizeof head, "%lld %lld ", (long long)l->task_pk, (long long)l->annotator_pk);
    assert_int_equal(tl_buf_puts(&c->text, head), 0);
    assert_int_equal(tl_buf_append(&c->text, l->result, l->result_len), 0);
    assert_int_equal(tl_buf_puts(&c->text, " gold "), 0);
    if (l->gold)
        assert_int_equal(tl_buf_append(&c->text, l->gold, l->gold_len), 0);
    assert_int_equal(tl_buf_puts(&c->text, "\n"), 0);
    c->n++;
    return 0;
}

static void all_aggregates(struct world *w, char *out, size_t cap) {
    struct agg_view v[N_TASKS];
    size_t n;
    aggregates(w, v, &n);
    size_t used = 0;
    for (int k = 0; k < N_TASKS; k++)
        used += (size_t)snprintf(out + used, cap - used, "%s %s %d|", v[k].result,
                                 v[k].confidence, v[k].n_annotations);
}

/* The read in parts streams exactly what one read streams, gold included,
 * and re-inference from parts (joined: workers renumbered, results and
 * gold moved) writes the same aggregates and worker estimates. */
static void test_parts_read_what_one_read_reads(void **state) {
    struct world w;
    world_open(&w, "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":"
                   "[\"z\",\"x\"]},{\"name\":\"note\",\"type\":\"text\"}]}");
    for (int i = 0; i < 3; i++)
        label_all(&w, 2 - i, answers, i == 1 ? "other words" : "same words");
    char q[256];
    for (int k = 0; k < N_TASKS; k += 2) {
        snprintf(q, sizeof q, "UPDATE tasks SET gold = '{\"label\":\"z\"}' WHERE pk = %lld",
                 (long long)w.task_pk[k]);
        sql(&w, q);
    }

    /* a0's label of task 0 set aside: part 0 then numbers its workers
     * differently from the others, which the join must renumber */
    snprintf(q, sizeof q,
             "UPDATE annotations SET set_aside = 1 WHERE task_pk = %lld AND annotator_pk = %lld",
             (long long)w.task_pk[0], (long long)w.a[0].user_pk);
    sql(&w, q);

    struct collected one = {.n = 0}, parts[3];
    tl_buf_init(&one.text, 1 << 20);
    void *ctx1[1] = {&one}, *ctx3[3];
    for (int i = 0; i < 3; i++) {
        parts[i].n = 0;
        tl_buf_init(&parts[i].text, 1 << 20);
        ctx3[i] = &parts[i];
    }
    struct tl_agg_seen seen1, seen3;
    size_t used;
    assert_int_equal(tl_store_agg_labels(w.s, &w.p, 1, collect, ctx1, &used, &seen1), 0);
    assert_int_equal(used, 1);
    assert_int_equal(one.n, 11);
    assert_int_equal(tl_store_agg_labels(w.s, &w.p, 3, collect, ctx3, &used, &seen3), 0);
    assert_int_equal(used, 3);
    assert_int_equal(seen3.n_annotations, seen1.n_annotations);
    struct tl_buf joined;
    tl_buf_init(&joined, 1 << 20);
    for (int i = 0; i < 3; i++) {
        assert_true(parts[i].n > 0); /* 4 tasks in 3 parts: 1, 1 and 2 */
        assert_int_equal(tl_buf_append(&joined, parts[i].text.data, parts[i].text.len), 0);
    }
    assert_int_equal(joined.len, one.text.len);
    assert_memory_equal(joined.data, one.text.data, one.text.len);
    assert_non_null(strstr(one.text.data, "gold {\"label\":\"z\"}"));
    tl_buf_release(&joined);
    tl_buf_release(&one.text);
    for (int i = 0; i < 3; i++)
        tl_buf_release(&parts[i].text);

    struct tl_reinfer_stats st;
    char a1[1024], a3[1024];
    assert_int_equal(tl_queue_reinfer(w.s, &w.p, 1, &st), 0);
    assert_int_equal(st.n_parts, 1);
    all_aggregates(&w, a1, sizeof a1);
    snprintf(q, sizeof q,
             "SELECT sum(skill * (annotator_pk + 1) + agreement * annotator_pk) FROM workers"
             " WHERE project_pk = %lld",
             (long long)w.p.pk);
    double workers1 = sql_double(&w, q);
    sql(&w, "DELETE FROM aggregates");
    sql(&w, "UPDATE workers SET skill = NULL, agreement = NULL");
    assert_int_equal(tl_queue_reinfer(w.s, &w.p, 3, &st), 0);
    assert_int_equal(st.n_parts, 3);
    assert_int_equal(st.n_labels, 11);
    assert_int_equal(st.n_workers, 3);
    all_aggregates(&w, a3, sizeof a3);
    assert_string_equal(a3, a1);
    assert_non_null(strstr(a1, "\"note\":\"same words\""));
    assert_true(sql_double(&w, q) == workers1);
    world_close(&w);
}

/* The store's write-back over several slices (TL_AGG_WRITE_SLICE rows an
 * op): a row equal to the stored one is not rewritten, a changed one is,
 * and a stored row whose task is missing from the write is deleted
 * wherever it falls (the slices' ranges tile every task pk), unless a
 * reviewer's or newer than the read. Synthetic task pks: the table holds
 * no reference to tasks. */
static void test_write_back_across_slices(void **state) {
    struct world w;
    world_open(&w, choice_schema);
    enum { N = 2 * TL_AGG_WRITE_SLICE + 5000 };
    struct tl_agg_row *rows = calloc(N, sizeof *rows);
    assert_non_null(rows);
    for (size_t i = 0; i < N; i++)
        rows[i] = (struct tl_agg_row){.task_pk = 1000000 + 3 * (int64_t)i,
                                      .result = "{\"label\":\"x\"}",
                                      .result_len = 13,
                                      .confidence = "{\"label\":0.5}",
                                      .confidence_len = 13,
                                      .min_confidence = 0.5,
                                      .n_annotations = 3};
    size_t written;
    assert_int_equal(tl_store_agg_write(w.s, &w.p, "mv", rows, N, 1000, &written), 0);
    assert_int_equal(written, N);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM aggregates WHERE project_pk = %lld",
             (long long)w.p.pk);
    assert_true(sql_double(&w, q) == N);
    /* the same rows: nothing written */
    assert_int_equal(tl_store_agg_write(w.s, &w.p, "mv", rows, N, 2000, &written), 0);
    assert_int_equal(written, 0);
    /* every 7th row left out (its task lost its labels), one of them
     * reviewed and one written by a live submit after the read; every 5th
     * of the others changed; the method changed on one */
    sql(&w, "UPDATE aggregates SET is_reviewed = 1 WHERE task_pk = 1000021"); /* i = 7 */
    sql(&w, "UPDATE aggregates SET updated_at = 5000 WHERE task_pk = 1000042"); /* i = 14 */
    size_t kept = 0, changed = 0;
    for (size_t i = 0; i < N; i++) {
        if (i % 7 == 0)
            continue;
        rows[kept] = rows[i];
        if (i % 5 == 0) {
            rows[kept].confidence = "{\"label\":0.6}";
            changed++;
        }
        kept++;
    }
    assert_int_equal(tl_store_agg_write(w.s, &w.p, "mv", rows, kept, 3000, &written), 0);
    assert_int_equal(written, changed);
    assert_true(sql_double(&w, q) == kept + 2); /* + the reviewed and the newer one */
    snprintf(q, sizeof q,
             "SELECT count(*) FROM aggregates WHERE CAST(confidence AS TEXT) = '{\"label\":0.6}'");
    assert_true(sql_double(&w, q) == changed);
    assert_true(sql_double(&w, "SELECT count(*) FROM aggregates WHERE task_pk IN (1000000,"
                               " 1000063, 1000021, 1000042)") == 2);
    /* all changed: every row is rewritten, the slices' first ones too */
    for (size_t i = 0; i < kept; i++)
        rows[i].confidence = "{\"label\":0.7}";
    assert_int_equal(tl_store_agg_write(w.s, &w.p, "mv", rows, kept, 3500, &written), 0);
    assert_int_equal(written, kept);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM aggregates WHERE CAST(confidence AS TEXT) = '{\"label\":0.7}'");
    assert_true(sql_double(&w, q) == kept);
    rows[0].result = "{\"label\":\"z\"}";
    assert_int_equal(tl_store_agg_write(w.s, &w.p, "ds", rows, 1, 4000, &written), 0);
    assert_int_equal(written, 1);
    /* no row at all: every stored one goes but the reviewed and the newer */
    assert_int_equal(tl_store_agg_write(w.s, &w.p, "mv", rows, 0, 4500, &written), 0);
    assert_true(sql_double(&w, "SELECT count(*) FROM aggregates") == 2);
    free(rows);
    world_close(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reinfer_writes_and_respects),
        cmocka_unit_test(test_other_fields_and_auto),
        cmocka_unit_test(test_parts_read_what_one_read_reads),
        cmocka_unit_test(test_write_back_across_slices),
    };
    return cmocka_run_group_tests_name("reinfer", tests, NULL, NULL);
}
