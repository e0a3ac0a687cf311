-- Prospective memory (goals, tasks, dependencies, triggers, trigger firings) and meta-memory
-- (per-item access and usefulness, ratings, per-session activation).
--
-- Every table carries project_id. Links inside an area are composite foreign keys on
-- (project_id, id), so a row can never point at another project's row.

-- Goals form a tree. Deleting a goal deletes its sub-goals (they only exist to serve it); the
-- tasks under a deleted goal survive, detached (see prospective_tasks.goal_id).
CREATE TABLE prospective_goals (
    id          uuid PRIMARY KEY,
    project_id  text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id   uuid,
    title       text        NOT NULL CHECK (title <> ''),
    description text        NOT NULL DEFAULT '',
    status      text        NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'achieved', 'abandoned')),
    priority    integer     NOT NULL DEFAULT 50 CHECK (priority BETWEEN 0 AND 100),
    due_time    timestamptz,
    tags        text[]      NOT NULL DEFAULT '{}',
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, id),
    FOREIGN KEY (project_id, parent_id) REFERENCES prospective_goals (project_id, id)
        ON DELETE CASCADE,
    CHECK (parent_id <> id)
);

-- Children of a goal (ListGoals by parent, cascade deletes).
CREATE INDEX prospective_goals_parent_idx ON prospective_goals (project_id, parent_id, id);

-- Tasks: an agent's own to-dos. Sub-tasks go with their parent task; a task under a deleted goal
-- is kept and detached, because the work it records may still matter.
CREATE TABLE prospective_tasks (
    id             uuid PRIMARY KEY,
    project_id     text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    goal_id        uuid,
    parent_task_id uuid,
    title          text        NOT NULL CHECK (title <> ''),
    description    text        NOT NULL DEFAULT '',
    status         text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'active', 'blocked', 'done', 'failed', 'cancelled')),
    status_reason  text        NOT NULL DEFAULT '',
    priority       integer     NOT NULL DEFAULT 50 CHECK (priority BETWEEN 0 AND 100),
    due_time       timestamptz,
    tags           text[]      NOT NULL DEFAULT '{}',
    create_time    timestamptz NOT NULL DEFAULT now(),
    update_time    timestamptz NOT NULL DEFAULT now(),
    start_time     timestamptz,
    end_time       timestamptz,
    UNIQUE (project_id, id),
    FOREIGN KEY (project_id, goal_id) REFERENCES prospective_goals (project_id, id)
        ON DELETE SET NULL (goal_id),
    FOREIGN KEY (project_id, parent_task_id) REFERENCES prospective_tasks (project_id, id)
        ON DELETE CASCADE,
    CHECK (parent_task_id <> id)
);

-- ListOverdueTasks: open tasks of a project by due time (the partial index holds only open tasks
-- with a due time, so it stays small however many tasks are finished).
CREATE INDEX prospective_tasks_overdue_idx ON prospective_tasks (project_id, due_time, id)
    WHERE status IN ('pending', 'active', 'blocked') AND due_time IS NOT NULL;
-- ListActiveTasks: active tasks by priority, then creation order.
CREATE INDEX prospective_tasks_active_idx ON prospective_tasks (project_id, priority DESC, id)
    WHERE status = 'active';
-- ListProspectiveTasks filtered by status, in creation order.
CREATE INDEX prospective_tasks_status_idx ON prospective_tasks (project_id, status, id);
-- Tasks of a goal, sub-tasks of a task (filters, and the ON DELETE actions of the two keys).
CREATE INDEX prospective_tasks_goal_idx ON prospective_tasks (project_id, goal_id, id);
CREATE INDEX prospective_tasks_parent_idx ON prospective_tasks (project_id, parent_task_id, id);

-- task_id waits for depends_on_id. Deleting either task removes the edge: a dependency on work
-- that no longer exists cannot be waited for.
CREATE TABLE prospective_task_dependencies (
    project_id    text NOT NULL,
    task_id       uuid NOT NULL,
    depends_on_id uuid NOT NULL,
    PRIMARY KEY (project_id, task_id, depends_on_id),
    FOREIGN KEY (project_id, task_id) REFERENCES prospective_tasks (project_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (project_id, depends_on_id) REFERENCES prospective_tasks (project_id, id)
        ON DELETE CASCADE,
    CHECK (task_id <> depends_on_id)
);

-- "Which tasks wait for this one?" when a task is done (dependency triggers).
CREATE INDEX prospective_task_dependencies_reverse_idx
    ON prospective_task_dependencies (project_id, depends_on_id);

-- A trigger says when a task needs attention. Kind-specific condition columns are NULL for other
-- kinds. A trigger goes with its task.
CREATE TABLE prospective_triggers (
    id              uuid PRIMARY KEY,
    project_id      text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id         uuid        NOT NULL,
    kind            text        NOT NULL
        CHECK (kind IN ('time', 'event', 'context', 'dependency', 'file')),
    description     text        NOT NULL DEFAULT '',
    repeat          boolean     NOT NULL DEFAULT false,
    -- False once a one-shot trigger fired, or when its task finished.
    armed           boolean     NOT NULL DEFAULT true,
    -- time: the next time it fires, and the period of a repeating one.
    fire_time       timestamptz,
    repeat_interval interval,
    -- event: types (any of), case-insensitive regular expression, tags (all of), actor, session.
    event_types     text[],
    content_pattern text,
    match_tags      text[],
    match_actor     text,
    match_session   text,
    -- context: cwd (the directory or below), branch, task, phase.
    context_cwd     text,
    context_branch  text,
    context_task    text,
    context_phase   text,
    -- file: the glob as given and the anchored regular expression it compiles to.
    file_glob       text,
    file_regex      text,
    fire_count      integer     NOT NULL DEFAULT 0,
    last_fire_time  timestamptz,
    create_time     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, id),
    FOREIGN KEY (project_id, task_id) REFERENCES prospective_tasks (project_id, id)
        ON DELETE CASCADE,
    CHECK ((kind = 'time') = (fire_time IS NOT NULL)),
    CHECK ((kind = 'file') = (file_regex IS NOT NULL))
);

-- The scheduler's "next due time trigger" across projects: only armed time triggers.
CREATE INDEX prospective_triggers_due_idx ON prospective_triggers (fire_time)
    WHERE kind = 'time' AND armed;
-- Triggers evaluated against every recorded event of a project (usually none or a few).
CREATE INDEX prospective_triggers_event_idx ON prospective_triggers (project_id)
    WHERE armed AND kind IN ('event', 'context', 'file');
-- Triggers of a task (ListTriggers by task, dependency evaluation, disarming finished tasks).
CREATE INDEX prospective_triggers_task_idx ON prospective_triggers (project_id, task_id, kind);

-- Fired triggers are durable so a watcher that reconnects resumes from its cursor (seq) and
-- misses nothing. Writers of one project serialise on an advisory lock before inserting, so seq
-- order is commit order within a project. A firing goes with its trigger; the event that caused
-- it may be deleted independently.
CREATE TABLE prospective_trigger_firings (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    trigger_id  uuid        NOT NULL,
    task_id     uuid        NOT NULL,
    kind        text        NOT NULL,
    event_id    uuid REFERENCES events (id) ON DELETE SET NULL,
    reason      text        NOT NULL DEFAULT '',
    -- The trigger's description when it fired, so the record reads the same later.
    description text        NOT NULL DEFAULT '',
    fire_time   timestamptz NOT NULL,
    FOREIGN KEY (project_id, trigger_id) REFERENCES prospective_triggers (project_id, id)
        ON DELETE CASCADE
);

-- WatchTriggers: a project's firings after a cursor.
CREATE INDEX prospective_trigger_firings_project_seq_idx
    ON prospective_trigger_firings (project_id, seq);
CREATE INDEX prospective_trigger_firings_trigger_idx
    ON prospective_trigger_firings (project_id, trigger_id);
CREATE INDEX prospective_trigger_firings_event_idx ON prospective_trigger_firings (event_id)
    WHERE event_id IS NOT NULL;

-- Meta-memory: one row per memory item that was ever accessed or rated, in any layer. Items are
-- named by (layer, item_id); rows of every layer stored in this database also carry a typed key
-- with ON DELETE CASCADE, so forgetting an event, fact, entity, relation, task or goal forgets its
-- meta data too.
CREATE TABLE memory_item_stats (
    project_id       text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    layer            text        NOT NULL
        CHECK (layer IN ('event', 'fact', 'entity', 'relation', 'procedure', 'task', 'goal')),
    item_id          text        NOT NULL CHECK (item_id <> ''),
    event_id         uuid REFERENCES events (id) ON DELETE CASCADE,
    fact_id          uuid REFERENCES facts (id) ON DELETE CASCADE,
    entity_id        uuid REFERENCES entities (id) ON DELETE CASCADE,
    relation_id      uuid REFERENCES relations (id) ON DELETE CASCADE,
    task_id          uuid,
    goal_id          uuid,
    access_count     bigint      NOT NULL DEFAULT 0,
    -- Exponentially decayed access count as of score_time: recent and frequent use both count.
    access_score     double precision NOT NULL DEFAULT 0,
    score_time       timestamptz,
    last_access_time timestamptz,
    rating_count     integer     NOT NULL DEFAULT 0,
    rating_sum       double precision NOT NULL DEFAULT 0,
    last_rating_time timestamptz,
    PRIMARY KEY (project_id, layer, item_id),
    FOREIGN KEY (project_id, task_id) REFERENCES prospective_tasks (project_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (project_id, goal_id) REFERENCES prospective_goals (project_id, id)
        ON DELETE CASCADE,
    -- Exactly the key of the item's own layer is set (procedures live in git, not here).
    CHECK ((layer = 'event') = (event_id IS NOT NULL)),
    CHECK ((layer = 'fact') = (fact_id IS NOT NULL)),
    CHECK ((layer = 'entity') = (entity_id IS NOT NULL)),
    CHECK ((layer = 'relation') = (relation_id IS NOT NULL)),
    CHECK ((layer = 'task') = (task_id IS NOT NULL)),
    CHECK ((layer = 'goal') = (goal_id IS NOT NULL))
);

-- The cascades from events need an index on the referencing column.
CREATE INDEX memory_item_stats_event_idx ON memory_item_stats (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX memory_item_stats_fact_idx ON memory_item_stats (fact_id) WHERE fact_id IS NOT NULL;
CREATE INDEX memory_item_stats_entity_idx ON memory_item_stats (entity_id)
    WHERE entity_id IS NOT NULL;
CREATE INDEX memory_item_stats_relation_idx ON memory_item_stats (relation_id)
    WHERE relation_id IS NOT NULL;
CREATE INDEX memory_item_stats_task_idx ON memory_item_stats (project_id, task_id)
    WHERE task_id IS NOT NULL;
CREATE INDEX memory_item_stats_goal_idx ON memory_item_stats (project_id, goal_id)
    WHERE goal_id IS NOT NULL;

-- Each rating, kept so usefulness can be audited and recomputed.
CREATE TABLE memory_ratings (
    id          uuid PRIMARY KEY,
    project_id  text        NOT NULL,
    layer       text        NOT NULL,
    item_id     text        NOT NULL,
    rating      double precision NOT NULL CHECK (rating BETWEEN 0 AND 1),
    session_id  text        NOT NULL DEFAULT '',
    comment     text        NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (project_id, layer, item_id)
        REFERENCES memory_item_stats (project_id, layer, item_id) ON DELETE CASCADE
);

CREATE INDEX memory_ratings_item_idx ON memory_ratings (project_id, layer, item_id, create_time);

-- Per-session activation (a decayed access count with a short half-life): the working memory of a
-- session is its few most active items.
CREATE TABLE memory_session_activity (
    project_id       text        NOT NULL,
    session_id       text        NOT NULL CHECK (session_id <> ''),
    layer            text        NOT NULL,
    item_id          text        NOT NULL,
    activation       double precision NOT NULL,
    score_time       timestamptz NOT NULL,
    access_count     bigint      NOT NULL DEFAULT 0,
    last_access_time timestamptz NOT NULL,
    PRIMARY KEY (project_id, session_id, layer, item_id),
    FOREIGN KEY (project_id, layer, item_id)
        REFERENCES memory_item_stats (project_id, layer, item_id) ON DELETE CASCADE
);

-- The cascade from memory_item_stats looks rows up by item.
CREATE INDEX memory_session_activity_item_idx
    ON memory_session_activity (project_id, layer, item_id);
