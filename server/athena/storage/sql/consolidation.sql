-- name: cons_try_lock
-- Session advisory lock that keeps a second run of the project from starting; released when the run ends or its connection dies.
-- session: stateful
SELECT pg_try_advisory_lock(hashtext('athena.consolidation'), hashtext($1))

-- name: cons_unlock
-- Releases the project's consolidation lock taken by cons_try_lock on this connection.
SELECT pg_advisory_unlock(hashtext('athena.consolidation'), hashtext($1))

-- name: cons_interrupt_stale_runs
-- Runs still marked running while we hold the lock died with their process: mark them interrupted.
UPDATE consolidation_runs
SET state = 'interrupted', end_time = now(), error = 'the run stopped before finishing'
WHERE project_id = $1 AND state = 'running'

-- fragment: cons_run_columns
id, project_id, request_id, trigger, state, phase, items_done, items_total, metrics, error,
start_time, end_time

-- name: cons_insert_run
-- A new running run; $3 request id ('' for none), $4 trigger.
INSERT INTO consolidation_runs (id, project_id, request_id, trigger)
VALUES ($1, $2, $3, $4)
RETURNING {{cons_run_columns}}

-- name: cons_run_by_request
-- The run an earlier StartConsolidation/Consolidate with this request id created.
SELECT {{cons_run_columns}} FROM consolidation_runs WHERE project_id = $1 AND request_id = $2

-- name: cons_get_run
-- One run of the project.
SELECT {{cons_run_columns}} FROM consolidation_runs WHERE project_id = $1 AND id = $2

-- name: cons_list_runs
-- A page of runs, newest first: $2 states (NULL: all), $3 keyset id, $4 limit.
SELECT {{cons_run_columns}} FROM consolidation_runs
WHERE project_id = $1
  AND ($2::text[] IS NULL OR state = ANY ($2))
  AND ($3::uuid IS NULL OR id < $3)
ORDER BY id DESC
LIMIT $4

-- name: cons_update_progress
-- Where a running run is: phase, items done and total, metrics so far.
UPDATE consolidation_runs
SET phase = $3, items_done = $4, items_total = $5, metrics = $6
WHERE project_id = $1 AND id = $2

-- name: cons_finish_run
-- Final state of a run with its metrics and error ('' when it succeeded).
UPDATE consolidation_runs
SET state = $3, phase = $4, metrics = $5, error = $6, end_time = now()
WHERE project_id = $1 AND id = $2
RETURNING {{cons_run_columns}}

-- name: cons_pending_events
-- The oldest unconsolidated events of a project with their embeddings (queued or indexed), up to $2.
SELECT e.id, e.session_id, e.occur_time, e.type, e.actor, e.content, e.outcome, e.context_cwd,
       e.context_files, e.context_task, e.context_phase, e.context_branch, e.importance,
       e.confidence, e.tags, e.attributes, e.consolidation_status, e.create_time,
       coalesce(v.embedding, q.embedding) AS embedding
FROM events e
LEFT JOIN event_vectors v ON v.event_id = e.id
LEFT JOIN event_vector_queue q ON q.event_id = e.id
WHERE e.project_id = $1 AND e.consolidation_status = 'pending'
ORDER BY e.occur_time, e.id
LIMIT $2

-- name: cons_mark_events
-- Sets the consolidation status of still-pending events; returns how many changed.
WITH changed AS (
    UPDATE events SET consolidation_status = $3
    WHERE project_id = $1 AND id = ANY ($2::uuid[]) AND consolidation_status = 'pending'
    RETURNING 1
)
SELECT count(*) FROM changed

-- name: cons_outcome_stats
-- Past successes and failures of the given normalised actions.
SELECT signature, successes, failures FROM consolidation_outcome_stats
WHERE project_id = $1 AND signature = ANY ($2::text[])

-- name: cons_add_outcome_stats
-- Adds a batch's successes and failures per normalised action ($2, $3, $4 parallel arrays).
INSERT INTO consolidation_outcome_stats AS s (project_id, signature, successes, failures)
SELECT $1, u.signature, u.successes, u.failures
FROM unnest($2::text[], $3::integer[], $4::integer[]) AS u (signature, successes, failures)
ON CONFLICT (project_id, signature) DO UPDATE
SET successes = s.successes + EXCLUDED.successes, failures = s.failures + EXCLUDED.failures

-- name: cons_known_signatures
-- Patterns already stored for the project, so a new occurrence counts even when it is alone in its batch.
SELECT kind, signature, confidence FROM consolidation_patterns WHERE project_id = $1

-- fragment: cons_pattern_columns
p.id, p.project_id, p.kind, p.signature, p.description, p.steps, p.confidence, p.reviewed_by,
p.fact_id, p.create_time, p.update_time,
(SELECT count(*) FROM consolidation_pattern_instances i WHERE i.pattern_id = p.id) AS occurrences

-- name: cons_upsert_pattern
-- Creates the pattern or refreshes its description, steps, confidence and reviewer; returns its id.
INSERT INTO consolidation_patterns AS p
    (id, project_id, kind, signature, description, steps, confidence, reviewed_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (project_id, kind, signature) DO UPDATE
SET description = EXCLUDED.description, steps = EXCLUDED.steps,
    confidence = greatest(p.confidence, EXCLUDED.confidence),
    reviewed_by = EXCLUDED.reviewed_by, update_time = now()
RETURNING p.id

-- name: cons_add_instances
-- Records occurrences of a pattern ($3 first event ids, $4 event ids as JSON arrays); known ones are kept as they are.
INSERT INTO consolidation_pattern_instances (pattern_id, first_event_id, project_id, event_ids)
SELECT $1, u.first_id, $2,
       ARRAY(SELECT jsonb_array_elements_text(u.ids)::uuid)
FROM unnest($3::uuid[], $4::jsonb[]) AS u (first_id, ids)
ON CONFLICT (pattern_id, first_event_id) DO NOTHING

-- name: cons_set_pattern_fact
-- Links a pattern to the fact it was written as.
UPDATE consolidation_patterns SET fact_id = $3 WHERE project_id = $1 AND id = $2

-- name: cons_upsert_procedure_candidate
-- Creates or refreshes the procedure candidate learned from a repeated action sequence.
INSERT INTO procedure_candidates AS c
    (id, project_id, pattern_id, name, steps, event_sequence, confidence)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (pattern_id) DO UPDATE
SET name = EXCLUDED.name, steps = EXCLUDED.steps,
    confidence = greatest(c.confidence, EXCLUDED.confidence), update_time = now()
RETURNING c.id

-- name: cons_list_patterns
-- A page of patterns, newest first: $2 kind (NULL: all), $3 keyset id, $4 limit.
SELECT {{cons_pattern_columns}} FROM consolidation_patterns p
WHERE p.project_id = $1
  AND ($2::text IS NULL OR p.kind = $2)
  AND ($3::uuid IS NULL OR p.id < $3)
ORDER BY p.id DESC
LIMIT $4

-- name: cons_list_procedure_candidates
-- A page of procedure candidates, newest first: $2 keyset id, $3 limit.
SELECT c.id, c.pattern_id, c.name, c.steps, c.event_sequence, c.confidence, c.create_time,
       c.update_time,
       (SELECT count(*) FROM consolidation_pattern_instances i WHERE i.pattern_id = c.pattern_id)
           AS occurrences
FROM procedure_candidates c
WHERE c.project_id = $1 AND ($2::uuid IS NULL OR c.id < $2)
ORDER BY c.id DESC
LIMIT $3

-- name: cons_set_schedule
-- Sets a project's consolidation interval; the first scheduled run is one interval away.
INSERT INTO consolidation_schedules AS s (project_id, interval_seconds, next_run_time)
VALUES ($1, $2::integer, now() + make_interval(secs => $2::integer))
ON CONFLICT (project_id) DO UPDATE
SET interval_seconds = EXCLUDED.interval_seconds, next_run_time = EXCLUDED.next_run_time,
    update_time = now()
RETURNING project_id, interval_seconds, next_run_time

-- name: cons_delete_schedule
-- Turns a project's scheduled consolidation off.
DELETE FROM consolidation_schedules WHERE project_id = $1

-- name: cons_get_schedule
-- A project's consolidation schedule, if any.
SELECT project_id, interval_seconds, next_run_time FROM consolidation_schedules
WHERE project_id = $1

-- name: cons_claim_due_schedules
-- Projects whose scheduled run is due, each moved one interval on so that only one server claims it.
UPDATE consolidation_schedules
SET next_run_time = now() + make_interval(secs => interval_seconds)
WHERE project_id IN (
    SELECT project_id FROM consolidation_schedules
    WHERE next_run_time <= now()
    ORDER BY next_run_time
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
RETURNING project_id
