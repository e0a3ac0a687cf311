-- fragment: event_filter
-- The EventFilter as SQL: $1 project, $2 session, $3/$4 time range, $5 types, $6 tags (all of),
-- $7 minimum importance, $8 actor, $9 consolidation status. NULL parameters do not filter.
project_id = $1
    AND ($2::text IS NULL OR session_id = $2)
    AND ($3::timestamptz IS NULL OR occur_time >= $3)
    AND ($4::timestamptz IS NULL OR occur_time < $4)
    AND ($5::text[] IS NULL OR type = ANY ($5))
    AND ($6::text[] IS NULL OR tags @> $6)
    AND ($7::float8 IS NULL OR importance >= $7)
    AND ($8::text IS NULL OR actor = $8)
    AND ($9::text IS NULL OR consolidation_status = $9)

-- fragment: event_columns
-- Every column of an event that the domain model reads.
id, session_id, occur_time, type, actor, content, outcome, context_cwd, context_files,
    context_task, context_phase, context_branch, importance, confidence, tags, attributes,
    consolidation_status, create_time

-- name: get_event
-- One event of a project by id.
SELECT {{event_columns}} FROM events WHERE project_id = $1 AND id = $2;

-- name: get_events_by_ids
-- Several events of a project by id (order is restored by the caller).
SELECT {{event_columns}} FROM events WHERE project_id = $1 AND id = ANY ($2::uuid[]);

-- name: list_events_time_desc
-- A page of events, newest first; $10/$11 is the (occur_time, id) keyset cursor.
SELECT {{event_columns}} FROM events
WHERE {{event_filter}}
    AND ($10::timestamptz IS NULL OR (occur_time, id) < ($10, $11::uuid))
ORDER BY occur_time DESC, id DESC
LIMIT $12;

-- name: list_events_time_asc
-- A page of events, oldest first; $10/$11 is the (occur_time, id) keyset cursor.
SELECT {{event_columns}} FROM events
WHERE {{event_filter}}
    AND ($10::timestamptz IS NULL OR (occur_time, id) > ($10, $11::uuid))
ORDER BY occur_time ASC, id ASC
LIMIT $12;

-- name: list_events_importance_desc
-- A page of events, most important first; $13/$10/$11 is the (importance, occur_time, id) cursor.
SELECT {{event_columns}} FROM events
WHERE {{event_filter}}
    AND ($10::timestamptz IS NULL OR (importance, occur_time, id) < ($13::float8, $10, $11::uuid))
ORDER BY importance DESC, occur_time DESC, id DESC
LIMIT $12;

-- name: list_events_importance_asc
-- A page of events, least important first; $13/$10/$11 is the (importance, occur_time, id) cursor.
SELECT {{event_columns}} FROM events
WHERE {{event_filter}}
    AND ($10::timestamptz IS NULL OR (importance, occur_time, id) > ($13::float8, $10, $11::uuid))
ORDER BY importance ASC, occur_time ASC, id ASC
LIMIT $12;

-- name: search_events_text
-- Full-text candidates: matching events ranked by cover density; $10 tsquery text, $11 limit.
SELECT id, ts_rank_cd(search_tsv, query, 1) AS score
FROM events, to_tsquery('english', $10) AS query
WHERE {{event_filter}} AND search_tsv @@ query
ORDER BY score DESC, occur_time DESC
LIMIT $11;

-- name: search_events_vector
-- Vector candidates: nearest events by cosine distance to $10; $11 limit.
SELECT id, 1 - (embedding <=> $10) AS score
FROM events
WHERE {{event_filter}}
ORDER BY embedding <=> $10
LIMIT $11;

-- name: delete_event
-- Delete one event of a project; returns its id when it existed.
DELETE FROM events WHERE project_id = $1 AND id = $2 RETURNING id;

-- name: delete_events
-- Delete every event matching the filter; returns how many were deleted.
WITH gone AS (DELETE FROM events WHERE {{event_filter}} RETURNING 1)
SELECT count(*) FROM gone;

-- name: count_events
-- How many events match the filter.
SELECT count(*) FROM events WHERE {{event_filter}};

-- name: event_stats_totals
-- Totals over the matching events.
SELECT count(*) AS total, count(DISTINCT session_id) AS sessions, min(occur_time) AS first,
    max(occur_time) AS last, coalesce(avg(importance), 0) AS mean_importance
FROM events WHERE {{event_filter}};

-- name: event_stats_groups
-- Counts per type, per outcome and per consolidation status over the matching events.
SELECT type, outcome, consolidation_status, count(*) AS n
FROM events WHERE {{event_filter}}
GROUP BY GROUPING SETS ((type), (outcome), (consolidation_status));
