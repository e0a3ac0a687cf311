-- Orchestration: an agent's performance counters move off its row into orch_agent_stats.
--
-- Why: max_concurrency is exact only because every lease grant (a claim, a create's hand-off to
-- an idle stream) locks the agent row and moves its version (`last_heartbeat_time`; see
-- docs/orchestration.md, "Concurrency cap"). Every completion and failed attempt also updated
-- that row (succeeded_count, failed_count, mean_run_ms) and held its lock through the commit's
-- WAL flush, so claims waited for the agent's completions and hand-offs passed over agents that
-- were completing: under load, hand-offs stopped and queue throughput fell by ~10%. With the
-- counters in a row of their own, outcomes and grants never lock the same row.
--
-- Rows are written by the first outcome of an agent (an upsert), so an agent without one reads
-- as "no outcome yet"; the agents registered before this migration keep their counters here.

CREATE TABLE orch_agent_stats (
    project_id      text             NOT NULL,
    agent_id        text             NOT NULL,
    succeeded_count bigint           NOT NULL DEFAULT 0,
    failed_count    bigint           NOT NULL DEFAULT 0,
    -- Moving average of successful attempts' run time (see orch_complete_tasks).
    mean_run_ms     double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, agent_id),
    -- Inserting checks the agent with a KEY SHARE lock, which a grant's update of the agent row
    -- (a non-key column) does not conflict with.
    FOREIGN KEY (project_id, agent_id) REFERENCES orch_agents (project_id, id) ON DELETE CASCADE
) WITH (fillfactor = 50);  -- updated by every completion: room for HOT updates in place

INSERT INTO orch_agent_stats (project_id, agent_id, succeeded_count, failed_count, mean_run_ms)
SELECT project_id, id, succeeded_count, failed_count, mean_run_ms FROM orch_agents;

ALTER TABLE orch_agents DROP COLUMN succeeded_count, DROP COLUMN failed_count,
    DROP COLUMN mean_run_ms;
