-- fragment: entity_search_score
-- An entity's search score (n, with q.query the query's words): 1 for its name or an alias, 0.9 x name similarity, 0.8 x word rank.
greatest(
    CASE WHEN n.name_key = $2 THEN 1.0
         WHEN EXISTS (SELECT 1 FROM unnest(n.aliases) AS a WHERE lower(a) = $2) THEN 1.0
         ELSE 0.0 END,
    0.9 * similarity(n.name_key, $2),
    0.8 * least(coalesce(ts_rank_cd(n.search_tsv, q.query), 0), 1.0)
)

-- fragment: words_or_tsquery
-- The lexemes `w` quoted (backslashes and quotes escaped) and OR-ed into one tsquery.
string_agg('''' || replace(replace(w, '\', '\\'), '''', '''''') || '''', ' | ')::tsquery

-- fragment: entity_columns
-- Every column of an entity that the domain model reads.
n.id, n.name, n.type, n.description, n.properties, n.aliases, n.create_time, n.update_time

-- fragment: relation_columns
-- Every column of a relation that the domain model reads, with its provenance.
r.id, r.source_id, r.target_id, r.type, r.weight, r.properties, r.valid_from, r.valid_to,
    r.create_time, r.update_time,
    ARRAY(SELECT s.event_id FROM relation_sources s WHERE s.relation_id = r.id ORDER BY s.event_id)
        AS source_event_ids

-- name: upsert_entity
-- Create an entity or merge into the one with the same name key: non-empty type and description
-- replace, properties merge (new values win), aliases are added; returns it and whether it is new.
INSERT INTO entities AS n (id, project_id, name, name_key, type, description, properties, aliases,
    create_time, update_time)
VALUES ($1, $2, $3, $4, coalesce(nullif($5, ''), 'concept'), $6, $7::jsonb, $8, $9, $9)
ON CONFLICT (project_id, name_key) DO UPDATE SET
    type = coalesce(nullif($5, ''), n.type),
    description = coalesce(nullif($6, ''), n.description),
    properties = n.properties || $7::jsonb,
    aliases = n.aliases || ARRAY(SELECT a FROM unnest($8::text[]) AS a WHERE a <> ALL (n.aliases)),
    update_time = $9
RETURNING {{entity_columns}}, (xmax = 0) AS created;

-- name: get_entity
-- One entity of a project by id.
SELECT {{entity_columns}} FROM entities n WHERE n.project_id = $1 AND n.id = $2;

-- name: get_entities_by_ids
-- Several entities of a project by id (order is restored by the caller).
SELECT {{entity_columns}} FROM entities n WHERE n.project_id = $1 AND n.id = ANY ($2::uuid[]);

-- name: lock_entities
-- The ids among $2 that are entities of project $1, key-share locked so they cannot be deleted
-- before the caller's transaction links to them.
SELECT id FROM entities WHERE project_id = $1 AND id = ANY ($2::uuid[]) FOR KEY SHARE;

-- name: list_entities
-- A page of entities by name key; $2 types (NULL: any), $3/$4 the (name_key, id) cursor.
SELECT {{entity_columns}}, n.name_key FROM entities n
WHERE n.project_id = $1 AND ($2::text[] IS NULL OR n.type = ANY ($2))
    AND ($3::text IS NULL OR (n.name_key, n.id) > ($3, $4::uuid))
ORDER BY n.name_key, n.id
LIMIT $5;

-- name: delete_entity
-- Delete one entity (its relations, mentions and memberships cascade); returns its id.
DELETE FROM entities WHERE project_id = $1 AND id = $2 RETURNING id;

-- name: search_entities
-- Entities matching query text $3 (case-folded name key $2) by exact name or alias (score 1),
-- trigram name similarity, or full text of the query as the entity vector sees it (names
-- unstemmed, descriptions stemmed), best first; $4 types, $5 limit. A union of what each index
-- finds: a single OR made PostgreSQL compare trigrams with every entity of the project (~10 ms
-- per 10k entities). The trigram branch is fenced (OFFSET 0) from the project filter, else the
-- planner prefers the project's btree over the trigram index.
WITH q AS (
    SELECT {{words_or_tsquery}}
        AS query
    FROM unnest(tsvector_to_array(to_tsvector('simple', $3) || to_tsvector('english', $3))) AS w
), hits AS (
    SELECT n.id FROM entities n WHERE n.project_id = $1 AND n.name_key = $2
    UNION
    SELECT t.id FROM (SELECT n.id, n.project_id FROM entities n WHERE n.name_key % $2 OFFSET 0) AS t
    WHERE t.project_id = $1
    UNION
    SELECT n.id FROM entities n, q WHERE n.project_id = $1 AND n.search_tsv @@ q.query
)
SELECT {{entity_columns}},
    {{entity_search_score}} AS score
FROM entities n JOIN hits h ON h.id = n.id, q
WHERE n.project_id = $1 AND ($4::text[] IS NULL OR n.type = ANY ($4))
ORDER BY score DESC, n.name_key
LIMIT $5;

-- name: get_relation
-- One relation of a project by id.
SELECT {{relation_columns}} FROM relations r WHERE r.project_id = $1 AND r.id = $2;

-- name: get_relations_by_ids
-- Several relations of a project by id (order is restored by the caller).
SELECT {{relation_columns}} FROM relations r WHERE r.project_id = $1 AND r.id = ANY ($2::uuid[]);

-- name: lock_relation_by_key
-- The relation (source, target, type) of a project, locked for an upsert.
SELECT r.id, r.weight, r.valid_from, r.valid_to FROM relations r
WHERE r.project_id = $1 AND r.source_id = $2 AND r.target_id = $3 AND r.type = $4
FOR UPDATE;

-- name: insert_relation
-- Store a new relation unless (source, target, type) appeared concurrently; returns its id.
INSERT INTO relations (id, project_id, source_id, target_id, type, weight, properties, valid_from,
    valid_to, create_time, update_time)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $10)
ON CONFLICT (project_id, source_id, target_id, type) DO NOTHING
RETURNING id;

-- name: update_relation
-- Merge an upsert into an existing relation.
UPDATE relations SET weight = $3, properties = properties || $4::jsonb, valid_from = $5,
    valid_to = $6, update_time = $7
WHERE project_id = $1 AND id = $2;

-- name: insert_relation_sources
-- Link a relation to those of the events $3 that exist in project $2; returns the linked ids.
INSERT INTO relation_sources (relation_id, event_id, project_id)
SELECT $1, e.id, $2 FROM events e WHERE e.project_id = $2 AND e.id = ANY ($3::uuid[])
ON CONFLICT DO NOTHING
RETURNING event_id;

-- name: list_relations
-- A page of relations, oldest first: $2 entity and $3 direction (out/in/both), $4 types,
-- $5 valid-at instant, $6 the id to continue after, $7 limit.
SELECT {{relation_columns}} FROM relations r
WHERE r.project_id = $1
    AND ($2::uuid IS NULL OR ($3 <> 'in' AND r.source_id = $2) OR ($3 <> 'out' AND r.target_id = $2))
    AND ($4::text[] IS NULL OR r.type = ANY ($4))
    AND ($5::timestamptz IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $5)
        AND (r.valid_to IS NULL OR r.valid_to > $5)))
    AND ($6::uuid IS NULL OR r.id > $6)
ORDER BY r.id
LIMIT $7;

-- name: delete_relation
-- Delete one relation; returns its id.
DELETE FROM relations WHERE project_id = $1 AND id = $2 RETURNING id;

-- name: graph_step
-- One breadth-first step: the edges leaving the frontier $2 (direction $3: out/in/both) that
-- pass the filters ($4 relation types, $5 entity types of the far end unless it is $8, $6 minimum
-- weight, $7 valid-at instant), with the far end of each; heaviest first.
SELECT * FROM (
    SELECT r.id AS relation_id, r.source_id AS from_id, r.target_id AS to_id, r.weight
    FROM relations r JOIN entities n ON n.id = r.target_id
    WHERE r.project_id = $1 AND $3 <> 'in' AND r.source_id = ANY ($2::uuid[])
        AND ($4::text[] IS NULL OR r.type = ANY ($4))
        AND ($5::text[] IS NULL OR n.type = ANY ($5) OR n.id = $8)
        AND r.weight >= $6
        AND ($7::timestamptz IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $7)
            AND (r.valid_to IS NULL OR r.valid_to > $7)))
    UNION ALL
    SELECT r.id, r.target_id, r.source_id, r.weight
    FROM relations r JOIN entities n ON n.id = r.source_id
    WHERE r.project_id = $1 AND $3 <> 'out' AND r.target_id = ANY ($2::uuid[])
        AND ($4::text[] IS NULL OR r.type = ANY ($4))
        AND ($5::text[] IS NULL OR n.type = ANY ($5) OR n.id = $8)
        AND r.weight >= $6
        AND ($7::timestamptz IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $7)
            AND (r.valid_to IS NULL OR r.valid_to > $7)))
) AS step
ORDER BY weight DESC, relation_id
LIMIT $9;

-- name: graph_edges
-- Every relation of a project as (source, target, weight), for community detection.
SELECT source_id, target_id, weight FROM relations WHERE project_id = $1 AND source_id <> target_id;

-- name: graph_entity_info
-- Name and type of the entities $2, for community summaries.
SELECT n.id, n.name, n.type FROM entities n WHERE n.project_id = $1 AND n.id = ANY ($2::uuid[]);

-- name: delete_communities
-- Forget a project's communities before storing a new detection run.
DELETE FROM communities WHERE project_id = $1;

-- name: list_communities
-- A page of communities, by level then largest first; $2 level (NULL: all), $3/$4/$5 the
-- (level, size, id) cursor, $6 limit.
SELECT c.id, c.level, c.summary, c.size, c.create_time FROM communities c
WHERE c.project_id = $1 AND ($2::int IS NULL OR c.level = $2)
    AND ($3::int IS NULL OR (c.level, -c.size, c.id) > ($3, -$4::int, $5::uuid))
ORDER BY c.level, c.size DESC, c.id
LIMIT $6;

-- name: get_community
-- One community of a project with its member ids.
SELECT c.id, c.level, c.summary, c.size, c.create_time,
    ARRAY(SELECT m.entity_id FROM community_members m WHERE m.community_id = c.id
          ORDER BY m.entity_id) AS entity_ids
FROM communities c WHERE c.project_id = $1 AND c.id = $2;

-- name: list_event_entities
-- A page of the entities event $2 mentions, by name key; $3/$4 the (name_key, id) cursor.
SELECT {{entity_columns}}, n.name_key FROM event_entities ee JOIN entities n ON n.id = ee.entity_id
WHERE ee.project_id = $1 AND ee.event_id = $2
    AND ($3::text IS NULL OR (n.name_key, n.id) > ($3, $4::uuid))
ORDER BY n.name_key, n.id
LIMIT $5;

-- name: list_entity_events
-- A page of the ids of events mentioning entity $2, newest first; $3 the id to continue below.
SELECT ee.event_id FROM event_entities ee
WHERE ee.project_id = $1 AND ee.entity_id = $2 AND ($3::uuid IS NULL OR ee.event_id < $3)
ORDER BY ee.event_id DESC
LIMIT $4;

-- name: list_event_predecessors
-- A page of event $2's causal links to earlier events; $3/$4 the (type, predecessor) cursor.
SELECT l.event_id, l.predecessor_id, l.type, l.weight FROM event_links l
WHERE l.project_id = $1 AND l.event_id = $2
    AND ($3::text IS NULL OR (l.type, l.predecessor_id) > ($3, $4::uuid))
ORDER BY l.type, l.predecessor_id
LIMIT $5;

-- name: list_event_successors
-- A page of the links naming event $2 as a predecessor; $3/$4 the (type, event) cursor.
SELECT l.event_id, l.predecessor_id, l.type, l.weight FROM event_links l
WHERE l.project_id = $1 AND l.predecessor_id = $2
    AND ($3::text IS NULL OR (l.type, l.event_id) > ($3, $4::uuid))
ORDER BY l.type, l.event_id
LIMIT $5;

-- name: event_in_project
-- Whether event $2 exists in project $1.
SELECT EXISTS (SELECT 1 FROM events WHERE project_id = $1 AND id = $2);

-- name: graph_link_lock_timeout
-- Bound how long the linker's transaction waits for a row lock (the FOLLOWS and CAUSED_BY
-- foreign keys lock their predecessors) to $1 ms: shorter than PostgreSQL's deadlock check, so
-- against a delete it is the linker that gives up (and retries later), not the delete.
SELECT set_config('lock_timeout', $1::int || 'ms', true);

-- name: graph_take_link_queue
-- Up to $1 queued events, oldest first, row-locked so that other replicas' linkers take others.
SELECT event_id, project_id FROM graph_link_queue
ORDER BY event_id
LIMIT $1
FOR UPDATE SKIP LOCKED;

-- name: graph_lock_queued_events
-- The events among $2 of project $1, key-share locked so none can be deleted while the linker's
-- plan: generic
-- transaction links to them. Events locked by a delete in progress are skipped rather than
-- waited for: the deleter may be waiting for another of these events, and the linker for it.
SELECT {{event_columns}} FROM events e
WHERE e.project_id = $1 AND e.id = ANY ($2::uuid[])
ORDER BY e.id
FOR KEY SHARE SKIP LOCKED;

-- name: graph_existing_events
-- Which of the events $1 exist (an unfinished delete still counts as existing).
-- plan: generic
SELECT id FROM events WHERE id = ANY ($1::uuid[]);

-- name: graph_dequeue_links
-- Remove events $1 from the link queue.
-- plan: generic
DELETE FROM graph_link_queue WHERE event_id = ANY ($1::uuid[]);

-- name: graph_link_backlog
-- How many events wait to be linked, all projects.
-- plan: generic
SELECT count(*) FROM graph_link_queue;

-- name: graph_clear_link_queue
-- Up to $1 queued events removed unlinked (extraction switched off); returns how many.
WITH gone AS (
    DELETE FROM graph_link_queue WHERE event_id IN (
        SELECT event_id FROM graph_link_queue ORDER BY event_id LIMIT $1 FOR UPDATE SKIP LOCKED
    )
    RETURNING 1
)
SELECT count(*) FROM gone;

-- name: insert_extracted_entities
-- Create the extracted entities that do not exist yet ($2 ids, $3 names, $4 name keys, $5 types,
-- sorted by key so concurrent batches lock in the same order); existing ones are left as they are.
INSERT INTO entities (id, project_id, name, name_key, type, create_time, update_time)
SELECT x.id, $1, x.name, x.name_key, x.type, $6, $6
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS x(id, name, name_key, type)
ON CONFLICT (project_id, name_key) DO NOTHING;

-- name: insert_event_mentions
-- Link events $2 to the entities named by keys $3 (pairwise), skipping events deleted since.
INSERT INTO event_entities (event_id, entity_id, project_id)
SELECT m.event_id, n.id, $1
FROM unnest($2::uuid[], $3::text[]) AS m(event_id, name_key)
JOIN entities n ON n.project_id = $1 AND n.name_key = m.name_key
WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = m.event_id)
ON CONFLICT DO NOTHING;

-- name: upsert_cooccurrences
-- Add $5 to the weight of the CO_OCCURS relation between entities keyed $3 and $4 (pairwise,
-- each pair once, key order), creating it with ids $2 when new.
INSERT INTO relations AS r (id, project_id, source_id, target_id, type, weight, create_time,
    update_time)
SELECT p.id, $1, s.id, t.id, 'CO_OCCURS', p.n, $6, $6
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::float8[]) AS p(id, source_key, target_key, n)
JOIN entities s ON s.project_id = $1 AND s.name_key = p.source_key
JOIN entities t ON t.project_id = $1 AND t.name_key = p.target_key
ORDER BY s.id, t.id
ON CONFLICT (project_id, source_id, target_id, type)
DO UPDATE SET weight = r.weight + excluded.weight, update_time = excluded.update_time;

-- name: link_session_followers
-- FOLLOWS: each new event $2 (session $3, time $4) to the event just before it in its session
-- (events deleted since they were queued are skipped).
INSERT INTO event_links (event_id, predecessor_id, project_id, type, weight)
SELECT n.id, p.id, $1, 'FOLLOWS', 1
FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS n(id, session_id, occur_time)
CROSS JOIN LATERAL (
    -- Latest earlier instant of the session first, then the highest id at that instant: both
    -- steps are index probes into the session's timeline, however old the session is.
    SELECT e.id FROM events e
    WHERE e.project_id = $1 AND e.session_id = n.session_id
        AND e.occur_time = (
            SELECT x.occur_time FROM events x
            WHERE x.project_id = $1 AND x.session_id = n.session_id
                AND x.occur_time <= n.occur_time AND (x.occur_time, x.id) < (n.occur_time, n.id)
            ORDER BY x.occur_time DESC
            LIMIT 1
        )
        AND (e.occur_time, e.id) < (n.occur_time, n.id)
    ORDER BY e.id DESC
    LIMIT 1
) AS p
WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = n.id)
ON CONFLICT DO NOTHING;

-- name: link_likely_causes
-- CAUSED_BY: each new effect-type event $2 (session $3, time $4) to the latest of the $6 events
-- before it in its session that is of a cause type ($5) and mentions an entity it mentions
-- (people and agents excluded: everyone shares them); weight is the Jaccard share of entities.
INSERT INTO event_links (event_id, predecessor_id, project_id, type, weight)
SELECT n.id, c.id, $1, 'CAUSED_BY', c.weight
FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS n(id, session_id, occur_time)
CROSS JOIN LATERAL (
    SELECT w.id, w.weight FROM (
        SELECT recent.id, recent.occur_time,
            (SELECT count(*) FROM event_entities a
             JOIN event_entities b ON b.entity_id = a.entity_id
             JOIN entities x ON x.id = a.entity_id
             WHERE a.event_id = n.id AND b.event_id = recent.id
                 AND x.type NOT IN ('person', 'agent'))::float8
            / greatest((SELECT count(*) FROM (
                  SELECT entity_id FROM event_entities WHERE event_id = n.id
                  UNION SELECT entity_id FROM event_entities WHERE event_id = recent.id) AS u), 1)
            AS weight
        FROM (
            SELECT e.id, e.type, e.occur_time FROM events e
            WHERE e.project_id = $1 AND e.session_id = n.session_id
                AND e.occur_time <= n.occur_time AND (e.occur_time, e.id) < (n.occur_time, n.id)
            ORDER BY e.occur_time DESC
            LIMIT $6
        ) AS recent
        WHERE recent.type = ANY ($5::text[])
    ) AS w
    WHERE w.weight > 0
    ORDER BY w.occur_time DESC, w.id DESC
    LIMIT 1
) AS c
WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = n.id)
ON CONFLICT DO NOTHING;
