-- fragment: plan_columns
-- Every column of a plan that the domain model reads.
p.id, p.title, p.description, p.status, p.status_reason, p.goal_id, p.strategy,
    p.replaces_plan_id, p.revision, p.llm_model, p.llm_calls, p.llm_failed_calls,
    p.llm_input_tokens, p.llm_output_tokens, p.llm_cost_usd, p.create_time, p.update_time

-- fragment: plan_step_columns
-- Every column of a step; a linked prospective task's final status wins over the stored one.
s.plan_id, s.key, s.position, s.title, s.description, s.depends_on,
    CASE t.status WHEN 'done' THEN 'done' WHEN 'failed' THEN 'failed' ELSE s.status END AS status,
    s.source, s.estimate_seconds, s.task_id

-- name: plan_insert
-- Create a plan; returns it.
INSERT INTO plans AS p
    (id, project_id, title, description, goal_id, strategy, replaces_plan_id, revision,
     llm_model, llm_calls, llm_failed_calls, llm_input_tokens, llm_output_tokens, llm_cost_usd,
     create_time, update_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
RETURNING {{plan_columns}};

-- name: plan_insert_steps
-- Create the steps of plan $2 from a JSON array of {key, position, title, description,
-- depends_on, source, estimate_seconds}.
INSERT INTO plan_steps
    (project_id, plan_id, key, position, title, description, depends_on, source, estimate_seconds)
SELECT $1, $2, r.key, r.position, r.title, r.description, r.depends_on, r.source,
    r.estimate_seconds
FROM jsonb_to_recordset($3::jsonb) AS r(
    key text, position integer, title text, description text, depends_on text[], source text,
    estimate_seconds double precision);

-- name: plan_get
-- One plan of a project by id.
SELECT {{plan_columns}} FROM plans p WHERE p.project_id = $1 AND p.id = $2;

-- name: plan_get_for_update
-- One plan of a project by id, locked for a status change.
SELECT {{plan_columns}} FROM plans p WHERE p.project_id = $1 AND p.id = $2 FOR UPDATE;

-- name: plan_steps_of
-- The steps of the given plans of a project, in plan then position order.
SELECT {{plan_step_columns}}
FROM plan_steps s
LEFT JOIN prospective_tasks t ON t.project_id = s.project_id AND t.id = s.task_id
WHERE s.project_id = $1 AND s.plan_id = ANY ($2::uuid[])
ORDER BY s.plan_id, s.position;

-- name: plan_list
-- A page of plans, newest first: $2 statuses, $3 goal, $4 keyset id (exclusive), $5 limit.
SELECT {{plan_columns}} FROM plans p
WHERE p.project_id = $1
    AND ($2::text[] IS NULL OR p.status = ANY ($2))
    AND ($3::uuid IS NULL OR p.goal_id = $3)
    AND ($4::uuid IS NULL OR p.id < $4)
ORDER BY p.id DESC
LIMIT $5;

-- name: plan_set_status
-- Change a plan's status and reason; returns the plan.
UPDATE plans AS p SET status = $3, status_reason = $4, update_time = $5
WHERE p.project_id = $1 AND p.id = $2
RETURNING {{plan_columns}};

-- name: plan_set_goal
-- Link a plan to the prospective goal created for it.
UPDATE plans SET goal_id = $3, update_time = $4 WHERE project_id = $1 AND id = $2;

-- name: plan_link_step_tasks
-- Link steps ($3 keys) of plan $2 to their prospective tasks ($4 ids, same order).
UPDATE plan_steps s SET task_id = l.task_id
FROM unnest($3::text[], $4::uuid[]) AS l(key, task_id)
WHERE s.project_id = $1 AND s.plan_id = $2 AND s.key = l.key;

-- name: plan_set_step_status
-- Set one step's stored status; returns its key (none if the step does not exist).
UPDATE plan_steps SET status = $4
WHERE project_id = $1 AND plan_id = $2 AND key = $3
RETURNING key;

-- name: plan_similar_completed
-- Completed plans whose title shares words with tsquery $2, best match first (known procedures).
SELECT {{plan_columns}}, ts_rank(to_tsvector('english', p.title), to_tsquery('english', $2)) AS rank
FROM plans p
WHERE p.project_id = $1 AND p.status = 'completed'
    AND to_tsvector('english', p.title) @@ to_tsquery('english', $2)
ORDER BY rank DESC, p.id DESC
LIMIT $3;

-- name: plan_successful_sessions
-- Sessions with a successful event matching tsquery $2, with their match strength (past
-- successful episodes), best first.
SELECT e.session_id, count(*) AS hits, max(e.occur_time) AS last_time,
    max(ts_rank(e.search_tsv, to_tsquery('english', $2))) AS rank
FROM events e
WHERE e.project_id = $1 AND e.outcome = 'success'
    AND e.search_tsv @@ to_tsquery('english', $2)
GROUP BY e.session_id
ORDER BY rank DESC, hits DESC, last_time DESC
LIMIT $3;

-- name: plan_session_actions
-- The work done in one session (actions, tool calls, test runs, file changes), in order,
-- leaving out what failed.
SELECT e.id, e.type, e.content, e.outcome, e.occur_time
FROM events e
WHERE e.project_id = $1 AND e.session_id = $2
    AND e.type IN ('action', 'tool_call', 'test_run', 'file_change')
    AND e.outcome <> 'failure'
ORDER BY e.occur_time, e.id
LIMIT $3;

-- name: plan_outcome_samples
-- Finished work matching tsquery $2 with its outcome, newest first, at most $3 of each source:
-- episodic actions and prospective tasks. `success` is true or false.
(SELECT 'event' AS source, e.content AS text, e.outcome = 'success' AS success
FROM events e
WHERE e.project_id = $1 AND e.outcome IN ('success', 'failure')
    AND e.type IN ('action', 'tool_call', 'test_run', 'file_change', 'error')
    AND e.search_tsv @@ to_tsquery('english', $2)
ORDER BY e.occur_time DESC
LIMIT $3)
UNION ALL
(SELECT 'task', t.title, t.status = 'done'
FROM prospective_tasks t
WHERE t.project_id = $1 AND t.status IN ('done', 'failed')
    AND to_tsvector('english', t.title) @@ to_tsquery('english', $2)
ORDER BY t.update_time DESC
LIMIT $3);

-- name: plan_duration_samples
-- Durations (seconds) of finished work matching tsquery $2, newest first, at most $3 of each
-- source: done prospective tasks with start and end times, and sessions whose context task
-- matches (first to last event).
(SELECT 'task' AS source, t.title AS text,
    extract(epoch FROM t.end_time - t.start_time)::double precision AS seconds
FROM prospective_tasks t
WHERE t.project_id = $1 AND t.status = 'done'
    AND t.start_time IS NOT NULL AND t.end_time > t.start_time
    AND to_tsvector('english', t.title) @@ to_tsquery('english', $2)
ORDER BY t.end_time DESC
LIMIT $3)
UNION ALL
(SELECT 'session', min(e.context_task),
    extract(epoch FROM max(e.occur_time) - min(e.occur_time))::double precision
FROM events e
WHERE e.project_id = $1 AND e.context_task <> ''
    AND to_tsvector('english', e.context_task) @@ to_tsquery('english', $2)
GROUP BY e.session_id, e.context_task
HAVING max(e.occur_time) > min(e.occur_time)
ORDER BY max(e.occur_time) DESC
LIMIT $3);

-- name: plan_fixes_after_failures
-- Failed or error events matching tsquery $2, each with the next events of its session (what
-- the agent did about it), most recent failures first.
SELECT f.id AS failure_id, f.session_id, f.content AS failure,
    n.content, n.type, n.outcome, n.ord
FROM (
    SELECT e.id, e.session_id, e.content, e.occur_time
    FROM events e
    WHERE e.project_id = $1 AND (e.outcome = 'failure' OR e.type = 'error')
        AND e.search_tsv @@ to_tsquery('english', $2)
    ORDER BY e.occur_time DESC
    LIMIT $3
) f
CROSS JOIN LATERAL (
    SELECT x.content, x.type, x.outcome,
        row_number() OVER (ORDER BY x.occur_time, x.id) AS ord
    FROM events x
    WHERE x.project_id = $1 AND x.session_id = f.session_id
        AND (x.occur_time, x.id) > (f.occur_time, f.id)
    ORDER BY x.occur_time, x.id
    LIMIT 6
) n
ORDER BY f.occur_time DESC, f.id, n.ord;
