-- Orchestration: agents, the task queue, workflows and the durable event bus.

-- An agent is registered under a client-chosen id; rows are kept after deregistration so task
-- history keeps naming who ran what.
CREATE TABLE orch_agents (
    project_id          text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id                  text        NOT NULL,
    -- {"capability": level, ...}; `?` and `->>` answer "can it, and how well" in one lookup.
    capabilities        jsonb       NOT NULL DEFAULT '{}',
    max_concurrency     integer     NOT NULL CHECK (max_concurrency > 0),
    metadata            jsonb       NOT NULL DEFAULT '{}',
    state               text        NOT NULL CHECK (state IN ('healthy', 'unhealthy', 'deregistered')),
    last_heartbeat_time timestamptz NOT NULL DEFAULT now(),
    register_time       timestamptz NOT NULL DEFAULT now(),
    succeeded_count     bigint      NOT NULL DEFAULT 0,
    failed_count        bigint      NOT NULL DEFAULT 0,
    mean_run_ms         double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, id)
);

-- Workflows: a DAG of tasks. Deleting a workflow deletes its tasks and edges.
CREATE TABLE orch_workflows (
    id           uuid PRIMARY KEY,
    project_id   text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         text        NOT NULL DEFAULT '',
    state        text        NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
    request_id   text,
    payload_hash bytea,
    create_time  timestamptz NOT NULL DEFAULT now(),
    finish_time  timestamptz
);

CREATE UNIQUE INDEX orch_workflows_request_idx ON orch_workflows (project_id, request_id)
    WHERE request_id IS NOT NULL;

-- The queue. Every state change of the hot path (claim, complete) touches one row; the partial
-- indexes below hold only rows in the states they serve, so they stay small however long the
-- history grows, and claims walk them with FOR UPDATE SKIP LOCKED.
CREATE TABLE orch_tasks (
    id                uuid PRIMARY KEY,
    project_id        text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name              text        NOT NULL DEFAULT '',
    capability        text        NOT NULL DEFAULT '',
    min_level         integer     NOT NULL DEFAULT 0,
    priority          integer     NOT NULL DEFAULT 0,
    payload           bytea       NOT NULL DEFAULT '',
    labels            jsonb       NOT NULL DEFAULT '{}',
    state             text        NOT NULL CHECK (state IN
        ('blocked', 'ready', 'leased', 'succeeded', 'dead', 'cancelled', 'skipped')),
    attempt           integer     NOT NULL DEFAULT 0,
    max_attempts      integer     NOT NULL CHECK (max_attempts > 0),
    backoff_ms        bigint      NOT NULL,
    max_backoff_ms    bigint      NOT NULL,
    agent_id          text        NOT NULL DEFAULT '',
    lease_expire_time timestamptz,
    ready_time        timestamptz NOT NULL DEFAULT now(),
    result            bytea       NOT NULL DEFAULT '',
    error             text        NOT NULL DEFAULT '',
    idempotency_key   text,
    payload_hash      bytea,
    workflow_id       uuid REFERENCES orch_workflows (id) ON DELETE CASCADE,
    workflow_key      text        NOT NULL DEFAULT '',
    on_parent_failure text        NOT NULL DEFAULT 'fail' CHECK (on_parent_failure IN ('fail', 'skip')),
    create_time       timestamptz NOT NULL DEFAULT now(),
    start_time        timestamptz,
    finish_time       timestamptz
) WITH (fillfactor = 80);

-- The hot table is rewritten constantly: vacuum it early and often so dead tuples stay few.
ALTER TABLE orch_tasks SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_limit = 2000
);

-- Claims: ready rows of a project, best first.
CREATE INDEX orch_tasks_ready_idx ON orch_tasks (project_id, priority DESC, ready_time, id)
    WHERE state = 'ready';
-- Lease expiry sweeps and per-agent load.
CREATE INDEX orch_tasks_leased_idx ON orch_tasks (lease_expire_time) WHERE state = 'leased';
CREATE INDEX orch_tasks_agent_leased_idx ON orch_tasks (project_id, agent_id)
    WHERE state = 'leased';
-- Listing (newest first by time-ordered id) and retention of finished tasks.
CREATE INDEX orch_tasks_project_idx ON orch_tasks (project_id, id);
CREATE INDEX orch_tasks_finish_idx ON orch_tasks (finish_time) WHERE finish_time IS NOT NULL;
CREATE UNIQUE INDEX orch_tasks_idempotency_idx ON orch_tasks (project_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX orch_tasks_workflow_idx ON orch_tasks (workflow_id) WHERE workflow_id IS NOT NULL;

-- Workflow edges: `task_id` waits for `parent_id`.
CREATE TABLE orch_task_deps (
    project_id text NOT NULL,
    task_id    uuid NOT NULL REFERENCES orch_tasks (id) ON DELETE CASCADE,
    parent_id  uuid NOT NULL REFERENCES orch_tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, parent_id)
);

CREATE INDEX orch_task_deps_parent_idx ON orch_task_deps (parent_id);

-- Timing samples of finished attempts (successes and failures), for statistics and anomalies.
-- Kept apart from the hot table so the queue's rows can be deleted by retention independently.
CREATE TABLE orch_attempts (
    project_id  text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    finish_time timestamptz NOT NULL,
    capability  text        NOT NULL,
    agent_id    text        NOT NULL,
    succeeded   boolean     NOT NULL,
    wait_ms     double precision NOT NULL,
    run_ms      double precision NOT NULL
);

CREATE INDEX orch_attempts_time_idx ON orch_attempts (project_id, finish_time);
-- Rows arrive in time order, so a tiny BRIN index serves the retention sweep across projects.
CREATE INDEX orch_attempts_retention_idx ON orch_attempts USING brin (finish_time);

-- The event bus. Publishers insert rows without an offset; one sequencer at a time (it holds
-- the orch_bus_head row lock) numbers committed rows in id order. A reader therefore never sees
-- offset N+1 before offset N becomes visible, which is what lets a subscriber resume from the
-- last offset it saw and miss nothing. A bigserial alone could not promise that: ids are taken
-- at insert time but become visible at commit time, in another order.
CREATE TABLE orch_bus_events (
    id           bigserial PRIMARY KEY,
    project_id   text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    topic        text        NOT NULL,
    data         bytea       NOT NULL DEFAULT '',
    attributes   jsonb       NOT NULL DEFAULT '{}',
    publish_time timestamptz NOT NULL DEFAULT now(),
    "offset"     bigint
);

CREATE INDEX orch_bus_events_unsequenced_idx ON orch_bus_events (id) WHERE "offset" IS NULL;
CREATE UNIQUE INDEX orch_bus_events_offset_idx ON orch_bus_events (project_id, "offset")
    WHERE "offset" IS NOT NULL;
-- Retention by age; rows arrive in time order, so BRIN is enough and nearly free to maintain.
CREATE INDEX orch_bus_events_time_idx ON orch_bus_events USING brin (publish_time);

CREATE TABLE orch_bus_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_offset bigint  NOT NULL
);

INSERT INTO orch_bus_head (last_offset) VALUES (0);
