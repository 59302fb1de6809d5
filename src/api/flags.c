/* flags.c: a detector's flags as the API shows them, and the due process
 * around them: GET /api/v1/me/flags (the annotator's own, in every
 * project), POST /api/v1/flags/{id}/appeal (the annotator concerned only:
 * anyone else gets 404, as if the flag did not exist) and POST
 * /api/v1/flags/{id}/decision (the quality lead: policy "lead").
 *
 * Who sees what (docs/quality-workers.md): staff see the evidence whole,
 * with other annotators named as exports name them (tl_policy_shows_email,
 * else the tenant's pseudonym) and the example tasks; the annotator sees
 * the numbers only: no other annotator, no task ids (which would tell
 * gold tasks apart), never a gold answer (evidence holds none). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/policy.h"
#include "core/clock.h"

#define FLAG_TEXT_MAX   2000 /* code points of an appeal or a decision's note */
#define MY_FLAGS_MAX    1000
static const char *const status_names[] = {"open", "upheld", "dismissed"};

static const char *status_name(int status) {
    return status >= 0 && status <= 2 ? status_names[status] : "open";
}

/* Code points of the UTF-8 string s (jansson gives only valid UTF-8). */
static size_t code_points(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

void tl_api_annotator_name(struct tl_api *a, const struct tl_project *p, const char *user_id,
                           const char *tenant_id, enum tl_role role, const char *email,
                           char out[TL_API_NAME_MAX]) {
    if (tl_policy_shows_email(p->tenant_id, tenant_id, role)) {
        snprintf(out, TL_API_NAME_MAX, "%s", email);
        return;
    }
    char name[TL_PSEUDONYM_LEN + 1];
    tl_pseudonym(tl_store_secret(a->store), p->tenant_id, user_id, name);
    snprintf(out, TL_API_NAME_MAX, "%s", name);
}

/* The name staff see for user_id: from persons when there, else looked up
 * (the project's tenant, then the workforce). */
static void peer_name(struct tl_api *a, const struct tl_project *p, const char *user_id,
                      const struct tl_wk_person *persons, size_t n, char out[TL_API_NAME_MAX]) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(persons[i].user_id, user_id)) {
            tl_api_annotator_name(a, p, user_id, persons[i].tenant_id, persons[i].role,
                                  persons[i].email, out);
            return;
        }
    struct tl_user u;
    if (!tl_store_user_get(a->store, p->tenant_id, user_id, &u) ||
        !tl_store_user_get(a->store, "", user_id, &u))
        tl_api_annotator_name(a, p, user_id, u.tenant_id, u.role, u.email, out);
    else
        tl_api_annotator_name(a, p, user_id, "", TL_ROLE_ANNOTATOR, "", out);
}

static json_t *evidence_json(struct tl_api *a, const struct tl_project *p, const struct tl_flag *f,
                             const struct tl_wk_person *persons, size_t n, bool is_staff) {
    json_t *e = json_loads(f->evidence, 0, NULL);
    if (!json_is_object(e)) {
        json_decref(e);
        return json_object();
    }
    const char *peer_id = json_string_value(json_object_get(e, "peer_id"));
    if (is_staff && peer_id) {
        char name[TL_API_NAME_MAX];
        peer_name(a, p, peer_id, persons, n, name);
        json_object_set_new(e, "peer", json_string(name));
    }
    json_object_del(e, "peer_id");
    if (!is_staff)
        json_object_del(e, "tasks");
    return e;
}

static json_t *appeal_json(const struct tl_flag *f) {
    if (!f->appeal)
        return json_null();
    return json_pack("{s:s,s:o}", "text", f->appeal, "created_at",
                     tl_api_time_or_null(f->appealed_at_ms));
}

static json_t *decision_json(const struct tl_flag *f, bool is_staff) {
    if (f->status == TL_FLAG_OPEN)
        return json_null();
    json_t *d = json_pack("{s:s,s:s?,s:o}", "decision",
                          f->status == TL_FLAG_UPHELD ? "uphold" : "dismiss", "note", f->note,
                          "decided_at", tl_api_time_or_null(f->decided_at_ms));
    /* who decided is kept and shown to staff; the annotator sees the
     * decision, not which colleague of the customer made it */
    if (d && is_staff)
        json_object_set_new(d, "by", json_string(f->decided_by_email));
    return d;
}

json_t *tl_api_flag_json(struct tl_api *a, const struct tl_project *p, const struct tl_flag *f,
                         const struct tl_wk_person *persons, size_t n) {
    return json_pack("{s:s,s:s,s:f,s:o,s:o,s:s,s:o}", "id", f->id, "rule", f->rule, "score",
                     f->score, "evidence", evidence_json(a, p, f, persons, n, true), "created_at",
                     tl_api_time_or_null(f->created_at_ms), "status", status_name(f->status),
                     "appeal", appeal_json(f));
}

/* A flag as its annotator sees it (GET /me/flags, the appeal's answer). */
static json_t *my_flag_json(struct tl_api *a, const struct tl_flag *f) {
    struct tl_project p = {0};
    snprintf(p.tenant_id, sizeof p.tenant_id, "%s", "");
    return json_pack("{s:s,s:s,s:s,s:s,s:f,s:o,s:o,s:s,s:o,s:o}", "id", f->id, "project_id",
                     f->project_id, "project_name", f->project_name, "rule", f->rule, "score",
                     f->score, "evidence", evidence_json(a, &p, f, NULL, 0, false), "created_at",
                     tl_api_time_or_null(f->created_at_ms), "status", status_name(f->status),
                     "appeal", appeal_json(f), "decision", decision_json(f, false));
}

/* A flag as the lead sees it after deciding (the decision's answer). */
static json_t *lead_flag_json(struct tl_api *a, const struct tl_project *p,
                              const struct tl_flag *f) {
    json_t *j = tl_api_flag_json(a, p, f, NULL, 0);
    if (j) {
        char name[TL_API_NAME_MAX];
        peer_name(a, p, f->annotator_id, NULL, 0, name);
        json_object_set_new(j, "annotator", json_string(name));
        json_object_set_new(j, "decision", decision_json(f, true));
    }
    return j;
}

void tl_api_me_flags(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_flag *f = NULL;
    size_t n = 0;
    int rc = tl_store_flags_mine(a->store, &tl_api_call(r)->sc, MY_FLAGS_MAX, &f, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, my_flag_json(a, &f[i]))) {
            json_decref(arr);
            arr = NULL;
        }
    tl_flags_free(f, n);
    tl_http_respond_json(r, 200, arr ? json_pack("{s:o}", "flags", arr) : NULL);
}

/* A text member of body of 1..FLAG_TEXT_MAX code points, or NULL when it
 * is absent and may be (is_optional); else answers 400 and sets *bad. */
static const char *text_member(struct tl_http_req *r, const json_t *body, const char *key,
                               bool is_optional, bool *bad) {
    const json_t *v = json_object_get(body, key);
    if (!v && is_optional)
        return NULL;
    const char *s = json_string_value(v);
    size_t n = s ? code_points(s) : 0;
    if (!s || n < 1 || n > FLAG_TEXT_MAX || strlen(s) != json_string_length(v)) {
        tl_http_respond_error(r, 400, "invalid", "'%s' must be a string of 1 to %d characters",
                              key, FLAG_TEXT_MAX);
        *bad = true;
    }
    return s;
}

void tl_api_flag_appeal(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *id = tl_http_param(r, 0);
    struct tl_flag f;
    int rc = tl_store_flag_get(a->store, &c->p, id, &f);
    if (!rc && f.annotator_pk != c->sc.user_pk) {
        tl_flag_release(&f);
        rc = TL_ENOTFOUND; /* someone else's: not revealed */
    }
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    int status = f.status;
    tl_flag_release(&f);
    static const char *const known[] = {"text", NULL};
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    bool bad = false;
    const char *text = text_member(r, body, "text", false, &bad);
    if (!bad && status == TL_FLAG_DISMISSED) {
        tl_http_respond_error(r, 409, "conflict", "the flag was dismissed: nothing to appeal");
        bad = true;
    }
    if (!bad)
        rc = tl_store_flag_appeal(a->store, &c->sc, &c->p, id, text, tl_clock_ms());
    json_decref(body);
    if (bad)
        return;
    if (!rc)
        rc = tl_store_flag_get(a->store, &c->p, id, &f);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *j = my_flag_json(a, &f);
    tl_flag_release(&f);
    tl_http_respond_json(r, 200, j);
}

void tl_api_flag_decision(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *id = tl_http_param(r, 0);
    static const char *const known[] = {"decision", "note", NULL};
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    const char *decision = json_string_value(json_object_get(body, "decision"));
    bool bad = false;
    if (!decision || (strcmp(decision, "uphold") && strcmp(decision, "dismiss"))) {
        tl_http_respond_error(r, 400, "invalid", "'decision' must be \"uphold\" or \"dismiss\"");
        bad = true;
    }
    const char *note = bad ? NULL : text_member(r, body, "note", true, &bad);
    int rc = 0;
    if (!bad)
        rc = tl_store_flag_decide(a->store, &c->sc, &c->p, id, !strcmp(decision, "uphold"), note,
                                  tl_clock_ms());
    json_decref(body);
    if (bad)
        return;
    struct tl_flag f;
    if (!rc)
        rc = tl_store_flag_get(a->store, &c->p, id, &f);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *j = lead_flag_json(a, &c->p, &f);
    tl_flag_release(&f);
    tl_http_respond_json(r, 200, j);
}
