-- name: existing_memory_items
-- Which of the memories ($2 layers, $3 ids, pairwise) exist in the project. Procedures live in
-- git, not in this database, and are taken as existing.
SELECT i.layer, i.item_id FROM unnest($2::text[], $3::text[]) AS i (layer, item_id)
WHERE CASE i.layer
    WHEN 'event' THEN EXISTS (
        SELECT 1 FROM events x WHERE x.project_id = $1 AND x.id = i.item_id::uuid)
    WHEN 'fact' THEN EXISTS (
        SELECT 1 FROM facts x WHERE x.project_id = $1 AND x.id = i.item_id::uuid)
    WHEN 'entity' THEN EXISTS (
        SELECT 1 FROM entities x WHERE x.project_id = $1 AND x.id = i.item_id::uuid)
    WHEN 'relation' THEN EXISTS (
        SELECT 1 FROM relations x WHERE x.project_id = $1 AND x.id = i.item_id::uuid)
    WHEN 'task' THEN EXISTS (
        SELECT 1 FROM prospective_tasks x WHERE x.project_id = $1 AND x.id = i.item_id::uuid)
    WHEN 'goal' THEN EXISTS (
        SELECT 1 FROM prospective_goals x WHERE x.project_id = $1 AND x.id = i.item_id::uuid)
    ELSE true
END;

-- name: record_memory_access
-- Count one access at $4 to each memory ($2 layers, $3 ids; distinct, existing): the decayed
-- access score (half-life $5 seconds) gains 1, and with a session $6 so does the session's
-- activation of the item (half-life $7 seconds). Returns how many items were recorded.
WITH input AS (
    SELECT * FROM unnest($2::text[], $3::text[]) AS i (layer, item_id)
), upserted AS (
    INSERT INTO memory_item_stats AS s
        (project_id, layer, item_id, event_id, fact_id, entity_id, relation_id, task_id, goal_id,
         access_count, access_score, score_time, last_access_time)
    SELECT $1, i.layer, i.item_id,
        CASE WHEN i.layer = 'event' THEN i.item_id::uuid END,
        CASE WHEN i.layer = 'fact' THEN i.item_id::uuid END,
        CASE WHEN i.layer = 'entity' THEN i.item_id::uuid END,
        CASE WHEN i.layer = 'relation' THEN i.item_id::uuid END,
        CASE WHEN i.layer = 'task' THEN i.item_id::uuid END,
        CASE WHEN i.layer = 'goal' THEN i.item_id::uuid END,
        1, 1, $4, $4
    FROM input i
    ORDER BY i.layer, i.item_id
    ON CONFLICT (project_id, layer, item_id) DO UPDATE SET
        access_count = s.access_count + 1,
        access_score = coalesce(s.access_score * power(0.5,
            greatest(extract(epoch FROM ($4 - s.score_time))::float8, 0) / $5), 0) + 1,
        score_time = $4,
        last_access_time = $4
    RETURNING s.layer, s.item_id
), session_activity AS (
    INSERT INTO memory_session_activity AS a
        (project_id, session_id, layer, item_id, activation, score_time, access_count,
         last_access_time)
    SELECT $1, $6, u.layer, u.item_id, 1, $4, 1, $4 FROM upserted u WHERE $6::text IS NOT NULL
    ORDER BY u.layer, u.item_id
    ON CONFLICT (project_id, session_id, layer, item_id) DO UPDATE SET
        activation = a.activation * power(0.5,
            greatest(extract(epoch FROM ($4 - a.score_time))::float8, 0) / $7) + 1,
        score_time = $4,
        access_count = a.access_count + 1,
        last_access_time = $4
    RETURNING 1
)
SELECT count(*) FROM upserted;

-- name: add_memory_rating
-- Add rating $4 of memory ($2 layer, $3 id) at $5 to its statistics and keep it in the rating
-- history ($6 rating id, $7 session, $8 comment). The statistics row exists (the rating was
-- recorded as an access first).
WITH rated AS (
    UPDATE memory_item_stats
    SET rating_count = rating_count + 1, rating_sum = rating_sum + $4, last_rating_time = $5
    WHERE project_id = $1 AND layer = $2 AND item_id = $3
    RETURNING project_id
)
INSERT INTO memory_ratings (id, project_id, layer, item_id, rating, session_id, comment,
    create_time)
SELECT $6, $1, $2, $3, $4, $7, $8, $5 FROM rated;

-- name: memory_item_stats_for
-- The statistics rows of the memories ($2 layers, $3 ids, pairwise) that have one.
-- plan: generic
-- Generic (key lookups whatever the parameters): planning cost more than running it.
SELECT s.layer, s.item_id, s.access_count, s.access_score, s.score_time, s.last_access_time,
    s.rating_count, s.rating_sum, s.last_rating_time
FROM memory_item_stats s
JOIN unnest($2::text[], $3::text[]) AS i (layer, item_id)
    ON s.layer = i.layer AND s.item_id = i.item_id
WHERE s.project_id = $1;

-- name: working_memory
-- The $5 most active memories of session $2 at $3: its accesses, and its $5 latest events (each
-- as one access at its occur time), decayed with half-life $4 seconds; with a short summary.
WITH accessed AS (
    SELECT a.layer, a.item_id,
        a.activation * power(0.5,
            greatest(extract(epoch FROM ($3 - a.score_time))::float8, 0) / $4) AS activation,
        a.last_access_time, a.access_count
    FROM memory_session_activity a
    WHERE a.project_id = $1 AND a.session_id = $2
), recent AS (
    SELECT 'event'::text AS layer, e.id::text AS item_id,
        power(0.5, greatest(extract(epoch FROM ($3 - e.occur_time))::float8, 0) / $4)
            AS activation,
        e.occur_time AS last_access_time, 0::bigint AS access_count
    FROM events e
    WHERE e.project_id = $1 AND e.session_id = $2
    ORDER BY e.occur_time DESC, e.id DESC
    LIMIT $5
), merged AS (
    SELECT layer, item_id, sum(activation) AS activation, max(last_access_time) AS last_access_time,
        sum(access_count)::bigint AS access_count
    FROM (SELECT * FROM accessed UNION ALL SELECT * FROM recent) AS u
    GROUP BY layer, item_id
    ORDER BY activation DESC, last_access_time DESC, layer, item_id
    LIMIT $5
)
SELECT m.layer, m.item_id, m.activation, m.last_access_time, m.access_count,
    coalesce(CASE m.layer
        WHEN 'event' THEN (SELECT left(x.content, 200) FROM events x
            WHERE x.project_id = $1 AND x.id = m.item_id::uuid)
        WHEN 'fact' THEN (SELECT left(x.content, 200) FROM facts x
            WHERE x.project_id = $1 AND x.id = m.item_id::uuid)
        WHEN 'entity' THEN (SELECT left(x.name, 200) FROM entities x
            WHERE x.project_id = $1 AND x.id = m.item_id::uuid)
        WHEN 'task' THEN (SELECT left(x.title, 200) FROM prospective_tasks x
            WHERE x.project_id = $1 AND x.id = m.item_id::uuid)
        WHEN 'goal' THEN (SELECT left(x.title, 200) FROM prospective_goals x
            WHERE x.project_id = $1 AND x.id = m.item_id::uuid)
    END, '') AS summary
FROM merged m
ORDER BY m.activation DESC, m.last_access_time DESC, m.layer, m.item_id;

-- name: domain_activity
-- Per domain (event, task and goal tags; fact domains, lower-cased) of the project: memories per
-- layer, outcomes (events by outcome, tasks done or failed), the latest event time and the mean
-- usefulness of rated memories.
WITH ev AS (
    SELECT tag AS domain, count(*) AS n,
        count(*) FILTER (WHERE e.outcome = 'success') AS success,
        count(*) FILTER (WHERE e.outcome = 'failure') AS failure,
        count(*) FILTER (WHERE e.outcome = 'partial') AS partial,
        max(e.occur_time) AS last_time
    FROM events e, unnest(e.tags) AS tag
    WHERE e.project_id = $1
    GROUP BY tag
), tk AS (
    SELECT tag AS domain, count(*) AS n,
        count(*) FILTER (WHERE t.status = 'done') AS success,
        count(*) FILTER (WHERE t.status = 'failed') AS failure
    FROM prospective_tasks t, unnest(t.tags) AS tag
    WHERE t.project_id = $1
    GROUP BY tag
), gl AS (
    SELECT tag AS domain, count(*) AS n
    FROM prospective_goals g, unnest(g.tags) AS tag
    WHERE g.project_id = $1
    GROUP BY tag
), fc AS (
    SELECT lower(f.domain) AS domain, count(*) AS n
    FROM facts f
    WHERE f.project_id = $1 AND f.superseded_time IS NULL AND f.domain <> ''
    GROUP BY 1
), rated AS (
    SELECT d.domain, avg((s.rating_sum + 1) / (s.rating_count + 2)) AS mean_usefulness
    FROM memory_item_stats s
    CROSS JOIN LATERAL (
        SELECT unnest(x.tags) AS domain FROM events x WHERE x.id = s.event_id
        UNION ALL
        SELECT lower(x.domain) FROM facts x WHERE x.id = s.fact_id AND x.domain <> ''
        UNION ALL
        SELECT unnest(x.tags) FROM prospective_tasks x
        WHERE x.project_id = s.project_id AND x.id = s.task_id
        UNION ALL
        SELECT unnest(x.tags) FROM prospective_goals x
        WHERE x.project_id = s.project_id AND x.id = s.goal_id
    ) AS d
    WHERE s.project_id = $1 AND s.rating_count > 0
    GROUP BY d.domain
), domains AS (
    SELECT domain FROM ev UNION SELECT domain FROM tk UNION SELECT domain FROM gl
    UNION SELECT domain FROM fc
)
SELECT d.domain,
    coalesce(ev.n, 0) AS events, coalesce(fc.n, 0) AS facts, coalesce(tk.n, 0) AS tasks,
    coalesce(gl.n, 0) AS goals,
    coalesce(ev.success, 0) + coalesce(tk.success, 0) AS success,
    coalesce(ev.failure, 0) + coalesce(tk.failure, 0) AS failure,
    coalesce(ev.partial, 0) AS partial,
    ev.last_time, rated.mean_usefulness
FROM domains d
LEFT JOIN ev ON ev.domain = d.domain
LEFT JOIN tk ON tk.domain = d.domain
LEFT JOIN gl ON gl.domain = d.domain
LEFT JOIN fc ON fc.domain = d.domain
LEFT JOIN rated ON rated.domain = d.domain;

-- name: memory_layer_sizes
-- How many memories each layer of the project holds (current fact versions only), with the mean
-- confidence of layers that record one.
SELECT 'event' AS layer, count(*) AS n, coalesce(avg(confidence), 0) AS mean_confidence
FROM events WHERE project_id = $1
UNION ALL
SELECT 'fact', count(*), coalesce(avg(confidence), 0)
FROM facts WHERE project_id = $1 AND superseded_time IS NULL
UNION ALL
SELECT 'entity', count(*), 0 FROM entities WHERE project_id = $1
UNION ALL
SELECT 'relation', count(*), 0 FROM relations WHERE project_id = $1
UNION ALL
SELECT 'task', count(*), 0 FROM prospective_tasks WHERE project_id = $1
UNION ALL
SELECT 'goal', count(*), 0 FROM prospective_goals WHERE project_id = $1;

-- name: memory_layer_usage
-- Per layer of the project: memories accessed (ever, and since $2), rated, their mean
-- usefulness, how many rate below 0.3, and the mean access score decayed to $3 (half-life $4 s).
SELECT layer,
    count(*) FILTER (WHERE access_count > 0) AS accessed,
    count(*) FILTER (WHERE last_access_time >= $2) AS recent,
    count(*) FILTER (WHERE rating_count > 0) AS rated,
    avg((rating_sum + 1) / (rating_count + 2)) FILTER (WHERE rating_count > 0) AS mean_usefulness,
    count(*) FILTER (WHERE rating_count > 0 AND (rating_sum + 1) / (rating_count + 2) < 0.3)
        AS low,
    avg(access_score * power(0.5,
        greatest(extract(epoch FROM ($3 - score_time))::float8, 0) / $4))
        FILTER (WHERE access_count > 0) AS mean_access_score
FROM memory_item_stats
WHERE project_id = $1
GROUP BY layer;
