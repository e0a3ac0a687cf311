-- fragment: prospective_goal_columns
-- Every column of a goal that the domain model reads.
g.id, g.parent_id, g.title, g.description, g.status, g.priority, g.due_time, g.tags,
    g.create_time, g.update_time

-- name: insert_goal
-- Create a goal; returns it.
INSERT INTO prospective_goals AS g
    (id, project_id, parent_id, title, description, priority, due_time, tags, create_time,
     update_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
RETURNING {{prospective_goal_columns}};

-- name: get_goal
-- One goal of a project by id.
SELECT {{prospective_goal_columns}} FROM prospective_goals g WHERE g.project_id = $1 AND g.id = $2;

-- name: get_goal_for_update
-- One goal of a project by id, locked for an update.
SELECT {{prospective_goal_columns}} FROM prospective_goals g WHERE g.project_id = $1 AND g.id = $2 FOR UPDATE;

-- name: list_goals
-- A page of goals in creation order: $2 parent, $3 top level only, $4 statuses, $5 keyset id,
-- $6 limit.
SELECT {{prospective_goal_columns}} FROM prospective_goals g
WHERE g.project_id = $1
    AND ($2::uuid IS NULL OR g.parent_id = $2)
    AND (NOT $3::bool OR g.parent_id IS NULL)
    AND ($4::text[] IS NULL OR g.status = ANY ($4))
    AND ($5::uuid IS NULL OR g.id > $5)
ORDER BY g.id
LIMIT $6;

-- name: goal_is_ancestor_or_self
-- Whether goal $2 is goal $3 or one of its ancestors (re-parenting $2 under $3 would loop).
WITH RECURSIVE up AS (
    SELECT id, parent_id FROM prospective_goals WHERE project_id = $1 AND id = $3
    UNION
    SELECT g.id, g.parent_id FROM prospective_goals g
    JOIN up ON g.project_id = $1 AND g.id = up.parent_id
)
SELECT EXISTS (SELECT 1 FROM up WHERE id = $2);

-- name: update_goal
-- Write every mutable field of a goal; returns it.
UPDATE prospective_goals AS g
SET title = $3, description = $4, status = $5, priority = $6, due_time = $7, tags = $8,
    parent_id = $9, update_time = $10
WHERE g.project_id = $1 AND g.id = $2
RETURNING {{prospective_goal_columns}};

-- name: delete_goal_tree
-- Delete a goal and every goal below it; returns how many were deleted (0: no such goal).
WITH RECURSIVE tree AS (
    SELECT id FROM prospective_goals WHERE project_id = $1 AND id = $2
    UNION ALL
    SELECT g.id FROM prospective_goals g JOIN tree ON g.project_id = $1 AND g.parent_id = tree.id
), gone AS (
    DELETE FROM prospective_goals WHERE project_id = $1 AND id IN (SELECT id FROM tree)
    RETURNING 1
)
SELECT count(*) FROM gone;

-- fragment: prospective_task_columns
-- Every column of a task that the domain model reads, with its dependency ids.
t.id, t.goal_id, t.parent_task_id, t.title, t.description, t.status, t.status_reason,
    t.priority, t.due_time, t.tags, t.create_time, t.update_time, t.start_time, t.end_time,
    ARRAY(
        SELECT d.depends_on_id FROM prospective_task_dependencies d
        WHERE d.project_id = t.project_id AND d.task_id = t.id ORDER BY d.depends_on_id
    ) AS dependency_ids

-- name: insert_prospective_task
-- Create a task in status pending; returns it (without dependencies, added next).
INSERT INTO prospective_tasks AS t
    (id, project_id, goal_id, parent_task_id, title, description, priority, due_time, tags,
     create_time, update_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
RETURNING id;

-- name: existing_prospective_task_ids
-- Which of the ids $2 are tasks of the project.
SELECT id FROM prospective_tasks WHERE project_id = $1 AND id = ANY ($2::uuid[]);

-- name: get_prospective_task
-- One task of a project by id.
SELECT {{prospective_task_columns}} FROM prospective_tasks t WHERE t.project_id = $1 AND t.id = $2;

-- name: get_prospective_task_for_update
-- One task of a project by id, locked for an update.
SELECT {{prospective_task_columns}} FROM prospective_tasks t WHERE t.project_id = $1 AND t.id = $2
FOR UPDATE OF t;

-- name: list_prospective_tasks
-- A page of tasks in creation order: $2 statuses, $3 goal, $4 parent task, $5 tags (all of),
-- $6 keyset id, $7 limit.
SELECT {{prospective_task_columns}} FROM prospective_tasks t
WHERE t.project_id = $1
    AND ($2::text[] IS NULL OR t.status = ANY ($2))
    AND ($3::uuid IS NULL OR t.goal_id = $3)
    AND ($4::uuid IS NULL OR t.parent_task_id = $4)
    AND ($5::text[] IS NULL OR t.tags @> $5)
    AND ($6::uuid IS NULL OR t.id > $6)
ORDER BY t.id
LIMIT $7;

-- name: list_overdue_tasks
-- A page of open tasks due before $2, earliest first: $3 goal, $4/$5 the (due_time, id) keyset
-- cursor, $6 limit. Served by the partial index prospective_tasks_overdue_idx.
SELECT {{prospective_task_columns}} FROM prospective_tasks t
WHERE t.project_id = $1
    AND t.status IN ('pending', 'active', 'blocked') AND t.due_time IS NOT NULL
    AND t.due_time < $2
    AND ($3::uuid IS NULL OR t.goal_id = $3)
    AND ($4::timestamptz IS NULL OR (t.due_time, t.id) > ($4, $5::uuid))
ORDER BY t.due_time, t.id
LIMIT $6;

-- name: list_active_tasks
-- A page of active tasks, highest priority first then creation order: $2 goal, $3/$4 the
-- (priority, id) keyset cursor, $5 limit. Served by prospective_tasks_active_idx.
SELECT {{prospective_task_columns}} FROM prospective_tasks t
WHERE t.project_id = $1 AND t.status = 'active'
    AND ($2::uuid IS NULL OR t.goal_id = $2)
    AND ($3::int IS NULL OR t.priority < $3 OR (t.priority = $3 AND t.id > $4::uuid))
ORDER BY t.priority DESC, t.id
LIMIT $5;

-- name: update_prospective_task
-- Write every mutable field of a task.
UPDATE prospective_tasks
SET title = $3, description = $4, status = $5, status_reason = $6, priority = $7, due_time = $8,
    tags = $9, goal_id = $10, parent_task_id = $11, update_time = $12, start_time = $13,
    end_time = $14
WHERE project_id = $1 AND id = $2;

-- name: prospective_task_is_ancestor_or_self
-- Whether task $2 is task $3 or one of its ancestors (re-parenting $2 under $3 would loop).
WITH RECURSIVE up AS (
    SELECT id, parent_task_id FROM prospective_tasks WHERE project_id = $1 AND id = $3
    UNION
    SELECT t.id, t.parent_task_id FROM prospective_tasks t
    JOIN up ON t.project_id = $1 AND t.id = up.parent_task_id
)
SELECT EXISTS (SELECT 1 FROM up WHERE id = $2);

-- name: prospective_dependencies_reach_task
-- Whether task $2 is reachable from any of the tasks $3 along dependency edges (making $2 depend
-- on them would close a cycle).
WITH RECURSIVE reach AS (
    SELECT unnest($3::uuid[]) AS id
    UNION
    SELECT d.depends_on_id FROM prospective_task_dependencies d
    JOIN reach r ON d.project_id = $1 AND d.task_id = r.id
)
SELECT EXISTS (SELECT 1 FROM reach WHERE id = $2);

-- name: delete_prospective_task_dependencies
-- Remove every dependency edge of a task.
DELETE FROM prospective_task_dependencies WHERE project_id = $1 AND task_id = $2;

-- name: insert_prospective_task_dependencies
-- Make task $2 depend on each of the tasks $3.
INSERT INTO prospective_task_dependencies (project_id, task_id, depends_on_id)
SELECT $1, $2, unnest($3::uuid[]);

-- name: open_prospective_dependencies
-- The dependencies of task $2 that are not done.
SELECT d.depends_on_id FROM prospective_task_dependencies d
JOIN prospective_tasks t ON t.project_id = d.project_id AND t.id = d.depends_on_id
WHERE d.project_id = $1 AND d.task_id = $2 AND t.status <> 'done'
ORDER BY d.depends_on_id;

-- name: prospective_dependents_of
-- The tasks that depend on task $2.
SELECT task_id FROM prospective_task_dependencies WHERE project_id = $1 AND depends_on_id = $2;

-- name: delete_prospective_task_tree
-- Delete a task and its sub-tasks; returns the ids of the tasks that depended on any of them
-- (their dependency triggers may now hold) and how many were deleted (0: no such task).
WITH RECURSIVE tree AS (
    SELECT id FROM prospective_tasks WHERE project_id = $1 AND id = $2
    UNION ALL
    SELECT t.id FROM prospective_tasks t JOIN tree ON t.project_id = $1 AND t.parent_task_id = tree.id
), waiting AS (
    SELECT DISTINCT d.task_id FROM prospective_task_dependencies d
    WHERE d.project_id = $1 AND d.depends_on_id IN (SELECT id FROM tree)
        AND d.task_id NOT IN (SELECT id FROM tree)
), gone AS (
    DELETE FROM prospective_tasks WHERE project_id = $1 AND id IN (SELECT id FROM tree)
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS deleted, ARRAY(SELECT task_id FROM waiting) AS waiting;

-- name: disarm_prospective_task_triggers
-- Disarm every trigger of a task that has finished.
UPDATE prospective_triggers SET armed = false
WHERE project_id = $1 AND task_id = $2 AND armed;

-- fragment: prospective_trigger_columns
-- Every column of a trigger that the domain model reads.
r.id, r.task_id, r.kind, r.description, r.repeat, r.armed, r.fire_time, r.repeat_interval,
    r.event_types, r.content_pattern, r.match_tags, r.match_actor, r.match_session,
    r.context_cwd, r.context_branch, r.context_task, r.context_phase, r.file_glob,
    r.fire_count, r.last_fire_time, r.create_time

-- name: check_trigger_regex
-- Compile a regular expression the way trigger matching will (raises on a malformed one).
SELECT '' ~* $1;

-- name: insert_trigger
-- Create a trigger; returns it.
INSERT INTO prospective_triggers AS r
    (id, project_id, task_id, kind, description, repeat, fire_time, repeat_interval,
     event_types, content_pattern, match_tags, match_actor, match_session, context_cwd,
     context_branch, context_task, context_phase, file_glob, file_regex, create_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
    $20)
RETURNING {{prospective_trigger_columns}};

-- name: get_trigger
-- One trigger of a project by id.
SELECT {{prospective_trigger_columns}} FROM prospective_triggers r WHERE r.project_id = $1 AND r.id = $2;

-- name: list_triggers
-- A page of triggers in creation order: $2 task, $3 kind, $4 armed only, $5 keyset id, $6 limit.
SELECT {{prospective_trigger_columns}} FROM prospective_triggers r
WHERE r.project_id = $1
    AND ($2::uuid IS NULL OR r.task_id = $2)
    AND ($3::text IS NULL OR r.kind = $3)
    AND (NOT $4::bool OR r.armed)
    AND ($5::uuid IS NULL OR r.id > $5)
ORDER BY r.id
LIMIT $6;

-- name: delete_trigger
-- Delete one trigger (its firings go with it); returns its id when it existed.
DELETE FROM prospective_triggers WHERE project_id = $1 AND id = $2 RETURNING id;

-- name: match_event_triggers
-- Armed event, context and file triggers of open tasks that the recorded events $2 satisfy, each
-- plan: generic
-- with the earliest matching event. Served by the partial index prospective_triggers_event_idx,
-- so a project without such triggers pays one empty index probe per recorded batch (the events
-- are only read when a trigger exists). Each trigger is tried against all events in turn, so
-- PostgreSQL's small cache of compiled regular expressions is hit rather than thrashed when a
-- project has many patterns.
WITH ev AS MATERIALIZED (
    SELECT e.id, e.occur_time, e.type, e.content, e.tags, e.actor, e.session_id, e.context_cwd,
        e.context_branch, e.context_task, e.context_phase, e.context_files
    FROM events e
    WHERE e.project_id = $1 AND e.id = ANY ($2::uuid[])
)
SELECT r.id AS trigger_id, m.id AS event_id, r.kind, r.file_glob
FROM prospective_triggers r
JOIN prospective_tasks t ON t.project_id = r.project_id AND t.id = r.task_id
CROSS JOIN LATERAL (
    SELECT ev.id FROM ev
    WHERE CASE r.kind
        WHEN 'event' THEN
            (r.event_types IS NULL OR ev.type = ANY (r.event_types))
            AND (r.match_tags IS NULL OR ev.tags @> r.match_tags)
            AND (r.match_actor IS NULL OR ev.actor = r.match_actor)
            AND (r.match_session IS NULL OR ev.session_id = r.match_session)
            AND (r.content_pattern IS NULL OR ev.content ~* r.content_pattern)
        WHEN 'context' THEN
            (r.context_cwd IS NULL OR ev.context_cwd = r.context_cwd
                OR starts_with(ev.context_cwd, rtrim(r.context_cwd, '/') || '/'))
            AND (r.context_branch IS NULL OR ev.context_branch = r.context_branch)
            AND (r.context_task IS NULL OR ev.context_task = r.context_task)
            AND (r.context_phase IS NULL OR ev.context_phase = r.context_phase)
        ELSE EXISTS (
            SELECT 1 FROM unnest(ev.context_files) AS f (path) WHERE f.path ~ r.file_regex)
    END
    ORDER BY ev.occur_time, ev.id
    LIMIT 1
) AS m
WHERE r.project_id = $1 AND r.armed AND r.kind IN ('event', 'context', 'file')
    AND t.status IN ('pending', 'active', 'blocked')
ORDER BY r.id;

-- name: ready_dependency_triggers
-- Armed dependency triggers of the open tasks $2 whose every dependency is done.
SELECT r.id FROM prospective_triggers r
JOIN prospective_tasks t ON t.project_id = r.project_id AND t.id = r.task_id
WHERE r.project_id = $1 AND r.task_id = ANY ($2::uuid[]) AND r.kind = 'dependency' AND r.armed
    AND t.status IN ('pending', 'active', 'blocked')
    AND NOT EXISTS (
        SELECT 1 FROM prospective_task_dependencies d
        JOIN prospective_tasks dt ON dt.project_id = d.project_id AND dt.id = d.depends_on_id
        WHERE d.project_id = r.project_id AND d.task_id = r.task_id AND dt.status <> 'done'
    )
ORDER BY r.id;

-- name: lock_project_firings
-- Serialise the project's firing writers until commit, so firing cursors commit in order.
SELECT pg_advisory_xact_lock(hashtextextended('athena.trigger_firings:' || $1, 0));

-- fragment: prospective_firing_columns
-- Every column of a firing that the domain model reads.
seq, trigger_id, task_id, kind, fire_time, event_id, reason, description

-- name: fire_triggers
-- Fire the armed triggers $2 (caused by events $3, with reasons $4) at $5: one-shot triggers are
-- disarmed, and one durable firing is written per trigger. Call after lock_project_firings.
WITH input AS (
    SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS i (trigger_id, event_id, reason)
), fired AS (
    UPDATE prospective_triggers r
    SET armed = r.repeat, fire_count = r.fire_count + 1, last_fire_time = $5
    FROM input i
    WHERE r.project_id = $1 AND r.id = i.trigger_id AND r.armed
    RETURNING r.id, r.task_id, r.kind, r.description, i.event_id, i.reason
)
INSERT INTO prospective_trigger_firings
    (project_id, trigger_id, task_id, kind, event_id, reason, description, fire_time)
SELECT $1, f.id, f.task_id, f.kind, (SELECT e.id FROM events e WHERE e.id = f.event_id), f.reason,
    f.description, $5
FROM fired f
ORDER BY f.id
RETURNING {{prospective_firing_columns}};

-- name: due_time_trigger_projects
-- Projects with armed time triggers due at $1 (served by prospective_triggers_due_idx).
SELECT DISTINCT project_id FROM prospective_triggers
WHERE kind = 'time' AND armed AND fire_time <= $1;

-- name: fire_due_time_triggers
-- Fire the project's armed time triggers due at $2: a repeating one moves to its next period
-- after $2 (missed periods collapse into this firing), a one-shot one is disarmed; triggers of
-- finished tasks are disarmed without firing. Rows another server is firing are skipped. Call
-- after lock_project_firings.
WITH due AS (
    SELECT r.id, r.fire_time, r.repeat_interval,
        t.status NOT IN ('pending', 'active', 'blocked') AS finished
    FROM prospective_triggers r
    JOIN prospective_tasks t ON t.project_id = r.project_id AND t.id = r.task_id
    WHERE r.project_id = $1 AND r.kind = 'time' AND r.armed AND r.fire_time <= $2
    FOR UPDATE OF r SKIP LOCKED
), fired AS (
    UPDATE prospective_triggers r
    SET armed = NOT d.finished AND r.repeat,
        fire_time = CASE WHEN r.repeat AND NOT d.finished THEN
            r.fire_time + r.repeat_interval * (floor(
                extract(epoch FROM $2 - r.fire_time) / extract(epoch FROM r.repeat_interval)
            ) + 1)
            ELSE r.fire_time END,
        fire_count = r.fire_count + CASE WHEN d.finished THEN 0 ELSE 1 END,
        last_fire_time = CASE WHEN d.finished THEN r.last_fire_time ELSE $2 END
    FROM due d
    WHERE r.id = d.id
    RETURNING r.id, r.task_id, r.description, d.fire_time AS scheduled, d.finished
)
INSERT INTO prospective_trigger_firings
    (project_id, trigger_id, task_id, kind, reason, description, fire_time)
SELECT $1, f.id, f.task_id, 'time',
    'scheduled for ' || to_char(f.scheduled AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    f.description, $2
FROM fired f
WHERE NOT f.finished
ORDER BY f.scheduled, f.id
RETURNING {{prospective_firing_columns}};

-- name: next_time_trigger
-- When the earliest armed time trigger of any project is due (NULL when none is).
SELECT min(fire_time) FROM prospective_triggers WHERE kind = 'time' AND armed;

-- name: list_firings_after
-- Up to $5 firings of the project after cursor $2, oldest first: $3 task, $4 kinds.
SELECT {{prospective_firing_columns}} FROM prospective_trigger_firings
WHERE project_id = $1 AND seq > $2
    AND ($3::uuid IS NULL OR task_id = $3)
    AND ($4::text[] IS NULL OR kind = ANY ($4))
ORDER BY seq
LIMIT $5;

-- name: last_firing_cursor
-- The project's latest committed firing cursor (0 before the first firing).
SELECT coalesce(max(seq), 0) FROM prospective_trigger_firings WHERE project_id = $1;
