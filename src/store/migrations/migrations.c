/* migrations.c: the schema, one migration per entry (see migrations.h). */
#include "store/migrations/migrations.h"

const struct tl_migration tl_migrations[] = {
    {1, "core",
     /* pk: private integer handle for joins; id: the public UUIDv7. */
     "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
     "CREATE TABLE tenants(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL);"
     "CREATE TABLE users(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  tenant_pk INTEGER REFERENCES tenants(pk), email TEXT NOT NULL UNIQUE,"
     "  role INTEGER NOT NULL, password_hash TEXT, created_at BIGINT NOT NULL);"
     "CREATE TABLE tokens(pk INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"
     "  user_pk INTEGER NOT NULL REFERENCES users(pk), created_at BIGINT NOT NULL,"
     "  expires_at BIGINT, revoked INTEGER NOT NULL DEFAULT 0);"
     "CREATE TABLE projects(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  tenant_pk INTEGER NOT NULL REFERENCES tenants(pk), name TEXT NOT NULL,"
     "  schema BLOB NOT NULL, overlap INTEGER NOT NULL, lease_seconds INTEGER NOT NULL,"
     "  n_tasks BIGINT NOT NULL DEFAULT 0, n_annotations BIGINT NOT NULL DEFAULT 0,"
     "  n_completed BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL);"
     "CREATE INDEX projects_tenant ON projects(tenant_pk);"
     "CREATE TABLE project_members(project_pk INTEGER NOT NULL REFERENCES projects(pk),"
     "  user_pk INTEGER NOT NULL REFERENCES users(pk), role INTEGER NOT NULL,"
     "  created_at BIGINT NOT NULL, PRIMARY KEY(project_pk, user_pk));"
     "CREATE INDEX members_user ON project_members(user_pk);"
     /* n_annotations and is_open are the completion state: changed only in
      * the transaction that records an annotation. */
     "CREATE TABLE tasks(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  project_pk INTEGER NOT NULL REFERENCES projects(pk), tenant_pk INTEGER NOT NULL,"
     "  data BLOB NOT NULL, priority INTEGER NOT NULL DEFAULT 0,"
     "  n_annotations INTEGER NOT NULL DEFAULT 0, is_open INTEGER NOT NULL DEFAULT 1,"
     "  created_at BIGINT NOT NULL);"
     "CREATE INDEX tasks_project ON tasks(project_pk, pk);"
     /* The queue: only open tasks, in serving order, so `next` never walks
      * the completed part of a project. */
     "CREATE INDEX tasks_queue ON tasks(project_pk, priority DESC, pk) WHERE is_open = 1;"
     /* A lease row exists from claim until submit (deleted then) or purge
      * after expiry; live = expires_at > now. */
     "CREATE TABLE leases(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  task_pk INTEGER NOT NULL REFERENCES tasks(pk),"
     "  annotator_pk INTEGER NOT NULL REFERENCES users(pk),"
     "  expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX leases_task ON leases(task_pk, expires_at);"
     "CREATE INDEX leases_expiry ON leases(expires_at);"
     "CREATE TABLE annotations(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  task_pk INTEGER NOT NULL REFERENCES tasks(pk),"
     "  annotator_pk INTEGER NOT NULL REFERENCES users(pk), lease_id TEXT NOT NULL,"
     "  result BLOB NOT NULL, created_at BIGINT NOT NULL, UNIQUE(task_pk, annotator_pk));"},
    {2, "lease_limits",
     /* `next` hands back the leases an annotator already holds, up to the
      * project's max_leases_per_annotator, instead of a new task per call
      * (one annotator could lease a whole project). Counting an annotator's
      * live leases on a project must be one index probe inside the claim's
      * transaction, so a lease carries its project. No REFERENCES on it:
      * SQLite cannot add a NOT NULL foreign key column to a table; every
      * claim writes it. */
     "ALTER TABLE projects ADD COLUMN max_leases_per_annotator INTEGER NOT NULL DEFAULT 1;"
     "ALTER TABLE leases ADD COLUMN project_pk INTEGER NOT NULL DEFAULT 0;"
     "UPDATE leases SET project_pk ="
     "  (SELECT k.project_pk FROM tasks k WHERE k.pk = leases.task_pk);"
     /* (expires_at, pk) order: the live ones are one range, oldest first. */
     "CREATE INDEX leases_holder ON leases(annotator_pk, project_pk, expires_at);"},
    {3, "import_staging",
     /* An import larger than one batch is written here batch by batch as
      * its body arrives, then moved into tasks by one write (all or
      * nothing); rows of an import that did not finish are deleted. No
      * foreign keys: the move into tasks checks them once. */
     "CREATE TABLE import_staging(pk INTEGER PRIMARY KEY, import_id INTEGER NOT NULL,"
     "  id TEXT NOT NULL, project_pk INTEGER NOT NULL, tenant_pk INTEGER NOT NULL,"
     "  data BLOB NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX import_staging_import ON import_staging(import_id, pk);"},
    {4, "predictions",
     /* Pre-labels: a model's result per task, imported with the task and
      * kept apart from annotations (they never count toward overlap or
      * completion). Filtered by task and project like every task read;
      * result is an opaque blob like task data. Staged predictions wait
      * with their import and find their task by its id (given when staged)
      * in the one write that moves the import into tasks. */
     "CREATE TABLE predictions(pk INTEGER PRIMARY KEY,"
     "  task_pk INTEGER NOT NULL REFERENCES tasks(pk), project_pk INTEGER NOT NULL,"
     "  tenant_pk INTEGER NOT NULL, model TEXT NOT NULL, score REAL, result BLOB NOT NULL,"
     "  created_at BIGINT NOT NULL);"
     "CREATE INDEX predictions_task ON predictions(task_pk, pk);"
     "CREATE TABLE prediction_staging(pk INTEGER PRIMARY KEY, import_id INTEGER NOT NULL,"
     "  task_id TEXT NOT NULL, project_pk INTEGER NOT NULL, tenant_pk INTEGER NOT NULL,"
     "  model TEXT NOT NULL, score REAL, result BLOB NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX prediction_staging_import ON prediction_staging(import_id, pk);"},
    {5, "files",
     /* Uploaded media: the bytes are DATA/files/<id> (store/files.h); the
      * row says whose they are. A file is reached only through its
      * project, so the index leads with it. */
     "CREATE TABLE files(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  tenant_pk INTEGER NOT NULL REFERENCES tenants(pk),"
     "  project_pk INTEGER NOT NULL REFERENCES projects(pk),"
     "  content_type TEXT NOT NULL, size BIGINT NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX files_project ON files(project_pk, id);"},
    {6, "imported_annotations",
     /* Human labels made in another tool (a Label Studio export) or in
      * another Tally project (its JSONL export), imported with their
      * tasks. They have no annotator here (the other tool's users are not
      * Tally identities) and take no part in leases or overlap, so they
      * live apart from annotations; exports list them among the task's
      * annotations with their source. They are staged with the import in
      * prediction_staging (kind 1) and take their id when staged. */
     "CREATE TABLE imported_annotations(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  task_pk INTEGER NOT NULL REFERENCES tasks(pk), project_pk INTEGER NOT NULL,"
     "  tenant_pk INTEGER NOT NULL, source TEXT NOT NULL, result BLOB NOT NULL,"
     "  created_at BIGINT NOT NULL);"
     "CREATE INDEX imported_annotations_task ON imported_annotations(task_pk, pk);"
     "ALTER TABLE prediction_staging ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE prediction_staging ADD COLUMN annotation_id TEXT;"},
    {7, "lifecycle",
     /* Settings a project gains after creation, and its end: a deleted
      * project is hidden at once (every project query filters deleted = 0)
      * and its rows are purged later in bounded slices (store.h). */
     "ALTER TABLE projects ADD COLUMN instructions TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE projects ADD COLUMN allow_edits INTEGER NOT NULL DEFAULT 1;"
     "ALTER TABLE projects ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE projects ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;"
     /* The task list pages by pk within one completion state. */
     "CREATE INDEX tasks_state ON tasks(project_pk, is_open, pk);"
     /* A released lease: the task is not served to that annotator again. */
     "CREATE TABLE skips(task_pk INTEGER NOT NULL REFERENCES tasks(pk),"
     "  annotator_pk INTEGER NOT NULL REFERENCES users(pk), project_pk INTEGER NOT NULL,"
     "  reason TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY(task_pk, annotator_pk));"
     "CREATE INDEX skips_project ON skips(project_pk, annotator_pk);"
     /* When the lease behind an annotation was claimed: seconds per task. */
     "ALTER TABLE annotations ADD COLUMN claimed_at BIGINT;"
     "CREATE INDEX annotations_annotator ON annotations(annotator_pk, task_pk);"
     /* Every edit and deletion of an annotation, with the result before it. */
     "CREATE TABLE annotation_history(pk INTEGER PRIMARY KEY, annotation_id TEXT NOT NULL,"
     "  task_pk INTEGER NOT NULL, project_pk INTEGER NOT NULL, actor_pk INTEGER NOT NULL,"
     "  action TEXT NOT NULL, result BLOB NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX annotation_history_task ON annotation_history(task_pk, pk);"},
    {8, "people",
     /* Users can be disabled (their tokens are refused, their rows stay for
      * the annotations they made); tokens get a public id (to list and
      * revoke them without ever showing the secret) and an optional name.
      * Tokens made before have no id: they get one built from their pk,
      * unique and in the UUID layout (ids are not secrets). */
     "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE tokens ADD COLUMN id TEXT;"
     "ALTER TABLE tokens ADD COLUMN name TEXT;"
     "UPDATE tokens SET id = '00000000-0000-7000-8000-' || printf('%012x', pk);"
     "CREATE UNIQUE INDEX tokens_id ON tokens(id);"
     "CREATE INDEX tokens_user ON tokens(user_pk);"
     "CREATE INDEX users_tenant ON users(tenant_pk);"},
    {9, "webhooks",
     /* A project's webhooks and their outbox: a delivery row is written in
      * the transaction of the event it reports (store.h), so it exists iff
      * the event does, and the delivery thread (webhook/deliver.h) sends it
      * at least once. events is a bit set of enum tl_hook_event. The secret
      * is kept as issued (hex) because it must sign; it is never read back
      * by the API (docs/webhooks.md). status: 0 pending, 1 delivered,
      * 2 failed. */
     "CREATE TABLE webhooks(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  tenant_pk INTEGER NOT NULL REFERENCES tenants(pk),"
     "  project_pk INTEGER NOT NULL REFERENCES projects(pk), url TEXT NOT NULL,"
     "  secret TEXT NOT NULL, events INTEGER NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX webhooks_project ON webhooks(project_pk);"
     "CREATE TABLE webhook_deliveries(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  webhook_pk INTEGER NOT NULL REFERENCES webhooks(pk), event TEXT NOT NULL,"
     "  payload BLOB NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
     "  attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL,"
     "  last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
     "  created_at BIGINT NOT NULL, delivered_at BIGINT);"
     "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_at) WHERE status = 0;"
     "CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_pk, pk);"},
    {10, "stats_counters",
     /* The web UI's charts at 1,000,000 tasks (store/sqlite/stats.c): counters
      * kept in the transaction that records, deletes or re-counts an
      * annotation or a completion (wherever projects.n_annotations and
      * n_completed change), so a read is O(buckets + annotators) instead of a
      * walk of every task and annotation. stats_buckets: per project and
      * bucket (span 60: minutes, 3600: hours, start = ms / (span * 1000)),
      * the annotations made in it and the tasks completed in it (a task's
      * completion time is its newest annotation's). Hours are kept beside
      * minutes so a day chart over months sums at most 12,000 rows, not
      * 720,000. WITHOUT ROWID: the rows are read in key order only (a PG
      * backend drops the clause, like the type names it rewrites). */
     "CREATE TABLE stats_buckets(project_pk INTEGER NOT NULL, span INTEGER NOT NULL,"
     "  start BIGINT NOT NULL, n_annotations BIGINT NOT NULL, n_completed BIGINT NOT NULL,"
     "  PRIMARY KEY(project_pk, span, start)) WITHOUT ROWID;"
     /* Per project and annotator: the annotations, the sum of their
      * claim-to-submit times (ms), the newest, and the histogram of those
      * times over TL_STATS_SECONDS_BOUNDS (h0: <= 1 s .. h10: <= 1800 s, h11
      * above); annotations without a claim time count in n_annotations only. */
     "CREATE TABLE stats_annotators(project_pk INTEGER NOT NULL,"
     "  annotator_pk INTEGER NOT NULL, n_annotations BIGINT NOT NULL DEFAULT 0,"
     "  ms_total BIGINT NOT NULL DEFAULT 0, last_at BIGINT NOT NULL DEFAULT 0,"
     "  h0 BIGINT NOT NULL DEFAULT 0, h1 BIGINT NOT NULL DEFAULT 0, h2 BIGINT NOT NULL DEFAULT 0,"
     "  h3 BIGINT NOT NULL DEFAULT 0, h4 BIGINT NOT NULL DEFAULT 0, h5 BIGINT NOT NULL DEFAULT 0,"
     "  h6 BIGINT NOT NULL DEFAULT 0, h7 BIGINT NOT NULL DEFAULT 0, h8 BIGINT NOT NULL DEFAULT 0,"
     "  h9 BIGINT NOT NULL DEFAULT 0, h10 BIGINT NOT NULL DEFAULT 0,"
     "  h11 BIGINT NOT NULL DEFAULT 0,"
     "  PRIMARY KEY(project_pk, annotator_pk)) WITHOUT ROWID;"
     "CREATE INDEX stats_annotators_user ON stats_annotators(annotator_pk);"
     /* The backfill: every existing annotation and complete task, once. */
     "INSERT INTO stats_buckets(project_pk, span, start, n_annotations, n_completed)"
     " SELECT project_pk, span, start, sum(n_a), sum(n_c) FROM ("
     "  SELECT k.project_pk, 60 AS span, a.created_at / 60000 AS start, 1 AS n_a, 0 AS n_c"
     "   FROM annotations a JOIN tasks k ON k.pk = a.task_pk"
     "  UNION ALL SELECT k.project_pk, 3600, a.created_at / 3600000, 1, 0"
     "   FROM annotations a JOIN tasks k ON k.pk = a.task_pk"
     "  UNION ALL SELECT project_pk, 60, done / 60000, 0, 1 FROM (SELECT k.project_pk,"
     "   (SELECT max(a.created_at) FROM annotations a WHERE a.task_pk = k.pk) AS done"
     "   FROM tasks k WHERE k.is_open = 0) WHERE done IS NOT NULL"
     "  UNION ALL SELECT project_pk, 3600, done / 3600000, 0, 1 FROM (SELECT k.project_pk,"
     "   (SELECT max(a.created_at) FROM annotations a WHERE a.task_pk = k.pk) AS done"
     "   FROM tasks k WHERE k.is_open = 0) WHERE done IS NOT NULL"
     " ) GROUP BY project_pk, span, start;"
     "INSERT INTO stats_annotators(project_pk, annotator_pk, n_annotations, ms_total, last_at,"
     "  h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11)"
     " SELECT project_pk, annotator_pk, count(*), sum(ms), max(created_at),"
     "  sum(bin = 0), sum(bin = 1), sum(bin = 2), sum(bin = 3), sum(bin = 4), sum(bin = 5),"
     "  sum(bin = 6), sum(bin = 7), sum(bin = 8), sum(bin = 9), sum(bin = 10), sum(bin = 11)"
     " FROM (SELECT k.project_pk, a.annotator_pk, a.created_at,"
     "  COALESCE(a.created_at - a.claimed_at, 0) AS ms,"
     "  CASE WHEN a.claimed_at IS NULL THEN -1"
     "   WHEN a.created_at - a.claimed_at <= 1000 THEN 0"
     "   WHEN a.created_at - a.claimed_at <= 2000 THEN 1"
     "   WHEN a.created_at - a.claimed_at <= 5000 THEN 2"
     "   WHEN a.created_at - a.claimed_at <= 10000 THEN 3"
     "   WHEN a.created_at - a.claimed_at <= 20000 THEN 4"
     "   WHEN a.created_at - a.claimed_at <= 30000 THEN 5"
     "   WHEN a.created_at - a.claimed_at <= 60000 THEN 6"
     "   WHEN a.created_at - a.claimed_at <= 120000 THEN 7"
     "   WHEN a.created_at - a.claimed_at <= 300000 THEN 8"
     "   WHEN a.created_at - a.claimed_at <= 600000 THEN 9"
     "   WHEN a.created_at - a.claimed_at <= 1800000 THEN 10"
     "   ELSE 11 END AS bin"
     "  FROM annotations a JOIN tasks k ON k.pk = a.task_pk)"
     " GROUP BY project_pk, annotator_pk;"
     /* What a token is (GET /api/v1/tokens): 0 an API token (tally admin
      * token, POST /api/v1/tokens), 1 a session (POST /api/v1/auth/login or
      * /auth/session). Tokens made before cannot be told apart: they stay
      * 0; sessions expire within their lifetime anyway. */
     "ALTER TABLE tokens ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"},
    {11, "quality",
     /* Issue 10: quality inside projects (docs/quality-projects.md).
      * A gold task carries its known answer ({FIELD: VALUE}, compact JSON,
      * a tenant blob like data): NULL for an ordinary task. Gold tasks are
      * served by the queue's gold injection, never by the ordinary pick. */
     "ALTER TABLE tasks ADD COLUMN gold BLOB;"
     "CREATE INDEX tasks_gold ON tasks(project_pk, pk) WHERE gold IS NOT NULL;"
     "ALTER TABLE import_staging ADD COLUMN gold BLOB;"
     /* gold_score: the submission scored against its task's gold (0..1,
      * schema/score.h), NULL when the task had none. set_aside: 1 for an
      * annotation kept but no longer counted (its annotator suspended, or
      * rejected in review): excluded from aggregates, its slot reopened. */
     "ALTER TABLE annotations ADD COLUMN gold_score REAL;"
     "ALTER TABLE annotations ADD COLUMN set_aside INTEGER NOT NULL DEFAULT 0;"
     /* The project's quality settings. max_overlap 0: the same as overlap
      * (fixed overlap); confidence_target 0: none. policy 0: flag only,
      * 1: suspend automatically. */
     "ALTER TABLE projects ADD COLUMN gold_rate REAL NOT NULL DEFAULT 0;"
     "ALTER TABLE projects ADD COLUMN qual_tasks INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE projects ADD COLUMN qual_pass REAL NOT NULL DEFAULT 0;"
     "ALTER TABLE projects ADD COLUMN max_overlap INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE projects ADD COLUMN confidence_target REAL NOT NULL DEFAULT 0;"
     "ALTER TABLE projects ADD COLUMN agg_method TEXT NOT NULL DEFAULT 'auto';"
     "ALTER TABLE projects ADD COLUMN quality_policy INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE projects ADD COLUMN gold_threshold REAL NOT NULL DEFAULT 0.6;"
     "ALTER TABLE projects ADD COLUMN review_rate REAL NOT NULL DEFAULT 0;"
     "ALTER TABLE projects ADD COLUMN review_below REAL NOT NULL DEFAULT 0;"
     /* One row per task that has an aggregate: kept current by each submit
      * (live) and rewritten by full re-inference; is_reviewed 1: a
      * reviewer's correction, which re-inference never overwrites. */
     "CREATE TABLE aggregates(task_pk INTEGER PRIMARY KEY, project_pk INTEGER NOT NULL,"
     "  method TEXT NOT NULL, result BLOB NOT NULL, confidence BLOB NOT NULL,"
     "  min_confidence REAL NOT NULL, n_annotations INTEGER NOT NULL,"
     "  is_reviewed INTEGER NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL);"
     "CREATE INDEX aggregates_project ON aggregates(project_pk, task_pk);"
     /* Per project and annotator: status 0 active, 1 suspended; gold answers
      * counted on submit (n_gold, gold_sum of their scores); skill and
      * agreement written by the last full re-inference (NULL before). */
     "CREATE TABLE workers(project_pk INTEGER NOT NULL, annotator_pk INTEGER NOT NULL,"
     "  status INTEGER NOT NULL DEFAULT 0, n_gold INTEGER NOT NULL DEFAULT 0,"
     "  gold_sum REAL NOT NULL DEFAULT 0, skill REAL, agreement REAL,"
     "  updated_at BIGINT NOT NULL DEFAULT 0,"
     "  PRIMARY KEY(project_pk, annotator_pk)) WITHOUT ROWID;"
     /* A detector's finding about one annotator (docs/quality-projects.md).
      * status 0 open, 1 upheld, 2 dismissed; action 0 none, 1 suspended.
      * The appeal and the decision (who, when, why) are kept. */
     "CREATE TABLE flags(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  project_pk INTEGER NOT NULL REFERENCES projects(pk),"
     "  annotator_pk INTEGER NOT NULL REFERENCES users(pk), rule TEXT NOT NULL,"
     "  score REAL NOT NULL, evidence BLOB NOT NULL, created_at BIGINT NOT NULL,"
     "  status INTEGER NOT NULL DEFAULT 0, action INTEGER NOT NULL DEFAULT 0,"
     "  appeal TEXT, appealed_at BIGINT, decided_by INTEGER REFERENCES users(pk),"
     "  decision TEXT, decided_at BIGINT);"
     "CREATE INDEX flags_project ON flags(project_pk, annotator_pk, rule);"
     "CREATE INDEX flags_annotator ON flags(annotator_pk);"
     /* A review of one task: reason 0 sampled, 1 low confidence, 2 a flagged
      * annotator's work; status 0 pending, 1 accepted, 2 rejected, 3
      * corrected (correction: the reviewed answer). */
     "CREATE TABLE reviews(pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
     "  project_pk INTEGER NOT NULL REFERENCES projects(pk),"
     "  task_pk INTEGER NOT NULL REFERENCES tasks(pk),"
     "  reviewer_pk INTEGER REFERENCES users(pk), reason INTEGER NOT NULL,"
     "  status INTEGER NOT NULL DEFAULT 0, correction BLOB, rejected TEXT,"
     "  created_at BIGINT NOT NULL, claimed_at BIGINT, decided_at BIGINT);"
     "CREATE INDEX reviews_project ON reviews(project_pk, status, pk);"
     "CREATE INDEX reviews_task ON reviews(task_pk);"},
    /* quality: full re-inference (infer helper; docs/quality-aggregates.md) */
    {13, "quality_runs",
     /* The last full re-inference of a project: when, what ran (method and
      * auto's choice), how much it read, how long it took, and Krippendorff's
      * alpha per choice field ({FIELD: alpha|null}, computed in the run).
      * seen_annotations / seen_last_at are what the run read (the project's
      * counted annotations and its newest annotation time): the scheduler
      * re-infers a project when either moved. error: "" or why it failed. */
     "CREATE TABLE quality_runs(project_pk INTEGER PRIMARY KEY REFERENCES projects(pk),"
     "  started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, method TEXT NOT NULL,"
     "  detail TEXT NOT NULL DEFAULT '', n_labels BIGINT NOT NULL DEFAULT 0,"
     "  n_tasks BIGINT NOT NULL DEFAULT 0, n_workers BIGINT NOT NULL DEFAULT 0,"
     "  seconds REAL NOT NULL DEFAULT 0, agreement BLOB NOT NULL DEFAULT '{}',"
     "  seen_annotations BIGINT NOT NULL DEFAULT 0, seen_last_at BIGINT NOT NULL DEFAULT 0,"
     "  error TEXT NOT NULL DEFAULT '');"},
    /* quality: review (store/sqlite/review.c, docs/quality-review.md) */
    {15, "review_queue",
     /* The review queue is chosen lazily by `next` (nothing is written on
      * the submit path): a sweep over the project's tasks in pk order that
      * resumes where the last one stopped, so each `next` reads a bounded
      * window. gold_score: the reviewed answer (accepted aggregate or
      * correction) scored against the task's gold at the decision, for a
      * reject whether the rejected annotations were all wrong (1) or not
      * (0); NULL for a task without gold. reviews_reviewer: the reviewers'
      * scores and a reviewer's own history. */
     "CREATE TABLE review_sweeps(project_pk INTEGER PRIMARY KEY, task_pk INTEGER NOT NULL);"
     "ALTER TABLE reviews ADD COLUMN gold_score REAL;"
     "CREATE INDEX reviews_reviewer ON reviews(project_pk, reviewer_pk, status);"},
    /* quality: the gold rule's default threshold (docs/quality-workers.md) */
    {16, "gold_threshold_chance",
     /* -1 (TL_GOLD_THRESHOLD_CHANCE): the chance level of the project's
      * first choice field, 1/options. Measured on the real crowds, the old
      * default 0.6 flagged 65% of their workers (bench/quality/
      * gold_threshold.py); projects still at it move to the new default,
      * 0.6 having been nobody's choice but migration 11's. */
     "UPDATE projects SET gold_threshold = -1 WHERE gold_threshold = 0.6;"},
};

const int tl_migrations_count = sizeof tl_migrations / sizeof tl_migrations[0];
