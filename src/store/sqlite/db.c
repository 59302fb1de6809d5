/* db.c: open/migrate the SQLite file, the reader pool, the group-commit
 * writer (see db.h for the model). */
#include "store/sqlite/db.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "store/migrations/migrations.h"
#include "store/sqlite/secret.h"

/* quality (core): a task is complete under adaptive overlap (Q_GOLD_REOPEN). */
#define GOLD_COMPLETE                                                                        \
    "n_annotations >= ?3 OR (n_annotations >= ?2 AND (?4 <= 0 OR COALESCE((SELECT"          \
    " g.min_confidence FROM aggregates g WHERE g.task_pk = tasks.pk), 1) >= ?4))"

#define PROJECT_COLS                                                                         \
    "p.pk, p.id, t.id, p.name, p.schema, p.overlap, p.lease_seconds, p.created_at, "        \
    "p.n_tasks, p.n_annotations, p.n_completed, p.max_leases_per_annotator, "               \
    "p.instructions, p.allow_edits, p.archived, p.gold_rate, p.qual_tasks, p.qual_pass, "   \
    "p.max_overlap, p.confidence_target, p.agg_method, p.quality_policy, p.gold_threshold, " \
    "p.review_rate, p.review_below "                                                         \
    "FROM projects p JOIN tenants t ON t.pk = "                                            \
    "p.tenant_pk AND p.deleted = 0 "

#define LC_SLICE_TASKS                                                                       \
    "SELECT pk FROM tasks WHERE project_pk = ?1 AND pk >= ?3 ORDER BY pk LIMIT ?2"
#define LC_SLICE(table) "DELETE FROM " table " WHERE task_pk IN (" LC_SLICE_TASKS ")"

#define USER_COLS                                                                            \
    "u.pk, u.id, COALESCE(t.id, ''), u.role, u.email, u.disabled, u.created_at "            \
    "FROM users u LEFT JOIN tenants t ON t.pk = u.tenant_pk "

static const char *const sql[Q_COUNT] = {
    /* webhooks and their outbox (webhooks.c): a hook is reached only
     * through its project, already fetched through the caller's filter */
    [Q_HOOK_COUNT] = "SELECT count(*) FROM webhooks WHERE project_pk = ?1",
    [Q_HOOK_INSERT] = "INSERT INTO webhooks(id, tenant_pk, project_pk, url, secret, events,"
                      " created_at) SELECT ?1, p.tenant_pk, p.pk, ?4, ?5, ?6, ?7 FROM projects p"
                      " WHERE p.pk = ?3 AND p.tenant_pk = ?2",
    [Q_HOOK_LIST] = "SELECT id, url, events, created_at FROM webhooks WHERE project_pk = ?1"
                    " ORDER BY pk",
    [Q_HOOK_PK] = "SELECT pk FROM webhooks WHERE id = ?1 AND project_pk = ?2",
    [Q_HOOK_DELETE_LOG] = "DELETE FROM webhook_deliveries WHERE webhook_pk = ?1",
    [Q_HOOK_DELETE] = "DELETE FROM webhooks WHERE pk = ?1",
    [Q_HOOK_OF_PROJECT] = "SELECT pk, events FROM webhooks WHERE project_pk = ?1",
    [Q_HOOK_OUTBOX] = "INSERT INTO webhook_deliveries(id, webhook_pk, event, payload, next_at,"
                      " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?5)",
    [Q_HOOK_PROJECT_LEFT] = "SELECT n_tasks - n_completed FROM projects WHERE pk = ?1",
    [Q_HOOK_TASK_ID] = "SELECT id FROM tasks WHERE pk = ?1",
    [Q_HOOK_LOG] = "SELECT id, event, status, attempts, last_status, COALESCE(last_error, ''),"
                   " created_at, COALESCE(delivered_at, 0), next_at FROM webhook_deliveries"
                   " WHERE webhook_pk = ?1 ORDER BY pk DESC LIMIT ?2",
    [Q_HOOK_DUE] = "SELECT d.pk, d.id, d.attempts, h.url, h.secret, d.event, d.payload"
                   " FROM webhook_deliveries d JOIN webhooks h ON h.pk = d.webhook_pk"
                   " WHERE d.status = 0 AND (?2 OR d.next_at <= ?1) ORDER BY d.next_at, d.pk"
                   " LIMIT ?3",
    [Q_HOOK_RECORD] = "UPDATE webhook_deliveries SET status = ?2, attempts = ?3,"
                      " last_status = ?4, last_error = ?5, next_at = ?6, delivered_at = ?7"
                      " WHERE pk = ?1",
    /* the finished rows of the recorded one's webhook older than its
     * newest ?2 (none while it has fewer) */
    [Q_HOOK_PRUNE] = "DELETE FROM webhook_deliveries WHERE webhook_pk = (SELECT webhook_pk"
                     " FROM webhook_deliveries WHERE pk = ?1) AND status != 0 AND pk < (SELECT"
                     " pk FROM webhook_deliveries WHERE webhook_pk = (SELECT webhook_pk FROM"
                     " webhook_deliveries WHERE pk = ?1) ORDER BY pk DESC LIMIT 1 OFFSET ?2)",
    /* media files: a row only for a project of the caller's tenant; a
     * read only inside the project (already fetched through the caller's
     * filter) and, when the filter has one, the tenant (?3 = 0: workforce) */
    [Q_FILE_INSERT] = "INSERT INTO files(id, tenant_pk, project_pk, content_type, size, created_at)"
                      " SELECT ?1, p.tenant_pk, p.pk, ?4, ?5, ?6 FROM projects p"
                      " WHERE p.pk = ?3 AND p.tenant_pk = ?2",
    [Q_FILE_GET] = "SELECT id, content_type, size, created_at FROM files"
                   " WHERE id = ?1 AND project_pk = ?2 AND (?3 = 0 OR tenant_pk = ?3)",
    /* people (people.c): a user's tenant is named by its id, "" for the
     * workforce; token calls reach the caller's own tokens (?2), their
     * tenant's users' (?3, NULL for none) or, for the admin CLI, any (?4). */
    [Q_TENANT_LIST] = "SELECT t.id, t.name, t.created_at,"
                      " (SELECT COUNT(*) FROM users u WHERE u.tenant_pk = t.pk)"
                      " FROM tenants t ORDER BY t.pk",
    [Q_TENANT_GET] = "SELECT id, name, created_at, 0 FROM tenants WHERE id = ?1",
    [Q_USER_LIST] = "SELECT " USER_COLS "WHERE ?1 IS NULL OR COALESCE(t.id, '') = ?1"
                    " ORDER BY u.pk",
    [Q_USER_GET] = "SELECT " USER_COLS "WHERE u.id = ?1 AND COALESCE(t.id, '') = ?2",
    [Q_USER_UPDATE] = "UPDATE users SET disabled = COALESCE(?3, disabled),"
                      " role = COALESCE(?4, role) WHERE id = ?1"
                      " AND COALESCE((SELECT id FROM tenants WHERE pk = users.tenant_pk), '') = ?2",
    [Q_MEMBER_PROJECTS] = "SELECT p.id, p.name, m.role FROM project_members m"
                          " JOIN projects p ON p.pk = m.project_pk WHERE m.user_pk = ?1"
                          " ORDER BY p.pk DESC",
    [Q_TOKEN_LIST] = "SELECT k.id, u.id, COALESCE(k.name, ''), k.created_at,"
                     " COALESCE(k.expires_at, 0), k.kind FROM tokens k"
                     " JOIN users u ON u.pk = k.user_pk"
                     " WHERE k.revoked = 0 AND (k.expires_at IS NULL OR k.expires_at > ?1)"
                     " AND (u.pk = ?2 OR u.tenant_pk = ?3 OR ?4) AND (?5 IS NULL OR u.id = ?5)"
                     " ORDER BY k.pk",
    [Q_TOKEN_REVOKE] = "UPDATE tokens SET revoked = 1 WHERE id = ?1 AND revoked = 0"
                       " AND user_pk IN (SELECT pk FROM users WHERE pk = ?2 OR tenant_pk = ?3"
                       " OR ?4)",
    [Q_TOKEN_REVOKE_HASH] = "UPDATE tokens SET revoked = 1 WHERE hash = ?1 AND revoked = 0",
    [Q_SAVEPOINT] = "SAVEPOINT op",
    [Q_RELEASE] = "RELEASE op",
    [Q_ROLLBACK_TO] = "ROLLBACK TO op",
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_TENANT_INSERT] = "INSERT INTO tenants(id, name, created_at) VALUES(?1, ?2, ?3)",
    [Q_TENANT_FIND] = "SELECT id FROM tenants WHERE name = ?1",
    [Q_TENANT_PK] = "SELECT pk FROM tenants WHERE id = ?1",
    [Q_USER_INSERT] = "INSERT INTO users(id, tenant_pk, email, role, password_hash, created_at)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_USER_FIND] = "SELECT u.pk, u.id, COALESCE(t.id, ''), u.role, u.email,"
                    " COALESCE(u.password_hash, ''), COALESCE(u.tenant_pk, 0), u.disabled,"
                    " u.created_at FROM users u LEFT JOIN tenants t ON t.pk = u.tenant_pk WHERE u.email = ?1",
    [Q_TOKEN_INSERT] = "INSERT INTO tokens(hash, user_pk, created_at, expires_at, id, name,"
                       " kind) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_TOKEN_SCOPE] = "SELECT u.pk, COALESCE(u.tenant_pk, 0), u.role, u.id, COALESCE(t.id, ''),"
                      " COALESCE(k.expires_at, 0)"
                      " FROM tokens k JOIN users u ON u.pk = k.user_pk"
                      " LEFT JOIN tenants t ON t.pk = u.tenant_pk"
                      " WHERE k.hash = ?1 AND k.revoked = 0 AND u.disabled = 0"
                      " AND (k.expires_at IS NULL OR k.expires_at > ?2)",
    [Q_PROJECT_INSERT] = "INSERT INTO projects(id, tenant_pk, name, schema, overlap,"
                         " lease_seconds, created_at, max_leases_per_annotator, instructions)"
                         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_PROJECT_GET_STAFF] = "SELECT " PROJECT_COLS "WHERE p.id = ?1 AND p.tenant_pk = ?2",
    /* The admin CLI's lookup (store.h: tl_store_project_get_admin). */
    [Q_PROJECT_GET_ADMIN] = "SELECT " PROJECT_COLS "WHERE p.id = ?1",
    /* An annotator reaches a project only through a membership row, and a
     * tenant's own annotator only inside that tenant (?3 = 0: workforce). */
    [Q_PROJECT_GET_MEMBER] = "SELECT " PROJECT_COLS
                             "JOIN project_members m ON m.project_pk = p.pk AND m.user_pk = ?2"
                             " WHERE p.id = ?1 AND (?3 = 0 OR p.tenant_pk = ?3)",
    /* The list queries number their parameters like the get queries (?1,
     * the id, unused) so that one binder serves both (ops.c). */
    [Q_PROJECT_LIST_STAFF] = "SELECT " PROJECT_COLS "WHERE p.tenant_pk = ?2 AND ?1 IS NULL"
                             " ORDER BY p.pk DESC",
    [Q_PROJECT_LIST_MEMBER] = "SELECT " PROJECT_COLS
                              "JOIN project_members m ON m.project_pk = p.pk AND m.user_pk = ?2"
                              " WHERE (?3 = 0 OR p.tenant_pk = ?3) AND ?1 IS NULL"
                              " ORDER BY p.pk DESC",
    [Q_PROJECT_ADD_TASKS] = "UPDATE projects SET n_tasks = n_tasks + ?1 WHERE pk = ?2",
    [Q_PROJECT_BUMP] = "UPDATE projects SET n_annotations = n_annotations + 1,"
                       " n_completed = n_completed + ?1 WHERE pk = ?2",
    [Q_MEMBER_UPSERT] = "INSERT INTO project_members(project_pk, user_pk, role, created_at)"
                        " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(project_pk, user_pk)"
                        " DO UPDATE SET role = excluded.role",
    [Q_MEMBER_ROLE] = "SELECT role FROM project_members WHERE project_pk = ?1 AND user_pk = ?2",
    [Q_TASK_INSERT] = "INSERT INTO tasks(id, project_pk, tenant_pk, data, created_at)"
                      " VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_TASK_PROJECT] = "SELECT p.id FROM tasks k JOIN projects p ON p.pk = k.project_pk"
                       " WHERE k.id = ?1",
    [Q_TASK_DATA] = "SELECT data FROM tasks WHERE id = ?1 AND project_pk = ?2",
    /* The caller's live leases on a project, oldest first (lease_seconds is
     * fixed per project, so expiry order is claim order): one range of
     * leases_holder, read from the index alone. ?4 caps the rows read. */
    [Q_LEASE_HELD] = "SELECT pk FROM leases WHERE annotator_pk = ?1 AND project_pk = ?2"
                     " AND expires_at > ?3 ORDER BY expires_at, pk LIMIT ?4",
    [Q_LEASE_RESUME] = "SELECT l.id, l.expires_at, k.id, k.data, k.pk FROM leases l"
                       " JOIN tasks k ON k.pk = l.task_pk WHERE l.pk = ?1",
    [Q_LEASE_INSERT] = "INSERT INTO leases(id, task_pk, annotator_pk, expires_at, created_at,"
                       " project_pk) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_LEASE_FIND] = "SELECT l.pk, l.task_pk, l.annotator_pk, l.expires_at, k.id, k.project_pk,"
                     " k.n_annotations, l.created_at FROM leases l JOIN tasks k ON k.pk = l.task_pk"
                     " WHERE l.id = ?1",
    [Q_LEASE_DELETE] = "DELETE FROM leases WHERE pk = ?1",
    [Q_LEASE_PURGE] = "DELETE FROM leases WHERE expires_at <= ?1",
    [Q_ANNOT_INSERT] = "INSERT INTO annotations(id, task_pk, annotator_pk, lease_id, result,"
                       " created_at, claimed_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* The caller's annotation on a task of the project, to tell a client's
     * retry of a submission that was stored (same lease, same result) from
     * a second, different one: one probe of UNIQUE(task_pk, annotator_pk). */
    [Q_ANNOT_RESUBMIT] = "SELECT a.id FROM annotations a JOIN tasks k ON k.pk = a.task_pk"
                         " WHERE k.id = ?1 AND k.project_pk = ?2 AND a.annotator_pk = ?3"
                         " AND a.lease_id = ?4 AND a.result = ?5",
    /* A staged import: batches wait in import_staging, invisible to every
     * reader, until one write moves them into tasks (or deletes them). */
    [Q_STAGE_PROJECT] = "SELECT 1 FROM projects WHERE pk = ?1 AND tenant_pk = ?2",
    /* the parameters of Q_TASK_INSERT, then the import id */
    [Q_STAGE_INSERT] = "INSERT INTO import_staging(id, project_pk, tenant_pk, data, created_at,"
                       " import_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    /* In slices: every page a write changes is copied into its savepoint's
     * journal, held in memory (temp_store=MEMORY), so deleting 60 MiB of
     * staged rows in one op cost 100 MiB of RAM. */
    [Q_STAGE_DELETE] = "DELETE FROM import_staging WHERE pk IN (SELECT pk FROM import_staging"
                       " WHERE import_id = ?1 AND project_pk = ?2 AND tenant_pk = ?3 LIMIT ?4)",
    /* Predictions (pre-labels): inserted with their task, staged with it,
     * moved by the same write; read by task and project. */
    [Q_PRED_INSERT] = "INSERT INTO predictions(task_pk, project_pk, tenant_pk, model, score,"
                      " result, created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_IMPORTED_INSERT] = "INSERT INTO imported_annotations(task_pk, project_pk, tenant_pk,"
                          " source, result, created_at, id) VALUES(?1, ?2, ?3, ?4, ?6, ?7, ?8)",
    [Q_PRED_STAGE_INSERT] = "INSERT INTO prediction_staging(import_id, task_id, project_pk,"
                            " tenant_pk, model, score, result, created_at, kind, annotation_id)"
                            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    /* After Q_STAGE_MOVE: the task ids given at staging find their rows. */
    [Q_PRED_STAGE_MOVE] = "INSERT INTO predictions(task_pk, project_pk, tenant_pk, model, score,"
                          " result, created_at)"
                          " SELECT k.pk, s.project_pk, s.tenant_pk, s.model, s.score, s.result,"
                          " s.created_at FROM prediction_staging s JOIN tasks k ON k.id = s.task_id"
                          " AND k.project_pk = s.project_pk"
                          " WHERE s.import_id = ?1 AND s.project_pk = ?2 AND s.tenant_pk = ?3"
                          " AND s.kind = 0 ORDER BY s.pk",
    [Q_IMPORTED_STAGE_MOVE] = "INSERT INTO imported_annotations(id, task_pk, project_pk, tenant_pk,"
                              " source, result, created_at)"
                              " SELECT s.annotation_id, k.pk, s.project_pk, s.tenant_pk, s.model,"
                              " s.result, s.created_at FROM prediction_staging s JOIN tasks k"
                              " ON k.id = s.task_id AND k.project_pk = s.project_pk"
                              " WHERE s.import_id = ?1 AND s.project_pk = ?2 AND s.tenant_pk = ?3"
                              " AND s.kind = 1 ORDER BY s.pk",
    [Q_PRED_STAGE_DELETE] = "DELETE FROM prediction_staging WHERE pk IN (SELECT pk FROM"
                            " prediction_staging WHERE import_id = ?1 AND project_pk = ?2"
                            " AND tenant_pk = ?3 LIMIT ?4)",
    [Q_PRED_OF_TASK] = "SELECT model, score, result FROM predictions"
                       " WHERE task_pk = ?1 AND project_pk = ?2 ORDER BY pk LIMIT ?3",
    [Q_EXPORT_PREDS] = "SELECT task_pk, model, score, result FROM predictions"
                       " WHERE task_pk >= ?1 AND task_pk <= ?2 AND project_pk = ?3"
                       " ORDER BY task_pk, pk",
    /* ---- lifecycle.c: every statement names the project and its tenant ---- */
    [Q_LC_PROJECT_UPDATE] = "UPDATE projects SET name = ?3, instructions = ?4, overlap = ?5,"
                            " lease_seconds = ?6, max_leases_per_annotator = ?7,"
                            " allow_edits = ?8, archived = ?9"
                            " WHERE pk = ?1 AND tenant_pk = ?2 AND deleted = 0",
    [Q_LC_PROJECT_DELETE] = "UPDATE projects SET deleted = 1"
                            " WHERE pk = ?1 AND tenant_pk = ?2 AND deleted = 0",
    [Q_LC_DELETED] = "SELECT pk FROM projects WHERE deleted = 1",
    [Q_LC_FILE_IDS] = "SELECT id FROM files WHERE project_pk = ?1 AND tenant_pk = ?2",
    [Q_LC_TASKS_ALL] = "SELECT pk, id, data, is_open, n_annotations, created_at,"
                       " gold IS NOT NULL FROM tasks"
                       " WHERE project_pk = ?1 AND tenant_pk = ?2 AND pk > ?3"
                       " ORDER BY pk LIMIT ?4",
    /* open or complete (?5: is_open); gold tasks (is_open 0) are neither */
    [Q_LC_TASKS_STATE] = "SELECT pk, id, data, is_open, n_annotations, created_at, 0 FROM tasks"
                         " WHERE project_pk = ?1 AND tenant_pk = ?2 AND pk > ?3 AND is_open = ?5"
                         " AND gold IS NULL ORDER BY pk LIMIT ?4",
    [Q_LC_TASKS_GOLD] = "SELECT pk, id, data, is_open, n_annotations, created_at, 1 FROM tasks"
                        " WHERE project_pk = ?1 AND tenant_pk = ?2 AND pk > ?3"
                        " AND gold IS NOT NULL ORDER BY pk LIMIT ?4",
    [Q_LC_TASK_GET] = "SELECT pk, id, data, is_open, n_annotations, created_at,"
                      " gold IS NOT NULL FROM tasks"
                      " WHERE project_pk = ?1 AND tenant_pk = ?2 AND id = ?3",
    [Q_LC_TASK_FIND] = "SELECT pk, is_open, n_annotations FROM tasks"
                       " WHERE project_pk = ?1 AND tenant_pk = ?2 AND id = ?3",
    [Q_LC_PROJECT_SUB] = "UPDATE projects SET n_tasks = n_tasks - ?2,"
                         " n_annotations = n_annotations - ?3, n_completed = n_completed - ?4"
                         " WHERE pk = ?1",
    /* A slice of ?2 tasks of project ?1 from pk ?3 on, and what hangs on
     * them, in the order foreign keys need: one task (LIMIT 1) or a slice
     * of a deleted project's purge (bounded: see Q_STAGE_DELETE). */
    [Q_LC_SLICE_ANNOTS] = LC_SLICE("annotations"),
    [Q_LC_SLICE_LEASES] = LC_SLICE("leases"),
    [Q_LC_SLICE_PREDS] = LC_SLICE("predictions"),
    [Q_LC_SLICE_IMPORTED] = LC_SLICE("imported_annotations"),
    [Q_LC_SLICE_SKIPS] = LC_SLICE("skips"),
    [Q_LC_SLICE_HISTORY] = LC_SLICE("annotation_history"),
    [Q_LC_SLICE_REVIEWS] = LC_SLICE("reviews"),
    [Q_LC_SLICE_AGGREGATES] = LC_SLICE("aggregates"),
    [Q_LC_SLICE_TASKS] = "DELETE FROM tasks WHERE pk IN (" LC_SLICE_TASKS ")",
    [Q_LC_END_MEMBERS] = "DELETE FROM project_members WHERE project_pk = ?1",
    [Q_LC_END_FILES] = "DELETE FROM files WHERE project_pk = ?1",
    [Q_LC_END_STATS] = "DELETE FROM stats_buckets WHERE project_pk = ?1",
    [Q_LC_END_STATS_ANNOTATORS] = "DELETE FROM stats_annotators WHERE project_pk = ?1",
    [Q_LC_END_FLAGS] = "DELETE FROM flags WHERE project_pk = ?1",
    [Q_LC_END_WORKERS] = "DELETE FROM workers WHERE project_pk = ?1",
    [Q_LC_END_SWEEPS] = "DELETE FROM review_sweeps WHERE project_pk = ?1",
    [Q_LC_END_RUNS] = "DELETE FROM quality_runs WHERE project_pk = ?1",
    [Q_LC_END_PROJECT] = "DELETE FROM projects WHERE pk = ?1 AND deleted = 1",
    /* stats.c: the counters of migration 10, kept by the writer wherever
     * projects.n_annotations / n_completed change. ?2 is a time in ms, ?3
     * the annotations and ?4 the completions it adds (negative: removes)
     * to its minute and its hour. */
    [Q_ST_BUMP] = "INSERT INTO stats_buckets(project_pk, span, start, n_annotations, n_completed)"
                  " VALUES(?1, 60, ?2 / 60000, ?3, ?4), (?1, 3600, ?2 / 3600000, ?3, ?4)"
                  " ON CONFLICT(project_pk, span, start) DO UPDATE SET"
                  " n_annotations = n_annotations + excluded.n_annotations,"
                  " n_completed = n_completed + excluded.n_completed",
    /* ?3 annotations (+1 or -1) of annotator ?2 on project ?1, ?4 ms of
     * claim-to-submit, ?5 its time (0 when removing), ?6 its histogram bin
     * (-1: no claim time) */
    [Q_ST_ANNOTATOR_BUMP] = "INSERT INTO stats_annotators(project_pk, annotator_pk, n_annotations,"
                            " ms_total, last_at, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11)"
                            " VALUES(?1, ?2, ?3, ?4, ?5, ?3 * (?6 = 0), ?3 * (?6 = 1),"
                            " ?3 * (?6 = 2), ?3 * (?6 = 3), ?3 * (?6 = 4), ?3 * (?6 = 5),"
                            " ?3 * (?6 = 6), ?3 * (?6 = 7), ?3 * (?6 = 8), ?3 * (?6 = 9),"
                            " ?3 * (?6 = 10), ?3 * (?6 = 11))"
                            " ON CONFLICT(project_pk, annotator_pk) DO UPDATE SET"
                            " n_annotations = n_annotations + excluded.n_annotations,"
                            " ms_total = ms_total + excluded.ms_total,"
                            " last_at = max(last_at, excluded.last_at),"
                            " h0 = h0 + excluded.h0, h1 = h1 + excluded.h1, h2 = h2 + excluded.h2,"
                            " h3 = h3 + excluded.h3, h4 = h4 + excluded.h4, h5 = h5 + excluded.h5,"
                            " h6 = h6 + excluded.h6, h7 = h7 + excluded.h7, h8 = h8 + excluded.h8,"
                            " h9 = h9 + excluded.h9, h10 = h10 + excluded.h10,"
                            " h11 = h11 + excluded.h11",
    /* after a deletion: the newest left, only when the one gone (?3) was it */
    [Q_ST_LAST_AT] = "UPDATE stats_annotators SET last_at = COALESCE((SELECT max(a.created_at)"
                     " FROM annotations a JOIN tasks k ON k.pk = a.task_pk AND k.project_pk = ?1"
                     " WHERE a.annotator_pk = ?2), 0)"
                     " WHERE project_pk = ?1 AND annotator_pk = ?2 AND last_at = ?3",
    /* a task's completion time: its newest annotation's */
    [Q_ST_DONE_AT] = "SELECT max(created_at) FROM annotations WHERE task_pk = ?1",
    [Q_ST_TASK_ANNOTS] = "SELECT annotator_pk, created_at, claimed_at FROM annotations"
                         " WHERE task_pk = ?1",
    /* a new overlap moved tasks across completion: count them again */
    [Q_ST_RECOUNT_CLEAR] = "UPDATE stats_buckets SET n_completed = 0"
                           " WHERE project_pk = ?1 AND n_completed != 0",
    [Q_ST_RECOUNT] = "INSERT INTO stats_buckets(project_pk, span, start, n_annotations,"
                     " n_completed) SELECT ?1, s.span, d.done / (s.span * 1000), 0, count(*)"
                     " FROM (SELECT (SELECT max(a.created_at) FROM annotations a"
                     "   WHERE a.task_pk = k.pk) AS done FROM tasks k"
                     "   WHERE k.project_pk = ?1 AND k.is_open = 0 AND k.gold IS NULL) d"
                     " JOIN (SELECT 60 AS span UNION ALL SELECT 3600) s WHERE d.done IS NOT NULL"
                     " GROUP BY 2, 3 ON CONFLICT(project_pk, span, start)"
                     " DO UPDATE SET n_completed = excluded.n_completed",
    /* the reads: one snapshot, O(buckets + annotators) rows */
    [Q_ST_COMPLETED] = "SELECT n_completed FROM projects WHERE pk = ?1",
    [Q_ST_FIRST] = "SELECT start FROM stats_buckets WHERE project_pk = ?1 AND span = ?2"
                   " AND n_annotations > 0 ORDER BY start LIMIT 1",
    [Q_ST_BUCKETS] = "SELECT start, n_annotations, n_completed FROM stats_buckets"
                     " WHERE project_pk = ?1 AND span = ?2 AND start >= ?3 ORDER BY start",
    [Q_ST_SECONDS] = "SELECT sum(h0), sum(h1), sum(h2), sum(h3), sum(h4), sum(h5), sum(h6),"
                     " sum(h7), sum(h8), sum(h9), sum(h10), sum(h11)"
                     " FROM stats_annotators WHERE project_pk = ?1",
    [Q_ST_ANNOTATORS] = "SELECT s.n_annotations, u.id, u.email, COALESCE(t.id, ''), u.role,"
                        " s.h0, s.h1, s.h2, s.h3, s.h4, s.h5, s.h6, s.h7, s.h8, s.h9, s.h10,"
                        " s.h11"
                        " FROM stats_annotators s JOIN users u ON u.pk = s.annotator_pk"
                        " LEFT JOIN tenants t ON t.pk = u.tenant_pk"
                        " WHERE s.project_pk = ?1 AND s.n_annotations > 0"
                        " ORDER BY s.n_annotations DESC, s.annotator_pk LIMIT ?2",
    [Q_ST_ME] = "SELECT p.id, p.name, COALESCE(w.n_annotations, 0), COALESCE(w.ms_total, 0),"
                " CASE WHEN w.n_annotations > 0 THEN w.last_at END AS last"
                " FROM project_members m JOIN projects p ON p.pk = m.project_pk AND p.deleted = 0"
                "   AND (?2 = 0 OR p.tenant_pk = ?2)"
                " LEFT JOIN stats_annotators w ON w.project_pk = p.pk AND w.annotator_pk = ?1"
                " WHERE m.user_pk = ?1 ORDER BY last IS NULL, last DESC, p.pk DESC",
    [Q_LC_MEMBERS] = "SELECT u.id, u.email, u.tenant_pk IS NULL, m.role,"
                     " (SELECT count(*) FROM annotations a JOIN tasks k ON k.pk = a.task_pk"
                     "   WHERE a.annotator_pk = u.pk AND k.project_pk = m.project_pk),"
                     " (SELECT count(*) FROM leases l WHERE l.annotator_pk = u.pk"
                     "   AND l.project_pk = m.project_pk AND l.expires_at > ?3),"
                     " (SELECT count(*) FROM skips s WHERE s.project_pk = m.project_pk"
                     "   AND s.annotator_pk = u.pk), u.pk"
                     " FROM project_members m JOIN users u ON u.pk = m.user_pk"
                     " JOIN projects p ON p.pk = m.project_pk AND p.tenant_pk = ?2"
                     " WHERE m.project_pk = ?1 ORDER BY m.created_at, u.pk",
    [Q_LC_MEDIAN] = "SELECT a.created_at - a.claimed_at FROM annotations a"
                    " JOIN tasks k ON k.pk = a.task_pk AND k.project_pk = ?2"
                    " WHERE a.annotator_pk = ?1 AND a.claimed_at IS NOT NULL"
                    " ORDER BY 1 LIMIT 2 OFFSET ?3",
    [Q_LC_MEMBER_ROLE] = "UPDATE project_members SET role = ?4 WHERE project_pk = ?1"
                         " AND user_pk = (SELECT pk FROM users WHERE id = ?3)"
                         " AND EXISTS (SELECT 1 FROM projects WHERE pk = ?1 AND tenant_pk = ?2)",
    [Q_LC_MEMBER_REMOVE] = "DELETE FROM project_members WHERE project_pk = ?1"
                           " AND user_pk = (SELECT pk FROM users WHERE id = ?3)"
                           " AND EXISTS (SELECT 1 FROM projects WHERE pk = ?1 AND tenant_pk = ?2)"
                           " RETURNING user_pk",
    [Q_LC_LEASES_DROP] = "DELETE FROM leases WHERE project_pk = ?1 AND annotator_pk = ?2",
    /* the project of a lease or annotation, then fetched through the filter */
    [Q_LC_LEASE_PROJECT] = "SELECT p.id FROM leases l JOIN projects p ON p.pk = l.project_pk"
                           " WHERE l.id = ?1",
    [Q_LC_ANNOT_PROJECT] = "SELECT p.id FROM annotations a JOIN tasks k ON k.pk = a.task_pk"
                           " JOIN projects p ON p.pk = k.project_pk WHERE a.id = ?1",
    [Q_LC_FLAG_PROJECT] = "SELECT p.id FROM flags g JOIN projects p ON p.pk = g.project_pk"
                          " WHERE g.id = ?1",
    [Q_LC_REVIEW_PROJECT] = "SELECT p.id FROM reviews v JOIN projects p ON p.pk = v.project_pk"
                            " WHERE v.id = ?1",
    [Q_LC_SKIP_INSERT] = "INSERT INTO skips(task_pk, annotator_pk, project_pk, reason, created_at)"
                         " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(task_pk, annotator_pk)"
                         " DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at",
    [Q_LC_SKIPS_RECENT] = "SELECT k.id, s.reason FROM skips s JOIN tasks k ON k.pk = s.task_pk"
                          " WHERE s.project_pk = ?1 AND s.annotator_pk = ?2"
                          " ORDER BY s.created_at DESC, s.task_pk DESC LIMIT ?3",
    /* ?1 annotation id, ?2 project, ?3 tenant (0: a workforce author, whose
     * project was fetched through their membership) */
    [Q_LC_ANNOT_GET] = "SELECT a.id, k.id, u.id, a.result FROM annotations a"
                       " JOIN tasks k ON k.pk = a.task_pk AND k.project_pk = ?2 AND (?3 = 0 OR k.tenant_pk = ?3)"
                       " JOIN users u ON u.pk = a.annotator_pk WHERE a.id = ?1",
    [Q_LC_ANNOT_HISTORY] = "INSERT INTO annotation_history(annotation_id, task_pk, project_pk,"
                           " actor_pk, action, result, created_at)"
                           " SELECT a.id, a.task_pk, k.project_pk, ?4, ?5, a.result, ?6"
                           " FROM annotations a JOIN tasks k ON k.pk = a.task_pk"
                           " AND k.project_pk = ?2 AND (?3 = 0 OR k.tenant_pk = ?3) WHERE a.id = ?1",
    [Q_LC_ANNOT_UPDATE] = "UPDATE annotations SET result = ?4 WHERE id = ?1 AND annotator_pk = ?5"
                          " AND task_pk IN (SELECT pk FROM tasks WHERE project_pk = ?2"
                          " AND (?3 = 0 OR tenant_pk = ?3))",
    [Q_LC_ANNOT_FIND] = "SELECT a.pk, a.task_pk, k.n_annotations, a.annotator_pk, a.created_at,"
                        " a.claimed_at FROM annotations a"
                        " JOIN tasks k ON k.pk = a.task_pk AND k.project_pk = ?2"
                        " AND (?3 = 0 OR k.tenant_pk = ?3) WHERE a.id = ?1",
    [Q_LC_ANNOT_DELETE] = "DELETE FROM annotations WHERE pk = ?1",
    [Q_LC_PROJECT_UNBUMP] = "UPDATE projects SET n_annotations = n_annotations - 1,"
                            " n_completed = n_completed - ?2 WHERE pk = ?1",
    /* ---- quality (core): gold.c; the claim, submit, import and export
     * statements of ops.c that know gold (docs/quality-projects.md) ---- */
    [Q_GOLD_WORKER_GET] = "SELECT status, n_gold, gold_sum, skill FROM workers"
                          " WHERE project_pk = ?1 AND annotator_pk = ?2",
    /* A gold task for annotator ?3: any number of annotators may have it
     * (overlap does not apply), but never twice the same one. At random,
     * so that annotators who compare notes do not meet the same gold in
     * the same order; gold is a small set (the tasks_gold index). */
    [Q_GOLD_PICK] = "SELECT t.pk, t.id, t.data FROM tasks t"
                    " WHERE t.project_pk = ?1 AND t.gold IS NOT NULL"
                    " AND NOT EXISTS (SELECT 1 FROM annotations a"
                    "   WHERE a.task_pk = t.pk AND a.annotator_pk = ?3)"
                    " AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.task_pk = t.pk"
                    "   AND l.annotator_pk = ?3 AND l.expires_at > ?2)"
                    " AND NOT EXISTS (SELECT 1 FROM skips s"
                    "   WHERE s.task_pk = t.pk AND s.annotator_pk = ?3)"
                    " ORDER BY random() LIMIT 1",
    /* Q_LEASE_PICK with adaptive overlap's slot rule and without gold: an
     * open task has `overlap` (?3) slots while it has fewer annotations,
     * and n_annotations + 1 once it has that many (it missed the
     * confidence target: one more label at a time). */
    [Q_GOLD_ORDINARY_PICK] = "SELECT t.pk, t.id, t.data FROM tasks t"
                             " WHERE t.project_pk = ?1 AND t.is_open = 1 AND t.gold IS NULL"
                             " AND t.n_annotations + (SELECT count(*) FROM leases l"
                             "   WHERE l.task_pk = t.pk AND l.expires_at > ?2)"
                             "   < max(?3, t.n_annotations + 1)"
                             " AND NOT EXISTS (SELECT 1 FROM annotations a"
                             "   WHERE a.task_pk = t.pk AND a.annotator_pk = ?4)"
                             " AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.task_pk = t.pk"
                             "   AND l.annotator_pk = ?4 AND l.expires_at > ?2)"
                             " AND NOT EXISTS (SELECT 1 FROM skips s"
                             "   WHERE s.task_pk = t.pk AND s.annotator_pk = ?4)"
                             " ORDER BY t.priority DESC, t.pk LIMIT 1",
    /* Q_LEASE_FIND with the task's state and gold (NULL for an ordinary task). */
    [Q_GOLD_LEASE_FIND] = "SELECT l.pk, l.task_pk, l.annotator_pk, l.expires_at, k.id,"
                          " k.project_pk, k.n_annotations, l.created_at, k.is_open, k.gold"
                          " FROM leases l JOIN tasks k ON k.pk = l.task_pk WHERE l.id = ?1",
    [Q_GOLD_ANNOT_SCORE] = "UPDATE annotations SET gold_score = ?1 WHERE pk = ?2",
    [Q_GOLD_WORKER_SCORE] = "INSERT INTO workers(project_pk, annotator_pk, n_gold, gold_sum,"
                            " updated_at) VALUES(?1, ?2, 1, ?3, ?4)"
                            " ON CONFLICT(project_pk, annotator_pk) DO UPDATE SET"
                            " n_gold = n_gold + 1, gold_sum = gold_sum + excluded.gold_sum,"
                            " updated_at = excluded.updated_at",
    /* The task's counted annotations with their annotators' skill. */
    [Q_GOLD_VOTES] = "SELECT a.result, w.skill, a.pk FROM annotations a LEFT JOIN workers w"
                     " ON w.project_pk = ?2 AND w.annotator_pk = a.annotator_pk"
                     " WHERE a.task_pk = ?1 AND a.set_aside = 0 ORDER BY a.pk LIMIT ?3",
    /* The counted annotations of a task other than the one just inserted
     * (?2): whether a live aggregate computed before the write still holds. */
    [Q_GOLD_VOTES_SEEN] = "SELECT count(*), coalesce(max(pk), 0) FROM annotations"
                          " WHERE task_pk = ?1 AND set_aside = 0 AND pk < ?2",
    [Q_GOLD_TASK_OF] = "SELECT pk, gold IS NOT NULL FROM tasks WHERE id = ?1 AND project_pk = ?2",
    /* A reviewer's correction (is_reviewed) is never overwritten. */
    [Q_GOLD_AGG_WRITE] = "INSERT INTO aggregates(task_pk, project_pk, method, result, confidence,"
                         " min_confidence, n_annotations, updated_at)"
                         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(task_pk) DO UPDATE"
                         " SET method = excluded.method, result = excluded.result,"
                         " confidence = excluded.confidence,"
                         " min_confidence = excluded.min_confidence,"
                         " n_annotations = excluded.n_annotations,"
                         " updated_at = excluded.updated_at WHERE aggregates.is_reviewed = 0",
    [Q_GOLD_TASK_BUMP] = "UPDATE tasks SET n_annotations = n_annotations + 1, is_open = ?1"
                         " WHERE pk = ?2",
    [Q_GOLD_PROJECT_QUALITY] = "UPDATE projects SET gold_rate = ?3, qual_tasks = ?4,"
                               " qual_pass = ?5, max_overlap = ?6, confidence_target = ?7,"
                               " agg_method = ?8, quality_policy = ?9, gold_threshold = ?10,"
                               " review_rate = ?11, review_below = ?12"
                               " WHERE pk = ?1 AND tenant_pk = ?2 AND deleted = 0",
    /* Adaptive completion over a project after a settings change (?2
     * overlap, ?3 max_overlap, ?4 confidence_target; a task without an
     * aggregate counts as sure): only the tasks whose state flips are
     * written; gold tasks stay out (is_open 0, outside the queue index). */
    [Q_GOLD_REOPEN] = "UPDATE tasks SET is_open = NOT (" GOLD_COMPLETE ")"
                      " WHERE project_pk = ?1 AND gold IS NULL"
                      " AND is_open = (" GOLD_COMPLETE ")",
    [Q_GOLD_RECOUNT] = "UPDATE projects SET n_completed = (SELECT count(*) FROM tasks"
                       " WHERE project_pk = ?1 AND is_open = 0 AND gold IS NULL) WHERE pk = ?1",
    [Q_GOLD_TASK_FIND] = "SELECT pk, is_open, n_annotations, gold IS NOT NULL FROM tasks"
                         " WHERE project_pk = ?1 AND tenant_pk = ?2 AND id = ?3",
    [Q_GOLD_SET] = "UPDATE tasks SET gold = ?2, is_open = ?3 WHERE pk = ?1",
    [Q_GOLD_PROJECT_COUNTS] = "UPDATE projects SET n_tasks = n_tasks + ?2,"
                              " n_completed = n_completed + ?3 WHERE pk = ?1",
    [Q_GOLD_TASK_INSERTED] = "UPDATE tasks SET gold = ?1, is_open = 0 WHERE pk = ?2",
    [Q_GOLD_STAGE_INSERTED] = "UPDATE import_staging SET gold = ?1 WHERE pk = ?2",
    /* Q_STAGE_MOVE with the gold answers. */
    [Q_GOLD_STAGE_MOVE] = "INSERT INTO tasks(id, project_pk, tenant_pk, data, created_at, gold,"
                          " is_open) SELECT id, project_pk, tenant_pk, data, created_at, gold,"
                          " gold IS NULL"
                          " FROM import_staging WHERE import_id = ?1 AND project_pk = ?2"
                          " AND tenant_pk = ?3 ORDER BY pk",
    [Q_GOLD_STAGE_COUNT] = "SELECT count(*) FROM import_staging WHERE import_id = ?1"
                           " AND project_pk = ?2 AND tenant_pk = ?3 AND gold IS NOT NULL",
    /* Q_EXPORT_TASKS and Q_EXPORT_ANNOTS with gold and gold_score. */
    [Q_GOLD_EXPORT_TASKS] = "SELECT pk, id, data, gold FROM tasks WHERE project_pk = ?1"
                            " AND pk > ?2 AND tenant_pk = ?4 ORDER BY pk LIMIT ?3",
    [Q_GOLD_EXPORT_ANNOTS] = "SELECT a.task_pk, 1, a.pk, a.id, u.id, a.result, a.created_at, NULL,"
                             " a.gold_score"
                             " FROM annotations a JOIN users u ON u.pk = a.annotator_pk"
                             " JOIN tasks k ON k.pk = a.task_pk AND k.project_pk = ?3"
                             " WHERE a.task_pk >= ?1 AND a.task_pk <= ?2"
                             " UNION ALL"
                             " SELECT i.task_pk, 0, i.pk, i.id, '', i.result, i.created_at,"
                             " i.source, NULL FROM imported_annotations i"
                             " WHERE i.task_pk >= ?1 AND i.task_pk <= ?2 AND i.project_pk = ?3"
                             " ORDER BY 1, 2, 3",
    [Q_GOLD_AGG_MIN] = "SELECT min_confidence, is_reviewed FROM aggregates WHERE task_pk = ?1",
    /* sq_gold_set_aside: one annotation's mark, then its task and project */
    [Q_GOLD_ASIDE_MARK] = "UPDATE annotations SET set_aside = ?2 WHERE pk = ?1 AND set_aside != ?2",
    /* a task's count and state (gold.c: the set-aside, a delete, an edit's
     * adaptive rule) */
    [Q_GOLD_TASK_STATE] = "SELECT n_annotations, is_open, gold IS NOT NULL FROM tasks WHERE pk = ?1",
    [Q_GOLD_ASIDE_TASK] = "UPDATE tasks SET n_annotations = ?2, is_open = ?3 WHERE pk = ?1",
    [Q_GOLD_ASIDE_PROJECT] = "UPDATE projects SET n_annotations = n_annotations + ?2,"
                             " n_completed = n_completed + ?3 WHERE pk = ?1",
    [Q_GOLD_ASIDE_AGG] = "DELETE FROM aggregates WHERE task_pk = ?1",
    /* An edited or deleted annotation, with its task's gold (NULL: ordinary). */
    [Q_GOLD_EDIT_FIND] = "SELECT a.pk, a.task_pk, a.annotator_pk, a.gold_score, a.set_aside,"
                         " k.gold FROM annotations a JOIN tasks k ON k.pk = a.task_pk"
                         " WHERE a.id = ?1 AND k.project_pk = ?2",
    [Q_GOLD_WORKER_ADJUST] = "UPDATE workers SET n_gold = n_gold + ?3, gold_sum = gold_sum + ?4,"
                             " updated_at = ?5 WHERE project_pk = ?1 AND annotator_pk = ?2",
    [Q_GOLD_TASK_UNBUMP] = "UPDATE tasks SET n_annotations = n_annotations - 1, is_open = ?2"
                           " WHERE pk = ?1",
    /* quality: review (review.c). Every statement reads one index range
     * of one project or task, with a LIMIT where the range can grow. */
    [Q_RV_HELD] = "SELECT pk FROM reviews WHERE project_pk = ?1 AND reviewer_pk = ?2"
                  " AND status = 0 AND claimed_at > ?3 ORDER BY pk LIMIT 1",
    [Q_RV_SWEEP_GET] = "SELECT task_pk FROM review_sweeps WHERE project_pk = ?1",
    [Q_RV_SWEEP_SET] = "INSERT INTO review_sweeps(project_pk, task_pk) VALUES(?1, ?2)"
                       " ON CONFLICT(project_pk) DO UPDATE SET task_pk = excluded.task_pk",
    [Q_RV_WINDOW] = "SELECT pk, id, is_open, n_annotations, gold IS NOT NULL FROM tasks"
                    " WHERE project_pk = ?1 AND pk > ?2 ORDER BY pk LIMIT ?3",
    [Q_RV_AGG_CONF] = "SELECT min_confidence FROM aggregates WHERE task_pk = ?1",
    [Q_RV_ANY_FLAG] = "SELECT 1 FROM flags WHERE project_pk = ?1 AND status IN (0, 1) LIMIT 1",
    [Q_RV_FLAGGED] = "SELECT 1 FROM annotations a WHERE a.task_pk = ?1 AND a.set_aside = 0"
                     " AND EXISTS (SELECT 1 FROM flags g WHERE g.project_pk = ?2"
                     " AND g.annotator_pk = a.annotator_pk AND g.status IN (0, 1)) LIMIT 1",
    [Q_RV_OF_TASK] = "SELECT pk, reviewer_pk, status, claimed_at, reason FROM reviews"
                     " WHERE task_pk = ?1 ORDER BY pk LIMIT 16",
    [Q_RV_INSERT] = "INSERT INTO reviews(id, project_pk, task_pk, reviewer_pk, reason, status,"
                    " created_at, claimed_at) VALUES(?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
    [Q_RV_RECLAIM] = "UPDATE reviews SET reviewer_pk = ?2, claimed_at = ?3"
                     " WHERE pk = ?1 AND status = 0",
#define REVIEW_COLS                                                                          \
    "SELECT v.pk, v.id, k.id, v.reason, v.status, v.reviewer_pk, v.created_at, v.claimed_at,"  \
    " v.decided_at, v.correction, v.rejected, k.data, k.gold, k.pk, u.id, COALESCE(t.id, ''),"  \
    " u.role, u.email FROM reviews v JOIN tasks k ON k.pk = v.task_pk"                        \
    " LEFT JOIN users u ON u.pk = v.reviewer_pk LEFT JOIN tenants t ON t.pk = u.tenant_pk "
    [Q_RV_ITEM_PK] = REVIEW_COLS "WHERE v.pk = ?1 AND v.project_pk = ?2",
    [Q_RV_ITEM_ID] = REVIEW_COLS "WHERE v.id = ?1 AND v.project_pk = ?2",
    [Q_RV_ANNOTS] = "SELECT a.id, u.id, COALESCE(t.id, ''), u.role, u.email, a.result"
                    " FROM annotations a JOIN users u ON u.pk = a.annotator_pk"
                    " LEFT JOIN tenants t ON t.pk = u.tenant_pk"
                    " WHERE a.task_pk = ?1 AND a.set_aside = 0 ORDER BY a.pk LIMIT ?2",
    [Q_RV_AGG] = "SELECT method, result, confidence, is_reviewed FROM aggregates"
                 " WHERE task_pk = ?1",
    [Q_RV_LIST_PENDING] = REVIEW_COLS "WHERE v.project_pk = ?1 AND v.status = 0 AND v.pk > ?2"
                                      " ORDER BY v.pk LIMIT ?3",
    [Q_RV_LIST_DONE] = REVIEW_COLS "WHERE v.project_pk = ?1 AND v.status IN (1, 2, 3)"
                                   " AND v.pk > ?2 ORDER BY v.pk LIMIT ?3",
#undef REVIEW_COLS
    [Q_RV_FIND] = "SELECT pk, task_pk, reviewer_pk, status FROM reviews"
                  " WHERE id = ?1 AND project_pk = ?2",
    [Q_RV_DECIDE] = "UPDATE reviews SET status = ?2, correction = ?3, rejected = ?4,"
                    " gold_score = ?5, decided_at = ?6 WHERE pk = ?1 AND status = 0",
    /* WHERE before ON CONFLICT: SQLite's upsert-from-SELECT needs one. */
    [Q_RV_AGG_UPSERT] = "INSERT INTO aggregates(task_pk, project_pk, method, result, confidence,"
                        " min_confidence, n_annotations, is_reviewed, updated_at)"
                        " SELECT ?1, ?2, ?3, ?4, ?5, ?6, k.n_annotations, 1, ?7 FROM tasks k"
                        " WHERE k.pk = ?1 ON CONFLICT(task_pk) DO UPDATE SET"
                        " method = excluded.method, result = excluded.result,"
                        " confidence = excluded.confidence,"
                        " min_confidence = excluded.min_confidence,"
                        " n_annotations = excluded.n_annotations, is_reviewed = 1,"
                        " updated_at = excluded.updated_at",
    [Q_RV_COUNTED] = "SELECT pk, id FROM annotations"
                     " WHERE task_pk = ?1 AND set_aside = 0 ORDER BY pk LIMIT ?2",
    [Q_RV_DONE] = "SELECT v.task_pk, u.id, COALESCE(t.id, ''), u.role, u.email, v.status,"
                  " v.correction, v.gold_score FROM reviews v"
                  " JOIN users u ON u.pk = v.reviewer_pk LEFT JOIN tenants t ON t.pk = u.tenant_pk"
                  " WHERE v.project_pk = ?1 AND v.status IN (1, 2, 3) ORDER BY v.pk DESC LIMIT ?2",
    /* ---- quality: aggregates and full re-inference (infer helper; aggregates.c) ---- */
    /* A project's counted labels in the task pk range [?2, ?3), by task
     * (tasks_project, covering), each task's annotations through
     * UNIQUE(task_pk, annotator_pk): no sort, and no visit to the task row
     * (its gold comes from Q_AGG_GOLD, through the small tasks_gold). */
    [Q_AGG_LABELS] = "SELECT a.task_pk, a.annotator_pk, a.result"
                     " FROM tasks k JOIN annotations a ON a.task_pk = k.pk"
                     " WHERE k.project_pk = ?1 AND k.pk >= ?2 AND k.pk < ?3 AND a.set_aside = 0"
                     " ORDER BY k.pk",
    [Q_AGG_GOLD] = "SELECT pk, gold FROM tasks WHERE project_pk = ?1 AND pk >= ?2 AND pk < ?3"
                   " AND gold IS NOT NULL ORDER BY pk",
    /* The task pk after the first ?2 of the project's tasks: a part's start. */
    [Q_AGG_SPLIT] = "SELECT pk FROM tasks WHERE project_pk = ?1 ORDER BY pk LIMIT 1 OFFSET ?2",
    [Q_AGG_SEEN] = "SELECT n_annotations, (SELECT coalesce(max(last_at), 0)"
                   " FROM stats_annotators WHERE project_pk = ?1), n_tasks"
                   " FROM projects WHERE pk = ?1",
    /* Never over a reviewer's answer, nor over a live submit's newer one.
     * An UPDATE, then an INSERT only where it changed nothing: after the
     * first run nearly every row exists, and the UPDATE alone costs about
     * 0.6x an upsert's conflict path (bench/README.md, bench/reinfer). */
    [Q_AGG_UPDATE] = "UPDATE aggregates SET method = ?3, result = ?4, confidence = ?5,"
                     " min_confidence = ?6, n_annotations = ?7, updated_at = ?8"
                     " WHERE task_pk = ?1 AND project_pk = ?2 AND is_reviewed = 0"
                     " AND updated_at <= ?8",
    [Q_AGG_INSERT] = "INSERT INTO aggregates(task_pk, project_pk, method, result, confidence,"
                     " min_confidence, n_annotations, is_reviewed, updated_at)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8) ON CONFLICT(task_pk) DO NOTHING",
    /* A write slice's stored rows (aggregates_project, then each row). */
    [Q_AGG_RANGE] = "SELECT task_pk, method, result, confidence, n_annotations, is_reviewed,"
                    " updated_at FROM aggregates WHERE project_pk = ?1 AND task_pk >= ?2"
                    " AND task_pk < ?3 ORDER BY task_pk",
    [Q_AGG_DELETE] = "DELETE FROM aggregates WHERE task_pk = ?1 AND is_reviewed = 0",
    [Q_AGG_WORKER] = "INSERT INTO workers(project_pk, annotator_pk, skill, agreement, updated_at)"
                     " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(project_pk, annotator_pk)"
                     " DO UPDATE SET skill = excluded.skill, agreement = excluded.agreement,"
                     " updated_at = excluded.updated_at",
    [Q_AGG_RUN_PUT] = "INSERT OR REPLACE INTO quality_runs(project_pk, started_at, finished_at,"
                      " method, detail, n_labels, n_tasks, n_workers, seconds, agreement,"
                      " seen_annotations, seen_last_at, error)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [Q_AGG_RUN_GET] = "SELECT started_at, finished_at, method, detail, n_labels, n_tasks,"
                      " n_workers, seconds, agreement, seen_annotations, seen_last_at, error"
                      " FROM quality_runs WHERE project_pk = ?1",
    /* Due: labels were counted or uncounted, or made, since the last run. */
    [Q_AGG_DUE] = "SELECT p.id FROM projects p LEFT JOIN quality_runs r ON r.project_pk = p.pk"
                  " WHERE p.deleted = 0 AND CASE WHEN r.project_pk IS NULL"
                  " THEN p.n_annotations > 0"
                  " ELSE r.seen_annotations != p.n_annotations OR r.seen_last_at <"
                  " (SELECT coalesce(max(s.last_at), 0) FROM stats_annotators s"
                  " WHERE s.project_pk = p.pk) END"
                  " ORDER BY coalesce(r.finished_at, 0), p.pk LIMIT ?1",
    [Q_AGG_LIST] = "SELECT k.id, g.method, g.result, g.confidence, g.n_annotations,"
                   " g.is_reviewed, g.updated_at, g.task_pk FROM aggregates g"
                   " JOIN tasks k ON k.pk = g.task_pk AND k.tenant_pk = ?4"
                   " WHERE g.project_pk = ?1 AND g.task_pk > ?2 ORDER BY g.task_pk LIMIT ?3",
    [Q_AGG_HIST] = "SELECT max(0, min(9, CAST(min_confidence * 10 AS INTEGER))) AS b, count(*)"
                   " FROM aggregates WHERE project_pk = ?1 GROUP BY b",
    /* The gold tasks (tasks_gold), then their answers: newest days first. */
    [Q_AGG_GOLD_DAYS] = "SELECT a.created_at / 86400000 AS d, avg(a.gold_score), count(*)"
                        " FROM tasks k JOIN annotations a ON a.task_pk = k.pk"
                        " WHERE k.project_pk = ?1 AND k.gold IS NOT NULL"
                        " AND a.gold_score IS NOT NULL GROUP BY d ORDER BY d DESC LIMIT ?2",
    [Q_AGG_EXPORT] = "SELECT task_pk, method, result, confidence FROM aggregates"
                     " WHERE task_pk >= ?1 AND task_pk <= ?2 AND project_pk = ?3"
                     " ORDER BY task_pk",
    /* quality: workers (workers.c). ?1 is always the project, fetched
     * through the caller's filter; a flag is reached only with it. */
    [Q_WK_PEOPLE] = "SELECT u.pk, u.id, COALESCE(t.id, ''), u.role, u.email,"
                    " COALESCE(w.status, 0), w.skill, w.agreement FROM users u"
                    " LEFT JOIN tenants t ON t.pk = u.tenant_pk"
                    " LEFT JOIN workers w ON w.project_pk = ?1 AND w.annotator_pk = u.pk"
                    " WHERE u.pk IN (SELECT a.annotator_pk FROM annotations a"
                    "   JOIN tasks k ON k.pk = a.task_pk WHERE k.project_pk = ?1"
                    "   UNION SELECT annotator_pk FROM workers WHERE project_pk = ?1"
                    "   UNION SELECT annotator_pk FROM flags WHERE project_pk = ?1)"
                    " ORDER BY u.pk",
    [Q_WK_LABELS] = "SELECT a.annotator_pk, a.task_pk, a.id, a.result, a.created_at,"
                    " a.claimed_at, a.gold_score, a.set_aside FROM annotations a"
                    " JOIN tasks k ON k.pk = a.task_pk WHERE k.project_pk = ?1"
                    " ORDER BY a.task_pk, a.pk LIMIT ?2",
    [Q_WK_TASKS] = "SELECT k.pk, k.id, k.gold, (SELECT r.result FROM predictions r"
                   "   WHERE r.task_pk = k.pk ORDER BY r.pk LIMIT 1) FROM tasks k"
                   " WHERE k.project_pk = ?1 AND EXISTS (SELECT 1 FROM annotations a"
                   "   WHERE a.task_pk = k.pk) ORDER BY k.pk",
    [Q_WK_FLAG_FIND] = "SELECT pk, status, action, decided_by IS NULL FROM flags WHERE project_pk = ?1"
                       " AND annotator_pk = ?2 AND rule = ?3 ORDER BY pk DESC LIMIT 1",
    [Q_WK_FLAG_INSERT] = "INSERT INTO flags(id, project_pk, annotator_pk, rule, score, evidence,"
                         " created_at, action) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_WK_FLAG_UPDATE] = "UPDATE flags SET score = ?2, evidence = ?3, action = max(action, ?4)"
                         " WHERE pk = ?1",
    [Q_WK_FLAGS_PROJECT] = "SELECT g.id, p.id, p.name, g.annotator_pk, u.id, g.rule, g.score, g.evidence,"
    " g.created_at, g.status, g.action, g.appeal, g.appealed_at, g.decision,"
    " COALESCE(d.email, ''), COALESCE(d.id, ''), g.decided_at FROM flags g"
    " JOIN projects p ON p.pk = g.project_pk JOIN users u ON u.pk = g.annotator_pk"
    " LEFT JOIN users d ON d.pk = g.decided_by ""WHERE g.project_pk = ?1 AND (?2 = 0 OR g.annotator_pk = ?2) ORDER BY g.pk LIMIT ?3",
    [Q_WK_FLAGS_MINE] = "SELECT g.id, p.id, p.name, g.annotator_pk, u.id, g.rule, g.score, g.evidence,"
    " g.created_at, g.status, g.action, g.appeal, g.appealed_at, g.decision,"
    " COALESCE(d.email, ''), COALESCE(d.id, ''), g.decided_at FROM flags g"
    " JOIN projects p ON p.pk = g.project_pk JOIN users u ON u.pk = g.annotator_pk"
    " LEFT JOIN users d ON d.pk = g.decided_by ""WHERE g.annotator_pk = ?1 AND p.deleted = 0"
                        " AND (?2 = 0 OR p.tenant_pk = ?2) ORDER BY g.pk DESC LIMIT ?3",
    [Q_WK_FLAG_GET] = "SELECT g.id, p.id, p.name, g.annotator_pk, u.id, g.rule, g.score, g.evidence,"
    " g.created_at, g.status, g.action, g.appeal, g.appealed_at, g.decision,"
    " COALESCE(d.email, ''), COALESCE(d.id, ''), g.decided_at FROM flags g"
    " JOIN projects p ON p.pk = g.project_pk JOIN users u ON u.pk = g.annotator_pk"
    " LEFT JOIN users d ON d.pk = g.decided_by ""WHERE g.id = ?1 AND g.project_pk = ?2",
    [Q_WK_FLAG_APPEAL] = "UPDATE flags SET appeal = ?3, appealed_at = ?4 WHERE id = ?1"
                         " AND project_pk = ?2 AND annotator_pk = ?5",
    [Q_WK_FLAG_DECIDE] = "UPDATE flags SET status = ?3, decision = ?4, decided_by = ?5,"
                         " decided_at = ?6 WHERE id = ?1 AND project_pk = ?2"
                         " RETURNING annotator_pk, action",
    [Q_WK_SUSPENDING] = "SELECT count(*) FROM flags WHERE project_pk = ?1 AND annotator_pk = ?2"
                        " AND action = 1 AND status IN (0, 1)",
    [Q_WK_STATUS_SET] = "INSERT INTO workers(project_pk, annotator_pk, status, updated_at)"
                        " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(project_pk, annotator_pk)"
                        " DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
    [Q_WK_HAS_WORK] = "SELECT EXISTS (SELECT 1 FROM workers WHERE project_pk = ?1"
                      " AND annotator_pk = ?2) OR EXISTS (SELECT 1 FROM annotations a"
                      " JOIN tasks k ON k.pk = a.task_pk AND k.project_pk = ?1"
                      " WHERE a.annotator_pk = ?2)",
    [Q_WK_ASIDE_ALL] = "SELECT a.pk, a.task_pk FROM annotations a"
                       " JOIN tasks k ON k.pk = a.task_pk AND k.project_pk = ?1"
                       " WHERE a.annotator_pk = ?2 AND a.set_aside = ?3",
    [Q_WK_ASIDE_ONE] = "SELECT a.pk, a.task_pk FROM annotations a"
                       " JOIN tasks k ON k.pk = a.task_pk AND k.project_pk = ?1"
                       " WHERE a.id = ?2 AND a.set_aside = ?3",
    [Q_WK_PROJECTS_DUE] = "SELECT p.id FROM projects p WHERE p.deleted = 0 AND p.archived = 0"
                          " AND EXISTS (SELECT 1 FROM stats_annotators s"
                          "   WHERE s.project_pk = p.pk AND s.last_at > ?1) ORDER BY p.pk",
    [Q_WK_FLAGS_OPEN] = "SELECT pk, annotator_pk, rule FROM flags WHERE project_pk = ?1"
                        " AND status = 0 AND action = 0",
    [Q_WK_FLAG_EXPIRE] = "UPDATE flags SET status = 2, decision = 'no longer found by the"
                         " detectors', decided_at = ?2 WHERE pk = ?1",
};

struct sq_wop {
    sq_write_fn fn;
    void *arg;
    int rc;
    /* A synchronous op (sq_write) lives on its caller's stack and is woken
     * through `done`, posted once the op's batch is committed. A semaphore
     * rather than a condition variable: the woken caller need not retake the
     * queue mutex, which the writer holds while it wakes a whole batch (a
     * contended futex per caller under load). An asynchronous op
     * (sq_write_async) is on the heap, has on_done set, and is freed by the
     * writer after on_done ran. */
    sem_t done;
    void (*on_done)(void *cb_arg, int rc);
    void *cb_arg;
    bool is_early; /* on_done runs as soon as fn has run (sq_write_async_early) */
    struct sq_wop *next;
};

int sq_err(int rc) {
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return 0;
    case SQLITE_NOMEM: return TL_ENOMEM;
    case SQLITE_CONSTRAINT: return TL_EEXIST;
    case SQLITE_TOOBIG: return TL_ETOOBIG;
    default: return TL_EIO;
    }
}

sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_q q) {
    if (!c->st[q]) {
        if (sqlite3_prepare_v3(c->db, sql[q], -1, SQLITE_PREPARE_PERSISTENT, &c->st[q], NULL) !=
            SQLITE_OK) {
            tl_log("sqlite: prepare %d: %s", (int)q, sqlite3_errmsg(c->db));
            return NULL;
        }
        return c->st[q];
    }
    sqlite3_reset(c->st[q]);
    sqlite3_clear_bindings(c->st[q]);
    return c->st[q];
}

int sq_row(sqlite3_stmt *st) {
    int step = sqlite3_step(st);
    return step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? TL_ENOTFOUND : sq_err(step);
}

int sq_exec(sqlite3_stmt *st) {
    if (!st)
        return TL_EINTERNAL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    int out = rc == SQLITE_DONE ? 0 : sq_err(sqlite3_extended_errcode(sqlite3_db_handle(st)));
    sqlite3_reset(st);
    return out;
}

static int exec_sql(sqlite3 *db, const char *text, struct tl_errbuf *eb) {
    char *msg = NULL;
    if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = tl_errf(eb, sq_err(sqlite3_errcode(db)), "sqlite: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static void conn_close(struct sq_conn *c) {
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(c->st[i]);
    sqlite3_close(c->db);
    memset(c, 0, sizeof *c);
}

static int conn_open(const char *path, bool is_writer, struct sq_conn *c, struct tl_errbuf *eb) {
    memset(c, 0, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        int rc = tl_errf(eb, TL_EIO, "cannot open %s: %s", path,
                         c->db ? sqlite3_errmsg(c->db) : "out of memory");
        conn_close(c);
        return rc;
    }
    sqlite3_busy_timeout(c->db, 10000);
    /* WAL lets readers run beside the writer; synchronous=FULL makes each
     * commit fsync the WAL, which is what "acknowledged means durable" needs
     * (NORMAL could lose the last commits on power loss). Automatic
     * checkpoints are off: they would run inside a commit; the checkpoint
     * thread does them instead. */
    int rc = exec_sql(c->db,
                      is_writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                  " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
                                  " PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=0;"
                                : "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;",
                      eb);
    if (rc)
        conn_close(c);
    return rc;
}

static int migrate(struct sq_conn *w, struct tl_errbuf *eb) {
    int rc = exec_sql(w->db,
                      "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY,"
                      " name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                      eb);
    if (rc)
        return rc;
    for (int i = 0; i < tl_migrations_count; i++) {
        const struct tl_migration *m = &tl_migrations[i];
        rc = exec_sql(w->db, "BEGIN IMMEDIATE", eb);
        if (rc)
            return rc;
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(w->db, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1, &st,
                           NULL);
        sqlite3_bind_int(st, 1, m->version);
        bool is_applied = st && sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (!is_applied) {
            rc = exec_sql(w->db, m->sql, eb);
            if (!rc) {
                sqlite3_prepare_v2(w->db,
                                   "INSERT INTO schema_migrations(version, name, applied_at)"
                                   " VALUES(?1, ?2, ?3)",
                                   -1, &st, NULL);
                sqlite3_bind_int(st, 1, m->version);
                sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 3, tl_clock_ms());
                rc = sq_exec(st) ? tl_errf(eb, TL_EIO, "migration %d: cannot record it",
                                           m->version)
                                 : 0;
                sqlite3_finalize(st);
            }
        }
        if (rc) {
            exec_sql(w->db, "ROLLBACK", NULL);
            return rc;
        }
        rc = exec_sql(w->db, "COMMIT", eb);
        if (rc)
            return rc;
    }
    return 0;
}

/* The data directory: made 0700, or tightened to 0700 if it exists and is
 * ours. A directory made by hand (mkdir under umask 022) or by an older
 * Tally let every local user list it and, with files made under the same
 * umask, read the database: tenant data, password hashes and (until the
 * secret got its own file) the pseudonym key. Another user's directory is
 * left as its owner set it. */
static int prepare_dir(const char *dir, struct tl_errbuf *eb) {
    if (mkdir(dir, 0700) == 0)
        return 0;
    struct stat sb;
    if (errno != EEXIST || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return tl_errf(eb, TL_EIO, "cannot create data directory %s", dir);
    if ((sb.st_mode & 077) && sb.st_uid == geteuid() && chmod(dir, 0700) != 0)
        return tl_errf(eb, TL_EIO, "cannot make data directory %s private: %s", dir,
                       strerror(errno));
    return 0;
}

/* dir/name made 0600 if it exists and is ours and is open to others (made by
 * an older Tally or under a looser umask); created empty and 0600 first when
 * is_created, which is how the database starts: SQLite gives -wal and -shm
 * the database file's mode. */
static int private_file(const char *dir, const char *name, bool is_created, struct tl_errbuf *eb) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return tl_errf(eb, TL_EINVAL, "data directory path is too long: %s", dir);
    if (is_created) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return tl_errf(eb, TL_EIO, "cannot create %s: %s", path, strerror(errno));
        close(fd);
    }
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0; /* absent: SQLite makes it with the database's mode */
    if ((sb.st_mode & 077) && sb.st_uid == geteuid() && chmod(path, 0600) != 0)
        return tl_errf(eb, TL_EIO, "cannot make %s private: %s", path, strerror(errno));
    return 0;
}

static int reader_take(struct sq_store *s, bool wait, struct sq_conn **out) {
    pthread_mutex_lock(&s->pool_mu);
    while (wait && s->n_idle == 0 && s->n_open >= s->max_readers)
        pthread_cond_wait(&s->pool_cv, &s->pool_mu);
    if (s->n_idle == 0 && s->n_open >= s->max_readers) {
        pthread_mutex_unlock(&s->pool_mu);
        return TL_ELIMIT;
    }
    if (s->n_idle > 0) {
        *out = s->readers[--s->n_idle];
        pthread_mutex_unlock(&s->pool_mu);
        return 0;
    }
    s->n_open++;
    pthread_mutex_unlock(&s->pool_mu);
    struct sq_conn *c = calloc(1, sizeof *c);
    int rc = c ? conn_open(s->path, false, c, NULL) : TL_ENOMEM;
    if (rc) {
        free(c);
        pthread_mutex_lock(&s->pool_mu);
        s->n_open--;
        pthread_cond_signal(&s->pool_cv);
        pthread_mutex_unlock(&s->pool_mu);
        return rc;
    }
    *out = c;
    return 0;
}

int sq_reader_get(struct sq_store *s, struct sq_conn **out) {
    return reader_take(s, true, out);
}

int sq_reader_try_get(struct sq_store *s, struct sq_conn **out) {
    return reader_take(s, false, out);
}

void sq_reader_put(struct sq_store *s, struct sq_conn *c) {
    /* A reader given back inside a transaction would keep its snapshot and
     * serve stale rows to every later caller: end it here, whatever path
     * the caller took. */
    if (!sqlite3_get_autocommit(c->db)) {
        tl_log("store: a reader came back inside a transaction: rolled back");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_lock(&s->pool_mu);
    s->readers[s->n_idle++] = c;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->pool_mu);
}

static int run_op(struct sq_store *s, struct sq_wop *op) {
    if (sq_exec(sq_stmt(&s->writer, Q_SAVEPOINT)))
        return TL_EIO;
    int rc = op->fn(s, &s->writer, op->arg);
    if (rc)
        sq_exec(sq_stmt(&s->writer, Q_ROLLBACK_TO));
    sq_exec(sq_stmt(&s->writer, Q_RELEASE));
    return rc;
}

/* Expired leases hold no slot (every query compares expires_at with now);
 * deleting them now and then only keeps the table small. */
static void maybe_purge(struct sq_store *s) {
    int64_t now = tl_clock_ms();
    if (now - s->last_purge_ms < 60000)
        return;
    s->last_purge_ms = now;
    sqlite3_stmt *st = sq_stmt(&s->writer, Q_LEASE_PURGE);
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        sq_exec(st);
    }
}

#define CKPT_PAGES 4000 /* ~16 MiB of WAL before a checkpoint is asked for */

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages) {
    struct sq_store *s = arg;
    if (pages >= CKPT_PAGES) {
        pthread_mutex_lock(&s->ckpt_mu);
        s->ckpt_wanted = true;
        pthread_cond_signal(&s->ckpt_cv);
        pthread_mutex_unlock(&s->ckpt_mu);
    }
    return SQLITE_OK;
}

static void *ckpt_main(void *arg) {
    struct sq_store *s = arg;
    struct sq_conn c;
    if (conn_open(s->path, false, &c, NULL))
        return NULL;
    pthread_mutex_lock(&s->ckpt_mu);
    while (!s->ckpt_stop) {
        if (!s->ckpt_wanted) {
            pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
            continue;
        }
        s->ckpt_wanted = false;
        pthread_mutex_unlock(&s->ckpt_mu);
        /* PASSIVE never blocks the writer or readers; frames still in use
         * are copied by a later round. */
        sqlite3_wal_checkpoint_v2(c.db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&s->ckpt_mu);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    conn_close(&c);
    return NULL;
}

static void *writer_main(void *arg) {
    struct sq_store *s = arg;
    pthread_mutex_lock(&s->wmu);
    for (;;) {
        while (!s->queue_head && !s->writer_stop)
            pthread_cond_wait(&s->wcv, &s->wmu);
        if (!s->queue_head && s->writer_stop)
            break;
        struct sq_wop *batch = s->queue_head;
        s->queue_head = s->queue_tail = NULL;
        pthread_mutex_unlock(&s->wmu);

        int64_t t0 = tl_clock_mono_us();
        int rc = sq_exec(sq_stmt(&s->writer, Q_BEGIN));
        for (struct sq_wop *op = batch; op; op = op->next, s->n_ops++) {
            op->rc = rc ? rc : run_op(s, op);
            if (op->is_early)
                op->on_done(op->cb_arg, op->rc);
        }
        if (!rc) {
            maybe_purge(s);
            int64_t t1 = tl_clock_mono_us();
            rc = sq_exec(sq_stmt(&s->writer, Q_COMMIT));
            s->commit_us += tl_clock_mono_us() - t1;
            if (rc) {
                tl_log("store: commit failed: %s", sqlite3_errmsg(s->writer.db));
                sq_exec(sq_stmt(&s->writer, Q_ROLLBACK));
            }
        }

        s->n_batches++;
        s->batch_us += tl_clock_mono_us() - t0;
        for (struct sq_wop *op = batch, *next; op; op = next) {
            next = op->next; /* op lives on its caller's stack: read first */
            if (rc)
                op->rc = TL_EIO;
            if (op->on_done) {
                if (!op->is_early)
                    op->on_done(op->cb_arg, op->rc);
                free(op);
            } else {
                sem_post(&op->done);
            }
        }
        pthread_mutex_lock(&s->wmu);
    }
    pthread_mutex_unlock(&s->wmu);
    return NULL;
}

/* Queue op for the writer: 0, or TL_EIO once the store is closing. One
 * exception: an admin client's writer thread may still queue follow-ups
 * (the next slice of a staged import's clear) while it drains, so that
 * `tally import`, which closes the store right after its commit, does not
 * leave a large import's staged copies on disk until a server starts. */
static int enqueue(struct sq_store *s, struct sq_wop *op) {
    pthread_mutex_lock(&s->wmu);
    if (s->writer_stop &&
        !(s->is_admin_client && pthread_equal(pthread_self(), s->writer_thread))) {
        pthread_mutex_unlock(&s->wmu);
        return TL_EIO;
    }
    if (s->queue_tail)
        s->queue_tail->next = op;
    else
        s->queue_head = op;
    s->queue_tail = op;
    pthread_cond_signal(&s->wcv);
    pthread_mutex_unlock(&s->wmu);
    return 0;
}

static int write_async(struct sq_store *s, sq_write_fn fn, void *arg,
                       void (*done)(void *cb_arg, int rc), void *cb_arg, bool is_early) {
    if (!done)
        return TL_EINVAL;
    struct sq_wop *op = calloc(1, sizeof *op);
    if (!op)
        return TL_ENOMEM;
    op->fn = fn;
    op->arg = arg;
    op->on_done = done;
    op->cb_arg = cb_arg;
    op->is_early = is_early;
    int rc = enqueue(s, op);
    if (rc)
        free(op);
    return rc;
}

int sq_write_async(struct sq_store *s, sq_write_fn fn, void *arg,
                   void (*done)(void *cb_arg, int rc), void *cb_arg) {
    return write_async(s, fn, arg, done, cb_arg, false);
}

int sq_write_async_early(struct sq_store *s, sq_write_fn fn, void *arg,
                         void (*done)(void *cb_arg, int rc), void *cb_arg) {
    return write_async(s, fn, arg, done, cb_arg, true);
}

int sq_write(struct sq_store *s, sq_write_fn fn, void *arg) {
    struct sq_wop op = {.fn = fn, .arg = arg};
    if (sem_init(&op.done, 0, 0))
        return TL_EINTERNAL;
    int rc = enqueue(s, &op);
    if (rc) {
        sem_destroy(&op.done);
        return rc;
    }
    while (sem_wait(&op.done) && errno == EINTR)
        ;
    sem_destroy(&op.done);
    return op.rc;
}

void sq_store_close(struct tl_store *base) {
    struct sq_store *s = (struct sq_store *)base;
    if (s->writer_started) {
        pthread_mutex_lock(&s->wmu);
        s->writer_stop = true; /* the writer drains what is queued first */
        pthread_cond_signal(&s->wcv);
        pthread_mutex_unlock(&s->wmu);
        pthread_join(s->writer_thread, NULL);
        if (!s->is_admin_client && s->n_batches)
            tl_log("store: %lld writes in %lld commits (%.1f per commit), %.0f us per commit"
                   " of which %.0f us in COMMIT",
                   (long long)s->n_ops, (long long)s->n_batches,
                   (double)s->n_ops / (double)s->n_batches,
                   (double)s->batch_us / (double)s->n_batches,
                   (double)s->commit_us / (double)s->n_batches);
    }
    if (s->ckpt_started) {
        pthread_mutex_lock(&s->ckpt_mu);
        s->ckpt_stop = true;
        pthread_cond_signal(&s->ckpt_cv);
        pthread_mutex_unlock(&s->ckpt_mu);
        pthread_join(s->ckpt_thread, NULL);
    }
    /* Fold the WAL back into the database so the file is whole at rest; an
     * admin command run beside a live server must not wait for it. */
    if (s->writer.db)
        sqlite3_wal_checkpoint_v2(s->writer.db, NULL,
                                  s->is_admin_client ? SQLITE_CHECKPOINT_PASSIVE
                                                     : SQLITE_CHECKPOINT_TRUNCATE,
                                  NULL, NULL);
    for (int i = 0; i < s->n_idle; i++) {
        conn_close(s->readers[i]);
        free(s->readers[i]);
    }
    if (s->writer.db)
        conn_close(&s->writer);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_cond_destroy(&s->pool_cv);
    pthread_mutex_destroy(&s->wmu);
    pthread_cond_destroy(&s->wcv);
    pthread_mutex_destroy(&s->ckpt_mu);
    pthread_cond_destroy(&s->ckpt_cv);
    sodium_memzero(s->secret, sizeof s->secret);
    free(s->readers);
    free(s->path);
    free(s);
}

/* Process-wide SQLite settings, before its first use. Every connection is
 * used by one thread at a time (SQLITE_OPEN_NOMUTEX), and nothing reads
 * SQLite's memory statistics, whose upkeep takes a global mutex on every
 * allocation of every connection: the writer and the readers contended on
 * it (pthread_mutex_lock/unlock were among the writer thread's top symbols
 * under bench/load). */
static void configure_sqlite(void) {
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int tl_store_open_sqlite(const char *dir, const struct tl_store_opts *opts, struct tl_store **out,
                         struct tl_errbuf *eb) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    *out = NULL;
    char db_path[PATH_MAX];
    snprintf(db_path, sizeof db_path, "%s/tally.db", dir);
    if (opts && opts->is_existing_only && access(db_path, F_OK) != 0)
        return tl_errf(eb, TL_ENOTFOUND, "%s holds no Tally store", dir);
    int rc = prepare_dir(dir, eb);
    if (!rc)
        rc = private_file(dir, "tally.db", true, eb);
    if (rc)
        return rc;
    char secret_path[PATH_MAX];
    if (opts && opts->secret_path)
        snprintf(secret_path, sizeof secret_path, "%s", opts->secret_path);
    else if (snprintf(secret_path, sizeof secret_path, "%s/secret", dir) >= (int)sizeof secret_path)
        return tl_errf(eb, TL_EINVAL, "data directory path is too long: %s", dir);
    struct sq_store *s = calloc(1, sizeof *s);
    if (!s)
        return TL_ENOMEM;
    s->base.vt = &sq_vtab;
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_cond_init(&s->pool_cv, NULL);
    pthread_mutex_init(&s->wmu, NULL);
    pthread_cond_init(&s->wcv, NULL);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_cond_init(&s->ckpt_cv, NULL);
    s->is_admin_client = opts && opts->is_admin_client;
    s->max_readers = opts && opts->readers > 0 ? opts->readers : 8;
    s->readers = calloc((size_t)s->max_readers, sizeof *s->readers);
    size_t plen = strlen(dir) + sizeof "/tally.db";
    s->path = malloc(plen);
    if (!s->readers || !s->path) {
        sq_store_close(&s->base);
        return TL_ENOMEM;
    }
    snprintf(s->path, plen, "%s/tally.db", dir);
    rc = conn_open(s->path, true, &s->writer, eb);
    if (!rc)
        rc = private_file(dir, "tally.db-wal", false, eb);
    if (!rc)
        rc = private_file(dir, "tally.db-shm", false, eb);
    if (!rc)
        rc = migrate(&s->writer, eb);
    if (!rc)
        rc = sq_secret_load(s->writer.db, secret_path, s->secret, eb);
    /* Staged rows belong to imports that were running when a server
     * stopped: none of them can finish now. An admin CLI may run beside a
     * live server, so only a server clears them. */
    if (!rc && !s->is_admin_client)
        rc = exec_sql(s->writer.db,
                      "DELETE FROM import_staging; DELETE FROM prediction_staging", eb);
    if (!rc)
        rc = sq_webhook_open(s);
    if (!rc && pthread_create(&s->writer_thread, NULL, writer_main, s) != 0)
        rc = tl_errf(eb, TL_ENOMEM, "cannot start the writer thread");
    if (!rc)
        s->writer_started = true;
    if (!rc && !s->is_admin_client)
        sq_purge_resume(s); /* deleted projects whose rows a stopped server left */
    if (!rc && !(opts && opts->is_admin_client)) {
        sqlite3_wal_hook(s->writer.db, on_wal_commit, s);
        if (pthread_create(&s->ckpt_thread, NULL, ckpt_main, s) != 0)
            rc = tl_errf(eb, TL_ENOMEM, "cannot start the checkpoint thread");
        else
            s->ckpt_started = true;
    }
    if (rc) {
        sq_store_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}
