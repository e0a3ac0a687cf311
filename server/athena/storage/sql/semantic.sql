-- fragment: fact_columns
-- Every column of a fact version that the domain model reads, with its provenance.
f.id, f.lineage_id, f.version, f.supersedes_id, f.subject, f.predicate, f.content, f.domain,
    f.tags, f.confidence, f.usefulness, f.valid_from, f.valid_to, f.create_time, f.update_time,
    f.superseded_time,
    ARRAY(SELECT s.event_id FROM fact_sources s WHERE s.fact_id = f.id ORDER BY s.event_id)
        AS source_event_ids

-- fragment: fact_filter
-- The FactFilter over `facts f`: $1 project, $2 case-folded subject, $3 predicate, $4 domain,
-- $5 tags (all of), $6 minimum confidence, $7 as-of (belief) time, $8 valid-at (world) time,
-- $9 include superseded versions, $10 source event. NULLs do not filter. Without $7 the
-- current versions are read (through the partial indexes once the constants fold).
f.project_id = $1
    AND ($2::text IS NULL OR lower(f.subject) = $2)
    AND ($3::text IS NULL OR f.predicate = $3)
    AND ($4::text IS NULL OR f.domain = $4)
    AND ($5::text[] IS NULL OR f.tags @> $5)
    AND ($6::float8 IS NULL OR f.confidence >= $6)
    AND (($7::timestamptz IS NULL AND ($9::bool OR f.superseded_time IS NULL))
        OR ($7 IS NOT NULL AND f.create_time <= $7
            AND (f.superseded_time IS NULL OR f.superseded_time > $7)))
    AND ($8::timestamptz IS NULL OR (f.valid_from <= $8 AND (f.valid_to IS NULL OR f.valid_to > $8)))
    AND ($10::uuid IS NULL
        OR EXISTS (SELECT 1 FROM fact_sources fs WHERE fs.fact_id = f.id AND fs.event_id = $10))

-- name: insert_fact
-- Store one fact version; returns it.
WITH inserted AS (
    INSERT INTO facts (id, project_id, lineage_id, version, supersedes_id, subject, predicate,
        content, domain, tags, confidence, usefulness, valid_from, valid_to, create_time,
        update_time, embedding)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16)
    RETURNING *
)
SELECT {{fact_columns}} FROM inserted f;

-- name: insert_fact_sources
-- Link a fact version to those of the events $3 that exist in project $2; returns the linked ids.
INSERT INTO fact_sources (fact_id, event_id, project_id)
SELECT $1, e.id, $2 FROM events e WHERE e.project_id = $2 AND e.id = ANY ($3::uuid[])
ON CONFLICT DO NOTHING
RETURNING event_id;

-- name: copy_fact_sources
-- Carry a version's provenance over to the version that supersedes it.
INSERT INTO fact_sources (fact_id, event_id, project_id)
SELECT $2, event_id, project_id FROM fact_sources WHERE fact_id = $1;

-- name: clear_fact_sources
-- Drop a fact version's provenance (before replacing it).
DELETE FROM fact_sources WHERE fact_id = $1;

-- name: get_fact
-- One fact version of a project by id.
SELECT {{fact_columns}} FROM facts f WHERE f.project_id = $1 AND f.id = $2;

-- name: lock_fact
-- One fact version, locked against concurrent updates until the transaction ends.
SELECT f.id, f.lineage_id, f.version, f.superseded_time FROM facts f
WHERE f.project_id = $1 AND f.id = $2
FOR UPDATE;

-- name: current_fact_of_lineage
-- The current version of a lineage.
SELECT f.id FROM facts f
WHERE f.project_id = $1 AND f.lineage_id = $2 AND f.superseded_time IS NULL;

-- name: get_facts_by_ids
-- Several fact versions of a project by id (order is restored by the caller).
SELECT {{fact_columns}} FROM facts f WHERE f.project_id = $1 AND f.id = ANY ($2::uuid[]);

-- name: supersede_fact
-- Close a version's belief window at $3.
UPDATE facts SET superseded_time = $3, update_time = $3 WHERE project_id = $1 AND id = $2;

-- name: update_fact_in_place
-- Change the fields of a version that do not alter what it states.
UPDATE facts SET domain = $3, tags = $4, confidence = $5, usefulness = $6, update_time = $7
WHERE project_id = $1 AND id = $2;

-- name: list_facts
-- A page of facts, most recently stored first; $11/$12 is the (create_time, id) keyset cursor.
SELECT {{fact_columns}} FROM facts f
WHERE {{fact_filter}}
    AND ($11::timestamptz IS NULL OR (f.create_time, f.id) < ($11, $12::uuid))
ORDER BY f.create_time DESC, f.id DESC
LIMIT $13;

-- name: list_fact_versions
-- A page of one lineage's versions, newest first; $3 is the version to continue below.
SELECT {{fact_columns}} FROM facts f
WHERE f.project_id = $1 AND f.lineage_id = $2 AND ($3::int IS NULL OR f.version < $3)
ORDER BY f.version DESC
LIMIT $4;

-- name: delete_fact_lineage
-- Delete every version of the fact that version $2 belongs to; returns the lineage and count.
WITH target AS (
    SELECT lineage_id FROM facts WHERE project_id = $1 AND id = $2
), gone AS (
    DELETE FROM facts f USING target t
    WHERE f.project_id = $1 AND f.lineage_id = t.lineage_id
    RETURNING f.lineage_id
)
SELECT lineage_id, count(*) AS n FROM gone GROUP BY lineage_id;

-- name: facts_about_subject
-- Current facts about a subject whose validity overlaps [$3, $4), other than lineage $5: the
-- candidates a new statement may contradict.
SELECT {{fact_columns}} FROM facts f
WHERE f.project_id = $1 AND lower(f.subject) = $2 AND f.superseded_time IS NULL
    AND f.valid_from < coalesce($4::timestamptz, 'infinity')
    AND coalesce(f.valid_to, 'infinity') > $3
    AND ($5::uuid IS NULL OR f.lineage_id <> $5)
ORDER BY f.create_time DESC, f.id DESC
LIMIT 200;

-- name: search_facts_text
-- Full-text candidates: facts matching any lexeme of the OR tsquery $11, best $12 by ts_rank.
-- ts_rank (word frequency, divided by 1 + log of the fact's length), not ts_rank_cd (cover
-- density, which rewards query words close together): facts are a sentence long, so proximity
-- says little, and cover density costs ~12 us a fact, 4 ms for a query of common words matching
-- ~500 of 10k facts. On bench.locomo_facts ts_rank found as much: R@5/10/20 0.538/0.611/0.676
-- against 0.535/0.608/0.675 (docs/benchmarks.md).
SELECT f.id, ts_rank(f.search_tsv, $11::tsquery, 1) AS score
FROM facts f
WHERE {{fact_filter}} AND f.search_tsv @@ $11::tsquery
ORDER BY score DESC, f.create_time DESC
LIMIT $12;

-- name: search_facts_vector
-- Vector candidates nearest to $11 by cosine (HNSW, iteratively scanned under the filter);
-- $12 limit.
SELECT f.id, 1 - (f.embedding <=> $11) AS score
FROM facts f
WHERE {{fact_filter}}
ORDER BY f.embedding <=> $11
LIMIT $12;
