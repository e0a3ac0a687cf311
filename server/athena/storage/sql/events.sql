-- fragment: event_filter
-- The EventFilter over `events e`: $1 project, $2 session, $3/$4 time range, $5 types, $6 tags
-- (all of), $7 minimum importance, $8 actor, $9 consolidation status. NULLs do not filter.
e.project_id = $1
    AND ($2::text IS NULL OR e.session_id = $2)
    AND ($3::timestamptz IS NULL OR e.occur_time >= $3)
    AND ($4::timestamptz IS NULL OR e.occur_time < $4)
    AND ($5::text[] IS NULL OR e.type = ANY ($5))
    AND ($6::text[] IS NULL OR e.tags @> $6)
    AND ($7::float8 IS NULL OR e.importance >= $7)
    AND ($8::text IS NULL OR e.actor = $8)
    AND ($9::text IS NULL OR e.consolidation_status = $9)

-- fragment: event_columns
-- Every column of an event that the domain model reads.
e.id, e.session_id, e.occur_time, e.type, e.actor, e.content, e.outcome, e.context_cwd,
    e.context_files, e.context_task, e.context_phase, e.context_branch, e.importance,
    e.confidence, e.tags, e.attributes, e.consolidation_status, e.create_time

-- name: get_event
-- One event of a project by id.
-- plan: generic
SELECT {{event_columns}} FROM events e WHERE e.project_id = $1 AND e.id = $2;

-- name: get_events_by_ids
-- Several events of a project by id (order is restored by the caller).
-- plan: generic
SELECT {{event_columns}} FROM events e WHERE e.project_id = $1 AND e.id = ANY ($2::uuid[]);

-- name: list_events_time_desc
-- A page of events, newest first; $10/$11 is the (occur_time, id) keyset cursor.
SELECT {{event_columns}} FROM events e
WHERE {{event_filter}}
    AND ($10::timestamptz IS NULL OR (e.occur_time, e.id) < ($10, $11::uuid))
ORDER BY e.occur_time DESC, e.id DESC
LIMIT $12;

-- name: list_events_time_asc
-- A page of events, oldest first; $10/$11 is the (occur_time, id) keyset cursor.
SELECT {{event_columns}} FROM events e
WHERE {{event_filter}}
    AND ($10::timestamptz IS NULL OR (e.occur_time, e.id) > ($10, $11::uuid))
ORDER BY e.occur_time ASC, e.id ASC
LIMIT $12;

-- name: list_events_importance_desc
-- A page of events, most important first; $13/$10/$11 is the (importance, occur_time, id) cursor.
SELECT {{event_columns}} FROM events e
WHERE {{event_filter}}
    AND ($10::timestamptz IS NULL OR (e.importance, e.occur_time, e.id) < ($13::float8, $10, $11::uuid))
ORDER BY e.importance DESC, e.occur_time DESC, e.id DESC
LIMIT $12;

-- name: list_events_importance_asc
-- A page of events, least important first; $13/$10/$11 is the (importance, occur_time, id) cursor.
SELECT {{event_columns}} FROM events e
WHERE {{event_filter}}
    AND ($10::timestamptz IS NULL OR (e.importance, e.occur_time, e.id) > ($13::float8, $10, $11::uuid))
ORDER BY e.importance ASC, e.occur_time ASC, e.id ASC
LIMIT $12;

-- name: query_lexemes
-- The distinct lexemes of a query as the full-text index sees them (stemmed, no stop words).
SELECT tsvector_to_array(to_tsvector('english', $1));

-- name: lexeme_frequencies
-- Share of events containing each common lexeme (from ANALYZE), and the table's row estimate.
SELECT s.most_common_elems::text::text[] AS lexemes, s.most_common_elem_freqs AS freqs,
    greatest(c.reltuples, 0)::bigint AS rows
FROM pg_class c
LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = 'events'
    AND s.attname = 'search_tsv'
WHERE c.oid = 'events'::regclass;

-- name: search_events_text
-- Full-text candidates: events matching the selective lexemes $10 (an OR tsquery of already
-- normalised lexemes, hence a plain cast), ranked by cover density against every query lexeme
-- $11; $12 limit.
SELECT e.id, ts_rank_cd(e.search_tsv, $11::tsquery, 1) AS score
FROM events e
WHERE {{event_filter}} AND e.search_tsv @@ $10::tsquery
ORDER BY score DESC, e.occur_time DESC
LIMIT $12;

-- name: search_events_vector
-- Vector candidates nearest to $10 by cosine: from the HNSW graph for indexed events and by
-- exact scan of the project's newest $12 queued events; $11 limit per source and overall.
WITH indexed AS (
    SELECT v.event_id AS id, v.embedding <=> $10 AS distance
    FROM event_vectors v JOIN events e ON e.id = v.event_id
    WHERE v.project_id = $1 AND {{event_filter}}
    ORDER BY v.embedding <=> $10
    LIMIT $11
), queued AS (
    SELECT q.event_id AS id, q.embedding <=> $10 AS distance
    FROM (
        SELECT event_id, embedding FROM event_vector_queue
        WHERE project_id = $1 ORDER BY event_id DESC LIMIT $12
    ) AS q
    JOIN events e ON e.id = q.event_id
    WHERE {{event_filter}}
    ORDER BY distance
    LIMIT $11
)
SELECT id, 1 - distance AS score FROM (SELECT * FROM indexed UNION ALL SELECT * FROM queued) AS u
ORDER BY distance
LIMIT $11;

-- name: search_project_vectors
-- search_events_vector for a filter of the project alone ($1): the same candidates, read from
-- the vectors without the events (a vector is deleted with its event), planned and run in
-- ~0.5 ms less of ~2.5 at 100k events. $2 the query vector, $3 the limit, $4 the queue scan.
WITH indexed AS (
    SELECT v.event_id AS id, v.embedding <=> $2 AS distance
    FROM event_vectors v
    WHERE v.project_id = $1
    ORDER BY v.embedding <=> $2
    LIMIT $3
), queued AS (
    SELECT q.event_id AS id, q.embedding <=> $2 AS distance
    FROM (
        SELECT event_id, embedding FROM event_vector_queue
        WHERE project_id = $1 ORDER BY event_id DESC LIMIT $4
    ) AS q
    ORDER BY distance
    LIMIT $3
)
SELECT id, 1 - distance AS score FROM (SELECT * FROM indexed UNION ALL SELECT * FROM queued) AS u
ORDER BY distance
LIMIT $3;

-- name: delete_event
-- Delete one event of a project; returns its id when it existed.
DELETE FROM events WHERE project_id = $1 AND id = $2 RETURNING id;

-- name: delete_events
-- Delete every event matching the filter; returns how many were deleted.
WITH gone AS (DELETE FROM events AS e WHERE {{event_filter}} RETURNING 1)
SELECT count(*) FROM gone;

-- name: count_events
-- How many events match the filter.
SELECT count(*) FROM events e WHERE {{event_filter}};

-- name: event_stats_totals
-- Totals over the matching events.
SELECT count(*) AS total, count(DISTINCT session_id) AS sessions, min(occur_time) AS first,
    max(occur_time) AS last, coalesce(avg(importance), 0) AS mean_importance
FROM events e WHERE {{event_filter}};

-- name: event_stats_groups
-- Counts per type, per outcome and per consolidation status over the matching events.
SELECT type, outcome, consolidation_status, count(*) AS n
FROM events e WHERE {{event_filter}}
GROUP BY GROUPING SETS ((type), (outcome), (consolidation_status));

-- name: index_queued_vectors
-- Move up to $1 queued vectors, oldest first, into the HNSW-indexed table; returns how many.
-- The event row is key-share locked up front (skipping it when taken): a delete locks the event
-- and then cascades to the queue, so locking only the queue row and meeting the event's lock later
-- (the foreign-key check of the insert) deadlocked with a concurrent delete.
WITH claimed AS (
    DELETE FROM event_vector_queue
    WHERE event_id IN (
        SELECT q.event_id FROM event_vector_queue AS q JOIN events AS e ON e.id = q.event_id
        ORDER BY q.event_id LIMIT $1
        FOR UPDATE OF q SKIP LOCKED
        FOR KEY SHARE OF e SKIP LOCKED
    )
    RETURNING event_id, project_id, embedding
), moved AS (
    INSERT INTO event_vectors (event_id, project_id, embedding)
    SELECT event_id, project_id, embedding FROM claimed
    ON CONFLICT (event_id) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM moved;

-- name: count_queued_vectors
-- How many events wait for vector indexing (all projects).
-- plan: generic
SELECT count(*) FROM event_vector_queue;
