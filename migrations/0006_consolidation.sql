-- Consolidation: runs (with progress and metrics), per-project schedules, the patterns found in
-- events with the event sequences that showed them, procedure candidates, and outcome statistics
-- that make the next run's surprise scores comparable with the past.

CREATE TABLE consolidation_runs (
    id           uuid PRIMARY KEY,
    project_id   text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- Client retry key of StartConsolidation/Consolidate; '' when none was given.
    request_id   text        NOT NULL DEFAULT '',
    trigger      text        NOT NULL,
    state        text        NOT NULL DEFAULT 'running',
    phase        text        NOT NULL DEFAULT 'prioritise',
    items_done   integer     NOT NULL DEFAULT 0,
    items_total  integer     NOT NULL DEFAULT 0,
    metrics      jsonb       NOT NULL DEFAULT '{}',
    error        text        NOT NULL DEFAULT '',
    start_time   timestamptz NOT NULL DEFAULT now(),
    end_time     timestamptz
);

CREATE INDEX consolidation_runs_project_idx ON consolidation_runs (project_id, id DESC);
CREATE UNIQUE INDEX consolidation_runs_request_idx
    ON consolidation_runs (project_id, request_id) WHERE request_id <> '';
-- A second guard beside the advisory lock: at most one run row of a project is running.
CREATE UNIQUE INDEX consolidation_runs_one_running_idx
    ON consolidation_runs (project_id) WHERE state = 'running';

CREATE TABLE consolidation_schedules (
    project_id       text PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    interval_seconds integer     NOT NULL CHECK (interval_seconds >= 60),
    next_run_time    timestamptz NOT NULL,
    update_time      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX consolidation_schedules_due_idx ON consolidation_schedules (next_run_time);

-- One row per distinct pattern of a project; `signature` is its normalised identity, so a
-- re-run over the same events finds the same row instead of creating another.
CREATE TABLE consolidation_patterns (
    id           uuid PRIMARY KEY,
    project_id   text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind         text        NOT NULL,
    signature    text        NOT NULL,
    description  text        NOT NULL,
    steps        text[]      NOT NULL DEFAULT '{}',
    confidence   double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    reviewed_by  text        NOT NULL DEFAULT 'heuristic',
    -- The fact the pattern was written as; the fact may be deleted by a user later.
    fact_id      uuid        REFERENCES facts (id) ON DELETE SET NULL,
    create_time  timestamptz NOT NULL DEFAULT now(),
    update_time  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, kind, signature)
);

CREATE INDEX consolidation_patterns_list_idx ON consolidation_patterns (project_id, id DESC);

-- Each occurrence of a pattern: the events that showed it, keyed by the first one so that
-- reprocessing an event never counts the same occurrence twice.
CREATE TABLE consolidation_pattern_instances (
    pattern_id     uuid   NOT NULL REFERENCES consolidation_patterns (id) ON DELETE CASCADE,
    first_event_id uuid   NOT NULL,
    project_id     text   NOT NULL,
    event_ids      uuid[] NOT NULL,
    PRIMARY KEY (pattern_id, first_event_id)
);

-- Procedures proper (versioned, executable) are a later feature; until then repeated action
-- sequences are kept here as candidates with the event sequence they were learned from.
CREATE TABLE procedure_candidates (
    id             uuid PRIMARY KEY,
    project_id     text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    pattern_id     uuid        NOT NULL UNIQUE
        REFERENCES consolidation_patterns (id) ON DELETE CASCADE,
    name           text        NOT NULL,
    steps          text[]      NOT NULL,
    event_sequence uuid[]      NOT NULL,
    confidence     double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    create_time    timestamptz NOT NULL DEFAULT now(),
    update_time    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX procedure_candidates_list_idx ON procedure_candidates (project_id, id DESC);

-- How often each normalised action succeeded or failed in consolidated events: the baseline a
-- new event's outcome is compared with to score its surprise.
CREATE TABLE consolidation_outcome_stats (
    project_id text    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    signature  text    NOT NULL,
    successes  integer NOT NULL DEFAULT 0,
    failures   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, signature)
);
