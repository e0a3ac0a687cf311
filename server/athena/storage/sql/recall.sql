-- fragment: entities_named_by_query
-- Ids of project $1's entities that query $3 (name key $2) names: by name, name trigram (fenced by OFFSET 0, else the project btree wins) or alias.
SELECT n.id FROM entities n WHERE n.project_id = $1 AND n.name_key = $2
UNION
SELECT t.id FROM (SELECT n.id, n.project_id FROM entities n WHERE n.name_key % $2 OFFSET 0) AS t
WHERE t.project_id = $1
UNION
SELECT n.id FROM entities n
WHERE n.project_id = $1 AND n.search_tsv @@ plainto_tsquery('simple', $3)
    AND EXISTS (SELECT 1 FROM unnest(n.aliases) AS a WHERE lower(a) = $2)

-- name: recall_event_candidates
-- Full-text candidates for recall: the events matching the gather tsquery, best first by BM25, with it.
-- Events of the filter matching gather tsquery $10 (already normalised lexemes, hence a plain
-- cast), each scored by BM25 over the query's lexemes $11 (one quoted lexeme per element) whose
-- idf is in $12 (NULL: not scored), by presence, as athena.recall.bm25.score computes it ($15 k1,
-- $16 1 - b, $17 b, $18 k1 + 1, $19 the mean length, at least 1): the same operations in the same
-- order, so the same floats. The best $13 by that score (ties newest first) come back, with
-- whether their content matches the time-mention pattern $14 (NULL: not asked). Ranking every
-- gathered event by its BM25 score costs less than ranking them by ts_rank did (1.9 against 2.6
-- ms at 100k events), and a cut by the score itself keeps more of what ranking needs: ts_rank's
-- order (every word alike) lost a tenth of the top 10 at 100k (docs/recall.md, seventh round).
-- Up to 12 lexemes are tested one expression each (a custom plan folds each lexeme's tsquery
-- and idf to constants); a subquery per row over the arrays, for longer queries, costs ~1.5 us
-- more per lexeme.
SELECT c.id, c.session_id, c.actor, c.own, coalesce(c.content ~* $14::text, false) AS mentions_time
FROM (
    SELECT e.id, e.session_id, e.actor, e.content, e.occur_time,
        CASE WHEN cardinality($11::text[]) > 12 THEN (
            SELECT coalesce(sum(CASE WHEN e.search_tsv @@ x.lexeme::tsquery AND x.idf IS NOT NULL
                THEN (x.idf * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END ORDER BY x.n), 0.0::float8)
            FROM unnest($11::text[], $12::float8[]) WITH ORDINALITY AS x (lexeme, idf, n)
        ) ELSE 0.0::float8
            + CASE WHEN e.search_tsv @@ ($11::text[])[1]::tsquery AND ($12::float8[])[1] IS NOT NULL
                THEN (($12::float8[])[1] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[2]::tsquery AND ($12::float8[])[2] IS NOT NULL
                THEN (($12::float8[])[2] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[3]::tsquery AND ($12::float8[])[3] IS NOT NULL
                THEN (($12::float8[])[3] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[4]::tsquery AND ($12::float8[])[4] IS NOT NULL
                THEN (($12::float8[])[4] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[5]::tsquery AND ($12::float8[])[5] IS NOT NULL
                THEN (($12::float8[])[5] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[6]::tsquery AND ($12::float8[])[6] IS NOT NULL
                THEN (($12::float8[])[6] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[7]::tsquery AND ($12::float8[])[7] IS NOT NULL
                THEN (($12::float8[])[7] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[8]::tsquery AND ($12::float8[])[8] IS NOT NULL
                THEN (($12::float8[])[8] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[9]::tsquery AND ($12::float8[])[9] IS NOT NULL
                THEN (($12::float8[])[9] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[10]::tsquery AND ($12::float8[])[10] IS NOT NULL
                THEN (($12::float8[])[10] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[11]::tsquery AND ($12::float8[])[11] IS NOT NULL
                THEN (($12::float8[])[11] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
            + CASE WHEN e.search_tsv @@ ($11::text[])[12]::tsquery AND ($12::float8[])[12] IS NOT NULL
                THEN (($12::float8[])[12] * $18::float8)
                    / (1 + $15::float8 * ($16::float8 + ($17::float8 * length(e.search_tsv)) / $19::float8))
                ELSE 0.0::float8 END
        END AS own
    FROM events e
    WHERE {{event_filter}} AND e.search_tsv @@ $10::tsquery
    ORDER BY own DESC, e.occur_time DESC, e.id
    LIMIT $13
) AS c
ORDER BY c.own DESC, c.occur_time DESC, c.id;

-- name: recall_query_terms
-- The query's lexemes ($2 is the query text; stemmed, no stop words, as the index sees them),
-- how many of project $1's events contain each, counted up to $3 (past that a word is common and
-- its exact count barely moves BM25), and, when $4, the project's event count and the mean
-- lexeme count of its newest $5 events (BM25's corpus size and average document length).
-- Lexemes in $6 are not counted (the caller has their counts cached): documents is NULL.
-- Planned per call: a generic plan, blind to the LIMIT $3, counts by sequential scan.
SELECT l.lexeme, CASE WHEN l.lexeme = ANY ($6::text[]) THEN NULL ELSE (
    SELECT count(*) FROM (
        SELECT 1 FROM events e
        WHERE e.project_id = $1
            AND e.search_tsv @@ (
                '''' || replace(replace(l.lexeme, '\', '\\'), '''', '''''') || ''''
            )::tsquery
        LIMIT $3
    ) AS hits
) END AS documents,
    (SELECT count(*) FROM events WHERE project_id = $1 AND $4) AS corpus_documents,
    (SELECT avg(length(s.search_tsv)) FROM (
        SELECT search_tsv FROM events WHERE project_id = $1 AND $4
        ORDER BY occur_time DESC, id DESC LIMIT $5
    ) AS s) AS average_length
FROM unnest(tsvector_to_array(to_tsvector('english', $2))) AS l (lexeme);

-- name: recall_events_by_ids
-- The events a recall ranked, by id (the caller restores its order), with their statistics.
-- plan: generic
-- Each of project $1's events in $2 with memory_item_stats_for's columns for it (stats_found
-- false when it has none): the usefulness boost of an event then needs no lookup of its own,
-- which was the last round trip of an events recall.
SELECT {{event_columns}}, s.item_id IS NOT NULL AS stats_found, s.access_count, s.access_score,
    s.score_time, s.last_access_time, s.rating_count, s.rating_sum, s.last_rating_time
FROM events e
LEFT JOIN memory_item_stats s
    ON s.project_id = e.project_id AND s.layer = 'event' AND s.item_id = e.id::text
WHERE e.project_id = $1 AND e.id = ANY ($2::uuid[]);

-- name: recall_event_neighbours
-- The events around each anchor in its session.
-- plan: generic
-- For each anchor event in $10, the up to $11 events just before and just after it in its
-- session (time order) that also pass the filter, with what ranking needs of them ($12 is the
-- time-mention pattern or NULL); distance is negative before the anchor, positive after it.
-- Generic: the plan (anchors by key, then the session index both ways) does not depend on the
-- parameters, and planning it took half of its time (0.45 of ~1 ms at 100k events).
WITH anchors AS (
    SELECT a.id, a.session_id, a.occur_time FROM events a
    WHERE a.project_id = $1 AND a.id = ANY ($10::uuid[])
)
SELECT a.id AS anchor, n.id, n.distance, n.session_id, n.actor, n.mentions_time
FROM anchors a
CROSS JOIN LATERAL (
    SELECT b.*, -row_number() OVER (ORDER BY b.occur_time DESC, b.id DESC) AS distance
    FROM (
        SELECT e.id, e.session_id, e.occur_time, e.actor,
            coalesce(e.content ~* $12::text, false) AS mentions_time
        FROM events e
        WHERE {{event_filter}} AND e.session_id = a.session_id
            AND (e.occur_time, e.id) < (a.occur_time, a.id)
        ORDER BY e.occur_time DESC, e.id DESC
        LIMIT $11
    ) AS b
    UNION ALL
    SELECT f.*, row_number() OVER (ORDER BY f.occur_time, f.id) AS distance
    FROM (
        SELECT e.id, e.session_id, e.occur_time, e.actor,
            coalesce(e.content ~* $12::text, false) AS mentions_time
        FROM events e
        WHERE {{event_filter}} AND e.session_id = a.session_id
            AND (e.occur_time, e.id) > (a.occur_time, a.id)
        ORDER BY e.occur_time, e.id
        LIMIT $11
    ) AS f
) AS n;

-- name: recall_planning
-- The planning layer: tasks and goals matching the query.
-- plan: generic
-- Prospective tasks and goals of project $1 matching any word of query $2 by full text over
-- title and description (computed on the fly: a project's plans are few), of the kinds in $3
-- ('task', 'goal'), due in [$4, $5) when bounded, best $6 first.
-- Generic: planning took 0.2-0.4 ms of a statement that runs in 0.05.
WITH q AS (
    SELECT {{words_or_tsquery}}
        AS query
    FROM unnest(tsvector_to_array(to_tsvector('english', $2))) AS w
), plans AS (
    SELECT 'task' AS layer, t.id, t.title, t.description, t.status, t.priority, t.due_time,
        to_tsvector('english', t.title || ' ' || t.description) AS doc
    FROM prospective_tasks t WHERE t.project_id = $1 AND 'task' = ANY ($3::text[])
    UNION ALL
    SELECT 'goal', g.id, g.title, g.description, g.status, g.priority, g.due_time,
        to_tsvector('english', g.title || ' ' || g.description)
    FROM prospective_goals g WHERE g.project_id = $1 AND 'goal' = ANY ($3::text[])
)
SELECT p.layer, p.id, p.title, p.description, p.status, p.priority, p.due_time,
    ts_rank_cd(p.doc, q.query, 1) AS score
FROM plans p, q
WHERE p.doc @@ q.query
    AND ($4::timestamptz IS NULL OR p.due_time >= $4)
    AND ($5::timestamptz IS NULL OR p.due_time < $5)
ORDER BY score DESC, p.id
LIMIT $6;

-- name: recall_named_entities
-- Graph proximity: the entities a query names and the events linked to them.
-- plan: generic
-- The entities of project $1 that query text $3 (case-folded name key $2) names - by name or
-- alias (1.0) or by trigram similarity of the name (0.9 x similarity), as the graph's entity
-- search scores them - with a score of at least $4, the best $5, and for each the ids of the
-- newest $6 events linked to it (one row per entity, the ids as text: the form recall's ids
-- take). Description words do not name an entity, so the full-text
-- branch of the entity search (ranking hundreds of descriptions for a query of common words,
-- ~14 ms at 10k entities) is not needed: an alias is found through its words, all of them
-- required. The trigram branch is fenced (OFFSET 0) from the project filter, else the planner
-- prefers the project's btree over the trigram index. The plan does not depend on the query, and
-- planning it for every call cost 1 ms of its 2.9 (1.75 ms with the generic plan, 100k bench).
WITH hits AS (
    {{entities_named_by_query}}
), named AS (
    SELECT s.id, s.score FROM (
        SELECT n.id, n.name_key, greatest(
            CASE WHEN n.name_key = $2 THEN 1.0
                 WHEN EXISTS (SELECT 1 FROM unnest(n.aliases) AS a WHERE lower(a) = $2) THEN 1.0
                 ELSE 0.0 END,
            0.9 * similarity(n.name_key, $2)
        ) AS score
        FROM entities n JOIN hits h ON h.id = n.id
        WHERE n.project_id = $1
    ) AS s
    WHERE s.score >= $4
    ORDER BY s.score DESC, s.name_key
    LIMIT $5
)
SELECT n.score::float8 AS score, ARRAY(
    SELECT l.event_id::text FROM event_entities l
    WHERE l.project_id = $1 AND l.entity_id = n.id
    ORDER BY l.event_id DESC
    LIMIT $6
) AS event_ids
FROM named n;

-- name: recall_entities
-- The entity layer: entities a query names or whose words match its words, best first.
-- plan: generic
-- Entities of project $1 that query text $3 (case-folded name key $2) names - exactly by name
-- or alias, or by trigram similarity of the name - and the $4 whose words (name, aliases,
-- description) best match the query's by ts_rank, all scored as the graph's search_entities
-- scores them (1 for a name or alias, 0.9 x name similarity, 0.8 x ts_rank_cd), best $4 first.
-- search_entities scores every word match, ~500 for a query of common words at 10k entities,
-- and ts_rank_cd with a query of several words costs ~20 us per entity (it re-evaluates the
-- query at every matching position): 14 ms in all. ts_rank costs ~1 us, so only a limit's worth
-- of word matches is scored; on the 300 queries of the 100k bench the recalls' results were
-- the same. The trigram branch is fenced (OFFSET 0) from the project filter, else the planner
-- prefers the project's btree over the trigram index; the entities are read per hit (fenced
-- too), else the generic plan hashes the whole table. Generic: 3.8 ms against 5.0 planned per
-- call (the plan does not depend on the query).
WITH q AS (
    SELECT {{words_or_tsquery}}
        AS query
    FROM unnest(tsvector_to_array(to_tsvector('simple', $3) || to_tsvector('english', $3))) AS w
), hits AS (
    {{entities_named_by_query}}
    UNION
    (SELECT n.id FROM entities n, q WHERE n.project_id = $1 AND n.search_tsv @@ q.query
    ORDER BY ts_rank(n.search_tsv, q.query) DESC, n.name_key LIMIT $4)
)
SELECT n.id, n.name, n.type, n.description, n.properties, n.aliases, n.create_time, n.update_time,
    {{entity_search_score}} AS score
FROM hits h
CROSS JOIN LATERAL (SELECT * FROM entities e WHERE e.id = h.id AND e.project_id = $1 OFFSET 0) AS n,
    q
ORDER BY score DESC, n.name_key
LIMIT $4;

-- name: recall_relations
-- The relation layer: the relations around the best entities, with the names of their ends.
-- plan: generic
-- Up to $3 relations of each anchor entity in $2 (either end; the first by id, as the graph's
-- list_relations pages them), with provenance, in anchor order: one round trip, on the entity
-- search's connection, instead of a listing and an entity check per anchor and a name look-up.
SELECT a.ord AS anchor, r.id, r.source_id, r.target_id, r.type, r.weight, r.properties,
    r.valid_from, r.valid_to, r.create_time, r.update_time, s.name AS source_name,
    t.name AS target_name,
    ARRAY(SELECT x.event_id FROM relation_sources x WHERE x.relation_id = r.id ORDER BY x.event_id)
        AS source_event_ids
FROM unnest($2::uuid[]) WITH ORDINALITY AS a (id, ord)
CROSS JOIN LATERAL (
    SELECT e.* FROM (
        (SELECT r.* FROM relations r WHERE r.project_id = $1 AND r.source_id = a.id
         ORDER BY r.id LIMIT $3)
        UNION
        (SELECT r.* FROM relations r WHERE r.project_id = $1 AND r.target_id = a.id
         ORDER BY r.id LIMIT $3)
    ) AS e
    ORDER BY e.id
    LIMIT $3
) AS r
JOIN entities s ON s.id = r.source_id
JOIN entities t ON t.id = r.target_id
ORDER BY a.ord, r.id;

-- name: recall_facts
-- The fact layer: current facts by full text and by vector, fused by reciprocal rank.
-- The current facts of project $1 among the best $4 matching any lexeme of query text $2 by
-- ts_rank (as search_facts_text) and the $4 nearest to vector $3, fused as SemanticMemory.search
-- fuses them (athena.memory.fusion.rrf: 1/(60 + rank) per list, ties in full-text order, then
-- vector order), the best $5 with their columns and score parts (and the best full-text score,
-- which the text part is a share of). One round trip where the search
-- takes four (lexemes, then text beside vector, then the facts). Planned per call: a generic
-- plan would walk the HNSW graph for a small project beside a large one too, where its custom
-- plan reads the project's few vectors exactly.
WITH q AS (
    SELECT {{words_or_tsquery}}
        AS query
    FROM unnest(tsvector_to_array(to_tsvector('english', $2))) AS w
), t AS (
    -- Numbered as they come: the limited subquery is already in rank order.
    SELECT m.id, m.score, row_number() OVER () AS rank FROM (
        SELECT f.id, ts_rank(f.search_tsv, q.query, 1) AS score
        FROM facts f, q
        WHERE f.project_id = $1 AND f.superseded_time IS NULL AND f.search_tsv @@ q.query
        ORDER BY score DESC, f.create_time DESC
        LIMIT $4
    ) AS m
), v AS (
    SELECT m.id, m.score, row_number() OVER () AS rank FROM (
        SELECT f.id, 1 - (f.embedding <=> $3) AS score
        FROM facts f
        WHERE f.project_id = $1 AND f.superseded_time IS NULL
        ORDER BY f.embedding <=> $3
        LIMIT $4
    ) AS m
), fused AS (
    SELECT coalesce(t.id, v.id) AS id, coalesce(t.rank, 0) AS text_rank,
        coalesce(t.score, 0) AS text_score, coalesce(v.rank, 0) AS vector_rank,
        coalesce(v.score, 0) AS vector_score,
        coalesce(1.0::float8 / (60 + t.rank), 0) + coalesce(1.0::float8 / (60 + v.rank), 0)
            AS score,
        coalesce(t.rank, $4 + v.rank) AS tie
    FROM t FULL JOIN v ON v.id = t.id
    ORDER BY score DESC, tie
    LIMIT $5
)
SELECT {{fact_columns}}, x.score AS fused_score, x.text_rank, x.text_score, x.vector_rank,
    x.vector_score, (SELECT max(t.score) FROM t) AS best_text_score
FROM fused x JOIN facts f ON f.id = x.id AND f.project_id = $1
ORDER BY x.score DESC, x.tie;

-- name: recall_graph
-- The entity layer and graph proximity in one statement: both look up the entities named.
-- plan: generic
-- recall_entities' entities (kind 'entity'; $1 project, $2 name key, $3 query text, $4 limit)
-- and recall_named_entities' rows (kind 'near': the best $6 entities named with a score of at
-- least $5, with the ids of their newest $7 linked events), each scored by its own statement's
-- formula, from one search of names, aliases and trigrams: for a recall of events and entities
-- that search ran twice (~1 ms each at 10k entities, mostly the trigram index) in two round trips.
WITH q AS (
    SELECT {{words_or_tsquery}}
        AS query
    FROM unnest(tsvector_to_array(to_tsvector('simple', $3) || to_tsvector('english', $3))) AS w
), named_hits AS (
    {{entities_named_by_query}}
), hits AS (
    SELECT h.id, true AS named FROM named_hits h
    UNION ALL
    SELECT w.id, false FROM (
        SELECT n.id FROM entities n, q WHERE n.project_id = $1 AND n.search_tsv @@ q.query
        ORDER BY ts_rank(n.search_tsv, q.query) DESC, n.name_key LIMIT $4
    ) AS w
    WHERE w.id NOT IN (SELECT id FROM named_hits)
), scored AS (
    -- entity_search_score and the named score share their name parts, computed once (fenced:
    -- else each is inlined into both and the name similarity, ~7 us, is computed twice).
    SELECT n.id, n.name, n.type, n.description, n.properties, n.aliases, n.create_time,
        n.update_time, n.name_key, h.named,
        greatest(x.exact, 0.9 * x.similarity,
            0.8 * least(coalesce(ts_rank_cd(n.search_tsv, q.query), 0), 1.0)) AS score,
        greatest(x.exact, 0.9 * x.similarity) AS named_score
    FROM hits h
    CROSS JOIN LATERAL (
        SELECT * FROM entities e WHERE e.id = h.id AND e.project_id = $1 OFFSET 0
    ) AS n
    CROSS JOIN LATERAL (
        SELECT CASE WHEN n.name_key = $2 THEN 1.0
                 WHEN EXISTS (SELECT 1 FROM unnest(n.aliases) AS a WHERE lower(a) = $2) THEN 1.0
                 ELSE 0.0 END AS exact,
            similarity(n.name_key, $2) AS similarity
        OFFSET 0
    ) AS x,
        q
)
SELECT * FROM (
    SELECT 'entity' AS kind, row_number() OVER (ORDER BY s.score DESC, s.name_key) AS ord, s.id,
        s.name, s.type, s.description, s.properties, s.aliases, s.create_time, s.update_time,
        s.score::float8 AS score, NULL::text[] AS event_ids
    FROM scored s
) AS entity
WHERE entity.ord <= $4
UNION ALL
SELECT 'near', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, m.named_score::float8, ARRAY(
    SELECT l.event_id::text FROM event_entities l
    WHERE l.project_id = $1 AND l.entity_id = m.id
    ORDER BY l.event_id DESC
    LIMIT $7
)
FROM (
    SELECT s.id, s.named_score FROM scored s
    WHERE s.named AND s.named_score >= $5
    ORDER BY s.named_score DESC, s.name_key
    LIMIT $6
) AS m
ORDER BY kind, ord;
