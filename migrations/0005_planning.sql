-- Planning: plans decomposed into steps with dependencies, linked to prospective goals and tasks.

CREATE TABLE plans (
    id               uuid PRIMARY KEY,
    project_id       text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title            text        NOT NULL CHECK (title <> ''),
    description      text        NOT NULL DEFAULT '',
    status           text        NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'active', 'completed', 'failed', 'cancelled', 'replanned')),
    status_reason    text        NOT NULL DEFAULT '',
    goal_id          uuid,
    strategy         text        NOT NULL DEFAULT '',
    replaces_plan_id uuid,
    revision         integer     NOT NULL DEFAULT 1 CHECK (revision >= 1),
    llm_model        text        NOT NULL DEFAULT '',
    llm_calls        integer     NOT NULL DEFAULT 0,
    llm_failed_calls integer     NOT NULL DEFAULT 0,
    llm_input_tokens bigint      NOT NULL DEFAULT 0,
    llm_output_tokens bigint     NOT NULL DEFAULT 0,
    llm_cost_usd     double precision NOT NULL DEFAULT 0,
    create_time      timestamptz NOT NULL DEFAULT now(),
    update_time      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, id),
    -- A deleted goal leaves the plan in place, unlinked: the plan is still a record of the work.
    FOREIGN KEY (project_id, goal_id) REFERENCES prospective_goals (project_id, id)
        ON DELETE SET NULL (goal_id),
    -- The replaced plan may go; the replacement stands on its own.
    FOREIGN KEY (project_id, replaces_plan_id) REFERENCES plans (project_id, id)
        ON DELETE SET NULL (replaces_plan_id)
);

-- ListPlans: newest first (ids are time-ordered UUIDv7), optionally by status or goal.
CREATE INDEX plans_project_idx ON plans (project_id, id DESC);
CREATE INDEX plans_project_status_idx ON plans (project_id, status, id DESC);
CREATE INDEX plans_project_goal_idx ON plans (project_id, goal_id, id DESC);
-- Known procedures: completed plans are searched by their title words.
CREATE INDEX plans_completed_title_idx ON plans USING gin (to_tsvector('english', title))
    WHERE status = 'completed';

CREATE TABLE plan_steps (
    project_id       text        NOT NULL,
    plan_id          uuid        NOT NULL,
    key              text        NOT NULL CHECK (key <> ''),
    position         integer     NOT NULL CHECK (position >= 0),
    title            text        NOT NULL CHECK (title <> ''),
    description      text        NOT NULL DEFAULT '',
    depends_on       text[]      NOT NULL DEFAULT '{}',
    status           text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'done', 'failed')),
    source           text        NOT NULL DEFAULT '',
    estimate_seconds double precision NOT NULL DEFAULT 0,
    task_id          uuid,
    PRIMARY KEY (plan_id, key),
    UNIQUE (plan_id, position),
    -- Steps live and die with their plan.
    FOREIGN KEY (project_id, plan_id) REFERENCES plans (project_id, id) ON DELETE CASCADE,
    -- A deleted task leaves the step untracked rather than deleting part of the plan.
    FOREIGN KEY (project_id, task_id) REFERENCES prospective_tasks (project_id, id)
        ON DELETE SET NULL (task_id)
);

-- Step failure rates and durations are looked up by step title words.
CREATE INDEX plan_steps_title_idx ON plan_steps USING gin (to_tsvector('english', title));
-- ON DELETE of a prospective task finds its steps.
CREATE INDEX plan_steps_task_idx ON plan_steps (project_id, task_id) WHERE task_id IS NOT NULL;
