-- fragment: orch_task_columns
-- Every column of a task the domain model reads (from a row aliased `t`).
t.id, t.name, t.capability, t.min_level, t.priority, t.payload, t.labels, t.state, t.attempt,
    t.max_attempts, t.backoff_ms, t.max_backoff_ms, t.agent_id, t.lease_expire_time,
    t.ready_time, t.result, t.error, t.idempotency_key, t.workflow_id, t.workflow_key,
    t.on_parent_failure, t.create_time, t.start_time, t.finish_time

-- fragment: orch_task_event_attributes
-- The attributes of a task lifecycle event (from a row aliased `t`).
jsonb_strip_nulls(jsonb_build_object(
    'task_id', t.id::text, 'capability', t.capability, 'agent_id', nullif(t.agent_id, ''),
    'attempt', t.attempt::text, 'workflow_id', t.workflow_id::text))

-- name: orch_insert_tasks
-- Insert new tasks; rows whose idempotency key already exists are skipped (not returned).
-- plan: generic
INSERT INTO orch_tasks AS t (
    id, project_id, name, capability, min_level, priority, payload, labels, state, max_attempts,
    backoff_ms, max_backoff_ms, ready_time, idempotency_key, payload_hash, workflow_id,
    workflow_key, on_parent_failure, create_time)
SELECT u.id, $1, u.name, u.capability, u.min_level, u.priority, u.payload, u.labels, u.state,
    u.max_attempts, u.backoff_ms, u.max_backoff_ms, coalesce(u.ready_time, now()),
    u.idempotency_key, u.payload_hash, $2, u.workflow_key, u.on_parent_failure, now()
FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::int[], $8::bytea[], $9::jsonb[],
    $10::text[], $11::int[], $12::bigint[], $13::bigint[], $14::timestamptz[], $15::text[],
    $16::bytea[], $17::text[], $18::text[])
    AS u(id, name, capability, min_level, priority, payload, labels, state, max_attempts,
        backoff_ms, max_backoff_ms, ready_time, idempotency_key, payload_hash, workflow_key,
        on_parent_failure)
ON CONFLICT (project_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING {{orch_task_columns}};

-- name: orch_create_tasks
-- A plain create (no idempotency keys) in one statement, so one round trip and one commit: insert
-- plan: generic
-- as orch_insert_tasks does and, only when nothing else in the project is ready (so no older or
-- higher-priority task is passed over), lease the new tasks the first of agents $19 (idle streams
-- of this replica, best first) with room and the capability can take (best priority first, up to
-- its stream's batch $20[i] and its free concurrency) for $21[i] seconds; publish the events if
-- $22. A create that hands tasks over commits without waiting for the WAL flush, so the agent
-- gets them a flush sooner; the caller then runs orch_flush_wal before acknowledging the create.
-- The agent row is locked and its version moved as in orch_claim_tasks, so no concurrent grant
-- spends the same room; a candidate whose row is held (a grant or heartbeat committing; never a
-- completion, which writes orch_agent_stats) is passed over rather than waited for, and one that
-- moved since the snapshot fails the re-check.
WITH input AS (
    SELECT * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::int[], $8::bytea[],
        $9::jsonb[], $10::text[], $11::int[], $12::bigint[], $13::bigint[], $14::timestamptz[],
        $15::text[], $16::bytea[], $17::text[], $18::text[]) WITH ORDINALITY
        AS u(id, name, capability, min_level, priority, payload, labels, state, max_attempts,
            backoff_ms, max_backoff_ms, ready_time, idempotency_key, payload_hash, workflow_key,
            on_parent_failure, n)
), seen AS (
    SELECT a.id, a.last_heartbeat_time, a.capabilities, array_position($19::text[], a.id) AS pos,
        a.max_concurrency - (
            SELECT count(*) FROM orch_tasks l
            WHERE l.project_id = $1 AND l.agent_id = a.id AND l.state = 'leased'
        ) AS free
    FROM orch_agents a
    WHERE a.project_id = $1 AND a.id = ANY ($19::text[]) AND a.state = 'healthy'
        AND NOT EXISTS (
            SELECT 1 FROM orch_tasks r
            WHERE r.project_id = $1 AND r.state = 'ready' AND r.ready_time <= now()
        )
), agent AS (
    SELECT a.id, s.capabilities, s.free, ($20::int[])[s.pos] AS max_batch,
        ($21::float8[])[s.pos] AS lease_seconds
    FROM orch_agents a JOIN seen s ON s.id = a.id
    WHERE a.project_id = $1 AND a.state = 'healthy'
        AND a.last_heartbeat_time = s.last_heartbeat_time AND s.free > 0
        AND EXISTS (
            SELECT 1 FROM input i
            WHERE i.state = 'ready' AND coalesce(i.ready_time, now()) <= now()
                AND (i.capability = ''
                    OR coalesce((s.capabilities ->> i.capability)::int, -1) >= i.min_level)
        )
    ORDER BY s.pos
    LIMIT 1
    FOR NO KEY UPDATE OF a SKIP LOCKED
), bumped AS (
    UPDATE orch_agents a SET last_heartbeat_time = {{orch_agent_version}}
    FROM agent g WHERE a.project_id = $1 AND a.id = g.id
), chosen AS (
    SELECT i.n, a.id AS agent_id FROM input i, agent a
    WHERE i.state = 'ready' AND coalesce(i.ready_time, now()) <= now()
        AND (i.capability = ''
            OR coalesce((a.capabilities ->> i.capability)::int, -1) >= i.min_level)
    ORDER BY i.priority DESC, i.n
    LIMIT (SELECT greatest(least(a.max_batch, a.free), 0) FROM agent a)
), async_commit AS (
    SELECT set_config('synchronous_commit', 'off', true) WHERE EXISTS (SELECT 1 FROM chosen)
), inserted AS (
    INSERT INTO orch_tasks AS t (
        id, project_id, name, capability, min_level, priority, payload, labels, state,
        max_attempts, backoff_ms, max_backoff_ms, ready_time, idempotency_key, payload_hash,
        workflow_id, workflow_key, on_parent_failure, create_time, agent_id, attempt, start_time,
        lease_expire_time)
    SELECT u.id, $1, u.name, u.capability, u.min_level, u.priority, u.payload, u.labels,
        CASE WHEN c.n IS NULL THEN u.state ELSE 'leased' END, u.max_attempts, u.backoff_ms,
        u.max_backoff_ms, coalesce(u.ready_time, now()), u.idempotency_key, u.payload_hash, $2,
        u.workflow_key, u.on_parent_failure, now(),
        coalesce(c.agent_id, ''),
        CASE WHEN c.n IS NULL THEN 0 ELSE 1 END,
        CASE WHEN c.n IS NULL THEN NULL ELSE now() END,
        CASE WHEN c.n IS NULL THEN NULL
            ELSE now() + make_interval(secs => (SELECT a.lease_seconds FROM agent a)) END
    FROM input u LEFT JOIN chosen c ON c.n = u.n
    ORDER BY u.n
    RETURNING {{orch_task_columns}}
), published AS (
    INSERT INTO orch_bus_events (project_id, topic, attributes)
    SELECT $1, e.topic, e.attributes FROM (
        SELECT 0 AS k, t.id, 'task.created' AS topic, jsonb_strip_nulls(jsonb_build_object(
            'task_id', t.id::text, 'capability', t.capability, 'attempt', '0',
            'workflow_id', t.workflow_id::text)) AS attributes
        FROM inserted t
        UNION ALL
        SELECT 1, t.id, 'task.leased', {{orch_task_event_attributes}}
        FROM inserted t WHERE t.state = 'leased'
    ) e
    WHERE $22
    ORDER BY e.k, e.id
)
SELECT * FROM inserted t WHERE (SELECT count(*) FROM async_commit) >= 0;

-- name: orch_flush_wal
-- Make every commit before this one durable: locking a row writes WAL and takes a transaction id,
-- plan: generic
-- so this statement's commit waits for the WAL flush, which covers all earlier commit records
-- (the project row is the one every task's foreign key already locks the same way).
SELECT 1 FROM projects p WHERE p.id = $1 FOR KEY SHARE;

-- name: orch_tasks_by_idempotency_keys
-- Existing tasks holding any of these idempotency keys, with the hash of the task they created.
-- plan: generic
SELECT {{orch_task_columns}}, t.payload_hash FROM orch_tasks t
WHERE t.project_id = $1 AND t.idempotency_key = ANY ($2::text[]);

-- name: orch_get_task
-- One task of a project by id.
-- plan: generic
SELECT {{orch_task_columns}} FROM orch_tasks t WHERE t.project_id = $1 AND t.id = $2;

-- name: orch_get_task_for_update
-- One task of a project by id, locked for a state change.
-- plan: generic
SELECT {{orch_task_columns}} FROM orch_tasks t WHERE t.project_id = $1 AND t.id = $2 FOR UPDATE;

-- name: orch_list_tasks_desc
-- A page of tasks, newest first; $6 is the id cursor, $7 the page size.
SELECT {{orch_task_columns}} FROM orch_tasks t
WHERE t.project_id = $1
    AND ($2::text[] IS NULL OR t.state = ANY ($2))
    AND ($3::text IS NULL OR t.capability = $3)
    AND ($4::text IS NULL OR t.agent_id = $4)
    AND ($5::uuid IS NULL OR t.workflow_id = $5)
    AND ($6::uuid IS NULL OR t.id < $6)
ORDER BY t.id DESC
LIMIT $7;

-- name: orch_list_tasks_asc
-- A page of tasks, oldest first; $6 is the id cursor, $7 the page size.
SELECT {{orch_task_columns}} FROM orch_tasks t
WHERE t.project_id = $1
    AND ($2::text[] IS NULL OR t.state = ANY ($2))
    AND ($3::text IS NULL OR t.capability = $3)
    AND ($4::text IS NULL OR t.agent_id = $4)
    AND ($5::uuid IS NULL OR t.workflow_id = $5)
    AND ($6::uuid IS NULL OR t.id > $6)
ORDER BY t.id ASC
LIMIT $7;

-- fragment: orch_agent_version
-- The `last_heartbeat_time` of agent `a` after a lease grant, a heartbeat or a registration:
-- always moves forward, so a grant's re-check (see orch_claim_tasks) can never see an older
-- value come back (a plain now() could repeat one written by another transaction).
greatest(clock_timestamp(), a.last_heartbeat_time + interval '1 microsecond')

-- name: orch_claim_tasks
-- Lease up to $3 ready, due tasks agent $2 is capable of (never beyond its free concurrency),
-- plan: generic
-- best first, skipping rows other claimers hold; $4 is the lease in seconds, $5 whether to publish.
-- Two claims for one agent at once (other connections, other replicas, a create's hand-off) must
-- not both spend the same free room, and READ COMMITTED counts the agent's leases as of the
-- statement's start: so a claim that finds work locks the agent row, and if a grant committed
-- since its snapshot (the row moved on) it leases nothing and says so (`retry`); the caller runs
-- it again with a fresh snapshot. Claims that find nothing take no lock and write nothing.
-- Returns the leased tasks, or one row of NULL task columns carrying `retry`.
WITH seen AS (
    SELECT a.last_heartbeat_time, a.capabilities,
        a.max_concurrency - (
            SELECT count(*) FROM orch_tasks l
            WHERE l.project_id = $1 AND l.agent_id = $2 AND l.state = 'leased'
        ) AS free
    FROM orch_agents a
    WHERE a.project_id = $1 AND a.id = $2 AND a.state = 'healthy'
), wanted AS (
    SELECT s.* FROM seen s
    WHERE s.free > 0 AND EXISTS (
        SELECT 1 FROM orch_tasks t
        WHERE t.project_id = $1 AND t.state = 'ready' AND t.ready_time <= now()
            AND (t.capability = ''
                OR coalesce((s.capabilities ->> t.capability)::int, -1) >= t.min_level)
    )
), agent AS (
    -- Waits only for a concurrent grant to this agent or a heartbeat: outcomes are counted in
    -- orch_agent_stats, so a completion committing for this agent holds nothing here (and the
    -- leases it finishes only make this count too high, never too low).
    UPDATE orch_agents a SET last_heartbeat_time = {{orch_agent_version}}
    FROM wanted w
    WHERE a.project_id = $1 AND a.id = $2 AND a.state = 'healthy'
        AND a.last_heartbeat_time = w.last_heartbeat_time
    RETURNING w.capabilities, w.free
), picked AS (
    SELECT t.id FROM orch_tasks t, agent a
    WHERE t.project_id = $1 AND t.state = 'ready' AND t.ready_time <= now()
        AND (t.capability = ''
            OR coalesce((a.capabilities ->> t.capability)::int, -1) >= t.min_level)
    ORDER BY t.priority DESC, t.ready_time, t.id
    LIMIT (SELECT greatest(least($3::int, a.free), 0) FROM agent a)
    FOR UPDATE OF t SKIP LOCKED
), claimed AS (
    UPDATE orch_tasks t SET state = 'leased', agent_id = $2, attempt = t.attempt + 1,
        start_time = now(), lease_expire_time = now() + make_interval(secs => $4)
    FROM picked WHERE t.id = picked.id
    RETURNING {{orch_task_columns}}
), published AS (
    INSERT INTO orch_bus_events (project_id, topic, attributes)
    SELECT $1, 'task.leased', {{orch_task_event_attributes}} FROM claimed t WHERE $5
)
SELECT t.*, (EXISTS (SELECT 1 FROM wanted) AND NOT EXISTS (SELECT 1 FROM agent)) AS retry
FROM (SELECT 1) AS one LEFT JOIN claimed t ON true
ORDER BY t.priority DESC, t.ready_time, t.id;

-- name: orch_extend_leases
-- Extend the leases agent $2 holds on tasks $3 to now + $4 seconds; returns the extended ids.
-- plan: generic
UPDATE orch_tasks t SET lease_expire_time = now() + make_interval(secs => $4)
WHERE t.project_id = $1 AND t.agent_id = $2 AND t.id = ANY ($3::uuid[]) AND t.state = 'leased'
RETURNING t.id, t.lease_expire_time;

-- name: orch_return_undelivered_tasks
-- Take back leases agent $2 was granted on tasks $3 (at attempts $4) but never received (its
-- plan: generic
-- stream closed first): the tasks are ready again as if never claimed, so no attempt is spent.
UPDATE orch_tasks t SET state = 'ready', agent_id = '', attempt = t.attempt - 1,
    start_time = NULL, lease_expire_time = NULL
FROM unnest($3::uuid[], $4::int[]) AS u(id, attempt)
WHERE t.project_id = $1 AND t.agent_id = $2 AND t.id = u.id AND t.attempt = u.attempt
    AND t.state = 'leased'
RETURNING t.id;

-- name: orch_complete_tasks
-- Mark leased attempts ($3 ids, $4 attempts, $5 results) of agent $2 succeeded, record their
-- plan: generic
-- timings and the agent's performance, publish (if $6); returns each input with its stored state,
-- and whether due work is waiting in the project (if not, the agent's freed room needs no claim:
-- work that arrives later wakes the streams itself). The performance goes to orch_agent_stats,
-- never the agent row: that row is what lease grants lock, and this statement's locks last
-- through its commit's WAL flush.
WITH input AS (
    SELECT DISTINCT ON (u.id) u.id, u.attempt, u.result
    FROM unnest($3::uuid[], $4::int[], $5::bytea[]) AS u(id, attempt, result)
), done AS (
    UPDATE orch_tasks t SET state = 'succeeded', result = i.result, error = '',
        finish_time = now(), lease_expire_time = NULL
    FROM input i
    WHERE t.id = i.id AND t.project_id = $1 AND t.agent_id = $2 AND t.attempt = i.attempt
        AND t.state = 'leased'
    RETURNING t.id, t.capability, t.agent_id, t.attempt, t.workflow_id, t.ready_time,
        t.start_time, t.finish_time
), timed AS (
    INSERT INTO orch_attempts (project_id, finish_time, capability, agent_id, succeeded, wait_ms,
        run_ms)
    SELECT $1, d.finish_time, d.capability, d.agent_id, true,
        greatest(extract(epoch FROM d.start_time - d.ready_time) * 1000, 0),
        extract(epoch FROM d.finish_time - d.start_time) * 1000
    FROM done d
), perf AS (
    -- The first outcome of an agent inserts its row; the mean starts at the first batch's.
    INSERT INTO orch_agent_stats AS p (project_id, agent_id, succeeded_count, mean_run_ms)
    SELECT $1, $2, s.n, s.run_ms FROM (
        SELECT count(*) AS n, avg(extract(epoch FROM d.finish_time - d.start_time) * 1000) AS run_ms
        FROM done d
    ) s
    WHERE s.n > 0
    ON CONFLICT (project_id, agent_id) DO UPDATE SET
        succeeded_count = p.succeeded_count + excluded.succeeded_count,
        mean_run_ms = CASE WHEN p.succeeded_count + p.failed_count = 0 THEN excluded.mean_run_ms
            ELSE p.mean_run_ms * 0.8 + excluded.mean_run_ms * 0.2 END
), published AS (
    INSERT INTO orch_bus_events (project_id, topic, attributes)
    SELECT $1, 'task.succeeded', {{orch_task_event_attributes}} FROM done t WHERE $6
)
SELECT i.id, i.attempt, d.id IS NOT NULL AS completed, d.workflow_id AS done_workflow_id,
    t.state, t.agent_id, t.attempt AS stored_attempt,
    EXISTS (
        SELECT 1 FROM orch_tasks r
        WHERE r.project_id = $1 AND r.state = 'ready' AND r.ready_time <= now()
    ) AS work_waiting
FROM input i
LEFT JOIN done d ON d.id = i.id
LEFT JOIN orch_tasks t ON t.id = i.id AND t.project_id = $1;

-- name: orch_fail_attempt
-- Record a failed attempt of a locked task: back to the queue at $3 (ready) or dead ($4).
-- plan: generic
UPDATE orch_tasks t SET state = CASE WHEN $4 THEN 'dead' ELSE 'ready' END,
    ready_time = CASE WHEN $4 THEN t.ready_time ELSE $3 END,
    finish_time = CASE WHEN $4 THEN now() END,
    error = $5, lease_expire_time = NULL
WHERE t.project_id = $1 AND t.id = $2
RETURNING {{orch_task_columns}};

-- name: orch_record_failed_attempts
-- Timing samples and agent performance for failed attempts ($2 agent ids, $3 capabilities,
-- plan: generic
-- $4 ready times, $5 start times). Counted in orch_agent_stats, not on the agent row (see
-- orch_complete_tasks); agents are read, not locked, so an unknown id is skipped instead of
-- failing the sweep on the foreign key, and rows are taken in id order so two sweeps cannot
-- deadlock.
WITH input AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
        AS u(agent_id, capability, ready_time, start_time)
), timed AS (
    INSERT INTO orch_attempts (project_id, finish_time, capability, agent_id, succeeded, wait_ms,
        run_ms)
    SELECT $1, now(), i.capability, i.agent_id, false,
        greatest(extract(epoch FROM i.start_time - i.ready_time) * 1000, 0),
        extract(epoch FROM now() - i.start_time) * 1000
    FROM input i WHERE i.start_time IS NOT NULL
)
INSERT INTO orch_agent_stats AS p (project_id, agent_id, failed_count)
SELECT $1, s.agent_id, s.n
FROM (SELECT i.agent_id, count(*) AS n FROM input i GROUP BY i.agent_id) s
WHERE EXISTS (SELECT 1 FROM orch_agents a WHERE a.project_id = $1 AND a.id = s.agent_id)
ORDER BY s.agent_id
ON CONFLICT (project_id, agent_id) DO UPDATE SET
    failed_count = p.failed_count + excluded.failed_count;

-- name: orch_cancel_task
-- Cancel a locked, unfinished task.
UPDATE orch_tasks t SET state = 'cancelled', error = $3, finish_time = now(),
    lease_expire_time = NULL
WHERE t.project_id = $1 AND t.id = $2
RETURNING {{orch_task_columns}};

-- name: orch_retry_dead_task
-- Put a locked dead letter back in the queue with its attempts reset.
UPDATE orch_tasks t SET state = 'ready', attempt = 0, ready_time = now(), finish_time = NULL,
    agent_id = ''
WHERE t.project_id = $1 AND t.id = $2
RETURNING {{orch_task_columns}};

-- name: orch_release_expired_leases
-- Take back up to $1 expired leases: to the queue, or to the dead letters when out of attempts
-- ($2: the error kept on the tasks).
WITH released AS (
    SELECT t.id, t.start_time, t.ready_time FROM orch_tasks t
    WHERE t.state = 'leased' AND t.lease_expire_time < now()
    ORDER BY t.lease_expire_time
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE orch_tasks t SET
    state = CASE WHEN t.attempt >= t.max_attempts THEN 'dead' ELSE 'ready' END,
    ready_time = now(), lease_expire_time = NULL, error = $2,
    finish_time = CASE WHEN t.attempt >= t.max_attempts THEN now() END
FROM released r WHERE t.id = r.id
RETURNING t.project_id, {{orch_task_columns}}, r.start_time AS lost_start_time,
    r.ready_time AS lost_ready_time;

-- name: orch_release_agent_leases
-- Take back every lease agent $2 of project $1 holds: to the queue, or to the dead letters when
-- out of attempts ($3: the error kept on the tasks).
WITH released AS (
    SELECT t.id, t.start_time, t.ready_time FROM orch_tasks t
    WHERE t.project_id = $1 AND t.agent_id = $2 AND t.state = 'leased'
    FOR UPDATE
)
UPDATE orch_tasks t SET
    state = CASE WHEN t.attempt >= t.max_attempts THEN 'dead' ELSE 'ready' END,
    ready_time = now(), lease_expire_time = NULL, error = $3,
    finish_time = CASE WHEN t.attempt >= t.max_attempts THEN now() END
FROM released r WHERE t.id = r.id
RETURNING t.project_id, {{orch_task_columns}}, r.start_time AS lost_start_time,
    r.ready_time AS lost_ready_time;

-- name: orch_upsert_agent
-- Register an agent or update its registration (reviving a deregistered one). A new
-- max_concurrency or capabilities moves the version, so grants in flight re-check.
INSERT INTO orch_agents AS a (project_id, id, capabilities, max_concurrency, metadata, state,
    last_heartbeat_time, register_time)
VALUES ($1, $2, $3, $4, $5, 'healthy', now(), now())
ON CONFLICT (project_id, id) DO UPDATE SET capabilities = excluded.capabilities,
    max_concurrency = excluded.max_concurrency, metadata = excluded.metadata,
    state = 'healthy', last_heartbeat_time = {{orch_agent_version}};

-- fragment: orch_agents_with_stats
-- Agents (`a`) with their performance (`st`; no row until the agent's first outcome).
orch_agents a LEFT JOIN orch_agent_stats st ON st.project_id = a.project_id AND st.agent_id = a.id

-- fragment: orch_agent_columns
-- Every column of an agent the domain reads, plus its current load (from orch_agents_with_stats).
a.id, a.capabilities, a.max_concurrency, a.metadata, a.state, a.last_heartbeat_time,
    a.register_time, coalesce(st.succeeded_count, 0) AS succeeded_count,
    coalesce(st.failed_count, 0) AS failed_count, coalesce(st.mean_run_ms, 0) AS mean_run_ms,
    (SELECT count(*) FROM orch_tasks l
        WHERE l.project_id = a.project_id AND l.agent_id = a.id AND l.state = 'leased') AS leased

-- name: orch_get_agent
-- One agent with its load.
-- plan: generic
SELECT {{orch_agent_columns}} FROM {{orch_agents_with_stats}}
WHERE a.project_id = $1 AND a.id = $2;

-- name: orch_touch_agent
-- A heartbeat: a live, not deregistered agent is healthy again; returns its state before. It
-- plan: generic
-- moves the version like a grant: a grant racing with it re-checks once for nothing (rare, and
-- on the safe side), never spends room another grant took.
UPDATE orch_agents a SET last_heartbeat_time = {{orch_agent_version}},
    state = CASE WHEN a.state = 'unhealthy' THEN 'healthy' ELSE a.state END
FROM orch_agents before
WHERE a.project_id = $1 AND a.id = $2 AND before.project_id = a.project_id AND before.id = a.id
RETURNING before.state;

-- name: orch_deregister_agent
-- Deregister an agent; returns nothing when it is not registered.
UPDATE orch_agents a SET state = 'deregistered' WHERE a.project_id = $1 AND a.id = $2
RETURNING a.id;

-- name: orch_list_agents
-- A page of agents by id after cursor $4; $2 state (NULL: all but deregistered), $3 capability.
SELECT {{orch_agent_columns}} FROM {{orch_agents_with_stats}}
WHERE a.project_id = $1
    AND (CASE WHEN $2::text IS NULL THEN a.state <> 'deregistered' ELSE a.state = $2 END)
    AND ($3::text IS NULL OR a.capabilities ? $3)
    AND ($4::text IS NULL OR a.id > $4)
ORDER BY a.id
LIMIT $5;

-- name: orch_capable_agents
-- Healthy agents with capability $2 at level >= $3, with their load (ranked by the caller).
SELECT {{orch_agent_columns}} FROM {{orch_agents_with_stats}}
WHERE a.project_id = $1 AND a.state = 'healthy' AND a.capabilities ? $2
    AND (a.capabilities ->> $2)::int >= $3;

-- name: orch_mark_silent_agents_unhealthy
-- Healthy agents whose last heartbeat is older than $1 seconds become unhealthy.
UPDATE orch_agents a SET state = 'unhealthy'
WHERE a.state = 'healthy' AND a.last_heartbeat_time < now() - make_interval(secs => $1)
RETURNING a.project_id, a.id;

-- name: orch_insert_bus_events
-- Publish events (not yet numbered: the sequencer gives them offsets after commit).
-- plan: generic
INSERT INTO orch_bus_events (project_id, topic, data, attributes)
SELECT $1, u.topic, u.data, u.attributes
FROM unnest($2::text[], $3::bytea[], $4::jsonb[]) WITH ORDINALITY AS u(topic, data, attributes, n)
ORDER BY u.n;

-- name: orch_insert_bus_events_multi
-- Publish server events of several projects at once (memory writes, background sweeps' task events).
-- plan: generic
-- They follow a write that committed on its own, so a crash between the two already loses them;
-- committing without waiting for the WAL flush only widens that window to the WAL writer's delay,
-- and saves every recorded batch a second flush wait. Subscribers never see an event that could
-- still be lost: only the sequencer's (flushed) commit makes it visible, and its flush covers this one.
INSERT INTO orch_bus_events (project_id, topic, attributes)
SELECT u.project_id, u.topic, u.attributes
FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS u(project_id, topic, attributes)
WHERE (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL;

-- name: orch_sequence_bus_events
-- Number up to $1 committed, unnumbered events oldest first, in one statement (one round trip;
-- one sequencer at a time: another holding the head makes this one number nothing). If a
-- sequencer committed between this statement's snapshot and its lock, the head row read after
-- locking is that newer one and rows it numbered fail `"offset" IS NULL` on re-check: offsets
-- may then skip numbers but never repeat, and still only become visible after every smaller one.
WITH head AS (
    SELECT h.last_offset FROM orch_bus_head h FOR UPDATE SKIP LOCKED
), pending AS (
    SELECT e.id, row_number() OVER (ORDER BY e.id) AS n
    FROM orch_bus_events e
    WHERE e."offset" IS NULL AND EXISTS (SELECT 1 FROM head)
    ORDER BY e.id
    LIMIT $1
), numbered AS (
    UPDATE orch_bus_events e SET "offset" = (SELECT h.last_offset FROM head h) + p.n
    FROM pending p
    WHERE e.id = p.id AND e."offset" IS NULL
    RETURNING e.project_id, e."offset"
), moved AS (
    UPDATE orch_bus_head SET last_offset = (SELECT max(n."offset") FROM numbered n)
    WHERE EXISTS (SELECT 1 FROM numbered)
)
SELECT n.project_id, count(*) AS numbered FROM numbered n GROUP BY n.project_id;

-- name: orch_read_bus_events
-- Events of a project after offset $2, in offset order, at most $3.
SELECT e."offset", e.topic, e.data, e.attributes, e.publish_time FROM orch_bus_events e
WHERE e.project_id = $1 AND e."offset" > $2
ORDER BY e."offset"
LIMIT $3;

-- name: orch_bus_head
-- The highest offset numbered so far (0 when none).
-- plan: generic
SELECT last_offset FROM orch_bus_head;

-- name: orch_insert_workflow
-- Create a workflow; returns nothing when its request id was already used.
INSERT INTO orch_workflows (id, project_id, name, state, request_id, payload_hash)
VALUES ($1, $2, $3, 'running', $4, $5)
ON CONFLICT (project_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
RETURNING id;

-- name: orch_workflow_by_request_id
-- The workflow an earlier submission with this request id created.
SELECT id, payload_hash FROM orch_workflows WHERE project_id = $1 AND request_id = $2;

-- name: orch_insert_task_deps
-- Workflow edges: task $2[i] waits for task $3[i].
INSERT INTO orch_task_deps (project_id, task_id, parent_id)
SELECT $1, u.task_id, u.parent_id FROM unnest($2::uuid[], $3::uuid[]) AS u(task_id, parent_id);

-- name: orch_get_workflow
-- One workflow of a project.
SELECT id, name, state, create_time, finish_time FROM orch_workflows
WHERE project_id = $1 AND id = $2;

-- name: orch_lock_workflow
-- One workflow of a project, locked: workflow advances are serialised per workflow.
SELECT id, name, state, create_time, finish_time FROM orch_workflows
WHERE project_id = $1 AND id = $2 FOR UPDATE;

-- name: orch_workflow_tasks
-- The tasks of a workflow with the keys of their parents.
SELECT {{orch_task_columns}},
    coalesce((SELECT array_agg(p.workflow_key ORDER BY p.workflow_key) FROM orch_task_deps d
        JOIN orch_tasks p ON p.id = d.parent_id WHERE d.task_id = t.id), '{}') AS depends_on
FROM orch_tasks t WHERE t.project_id = $1 AND t.workflow_id = $2
ORDER BY t.id;

-- name: orch_unblock_workflow_tasks
-- Blocked tasks of workflow $2 whose parents all succeeded become ready.
UPDATE orch_tasks t SET state = 'ready', ready_time = now()
WHERE t.project_id = $1 AND t.workflow_id = $2 AND t.state = 'blocked'
    AND NOT EXISTS (
        SELECT 1 FROM orch_task_deps d JOIN orch_tasks p ON p.id = d.parent_id
        WHERE d.task_id = t.id AND p.state <> 'succeeded'
    )
RETURNING {{orch_task_columns}};

-- name: orch_orphaned_workflow_tasks
-- Blocked tasks of workflow $2 with a parent that finished without success.
SELECT t.id, t.on_parent_failure FROM orch_tasks t
WHERE t.project_id = $1 AND t.workflow_id = $2 AND t.state = 'blocked'
    AND EXISTS (
        SELECT 1 FROM orch_task_deps d JOIN orch_tasks p ON p.id = d.parent_id
        WHERE d.task_id = t.id AND p.state IN ('dead', 'cancelled', 'skipped')
    );

-- name: orch_skip_tasks
-- Mark blocked tasks skipped (a parent failed and their policy says skip).
UPDATE orch_tasks t SET state = 'skipped', finish_time = now()
WHERE t.project_id = $1 AND t.id = ANY ($2::uuid[]) AND t.state = 'blocked'
RETURNING {{orch_task_columns}};

-- name: orch_cancel_workflow_tasks
-- Cancel every unfinished task of workflow $2.
UPDATE orch_tasks t SET state = 'cancelled', finish_time = now(), lease_expire_time = NULL,
    error = $3
WHERE t.project_id = $1 AND t.workflow_id = $2 AND t.state IN ('blocked', 'ready', 'leased')
RETURNING {{orch_task_columns}};

-- name: orch_workflow_state_counts
-- How many tasks of workflow $2 are in each state.
SELECT t.state, count(*) AS n FROM orch_tasks t
WHERE t.project_id = $1 AND t.workflow_id = $2 GROUP BY t.state;

-- name: orch_finish_workflow
-- Move a running workflow to a final state.
UPDATE orch_workflows SET state = $3, finish_time = now()
WHERE project_id = $1 AND id = $2 AND state = 'running';

-- name: orch_stalled_workflows
-- Running workflows with a blocked task whose parents have all finished: an advance was missed
-- (a replica stopped between a task's commit and its workflow's advance).
SELECT DISTINCT t.project_id, t.workflow_id FROM orch_tasks t
JOIN orch_workflows w ON w.id = t.workflow_id AND w.state = 'running'
WHERE t.state = 'blocked'
    AND NOT EXISTS (
        SELECT 1 FROM orch_task_deps d JOIN orch_tasks p ON p.id = d.parent_id
        WHERE d.task_id = t.id AND p.state IN ('blocked', 'ready', 'leased')
    )
LIMIT 100;

-- name: orch_task_counts
-- Tasks of a project by capability and state.
SELECT t.capability, t.state, count(*) AS n,
    count(*) FILTER (WHERE t.state = 'ready' AND t.ready_time <= now()) AS due,
    min(t.ready_time) FILTER (WHERE t.state = 'ready' AND t.ready_time <= now()) AS oldest_due
FROM orch_tasks t WHERE t.project_id = $1
GROUP BY t.capability, t.state;

-- name: orch_attempt_stats
-- Timing percentiles and outcomes of attempts finished in [$2, $3), per capability and overall
-- (the overall row has a NULL capability).
SELECT a.capability, count(*) AS n, count(*) FILTER (WHERE a.succeeded) AS succeeded,
    percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY a.wait_ms) AS wait,
    percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY a.run_ms) AS run
FROM orch_attempts a
WHERE a.project_id = $1 AND a.finish_time >= $2 AND a.finish_time < $3
GROUP BY GROUPING SETS ((a.capability), ());

-- name: orch_delete_old_bus_events
-- Retention: numbered bus events published before $1 (at most $2 per call).
DELETE FROM orch_bus_events WHERE id IN (
    SELECT id FROM orch_bus_events
    WHERE publish_time < $1 AND "offset" IS NOT NULL
    LIMIT $2
);

-- name: orch_delete_old_attempts
-- Retention: timing samples older than $1.
DELETE FROM orch_attempts WHERE finish_time < $1;

-- name: orch_delete_old_tasks
-- Retention: finished tasks outside workflows that finished before $1 (at most $2 per call).
DELETE FROM orch_tasks WHERE id IN (
    SELECT id FROM orch_tasks
    WHERE finish_time < $1 AND workflow_id IS NULL
        AND state IN ('succeeded', 'dead', 'cancelled', 'skipped')
    LIMIT $2
);

-- name: orch_delete_old_workflows
-- Retention: finished workflows (with their tasks) that finished before $1.
DELETE FROM orch_workflows WHERE finish_time < $1 AND state <> 'running';

-- name: orch_notify
-- Wake other replicas: one NOTIFY per payload, sent outside any write transaction.
-- plan: generic
SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p;

-- name: orch_async_commit
-- Let this transaction's commit return before its WAL is flushed (leases only; see docs).
-- plan: any
SET LOCAL synchronous_commit = off;
