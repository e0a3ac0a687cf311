-- Projects (tenants), episodic events, idempotency keys and the audit log.

CREATE EXTENSION IF NOT EXISTS vector;

-- A project is created on its first write. It pins the embedder that wrote its vectors, so a
-- server started with a different embedder refuses to mix incomparable vectors.
CREATE TABLE projects (
    id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    embedder        text        NOT NULL,
    embedding_dim   integer     NOT NULL CHECK (embedding_dim > 0),
    create_time     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    id                   uuid PRIMARY KEY,
    project_id           text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    session_id           text        NOT NULL,
    occur_time           timestamptz NOT NULL,
    type                 text        NOT NULL,
    actor                text        NOT NULL DEFAULT '',
    content              text        NOT NULL CHECK (content <> ''),
    outcome              text        NOT NULL DEFAULT 'unspecified',
    context_cwd          text        NOT NULL DEFAULT '',
    context_files        text[]      NOT NULL DEFAULT '{}',
    context_task         text        NOT NULL DEFAULT '',
    context_phase        text        NOT NULL DEFAULT '',
    context_branch       text        NOT NULL DEFAULT '',
    importance           double precision NOT NULL DEFAULT 0.5 CHECK (importance BETWEEN 0 AND 1),
    confidence           double precision NOT NULL DEFAULT 1 CHECK (confidence BETWEEN 0 AND 1),
    tags                 text[]      NOT NULL DEFAULT '{}',
    attributes           jsonb       NOT NULL DEFAULT '{}',
    consolidation_status text        NOT NULL DEFAULT 'pending',
    create_time          timestamptz NOT NULL DEFAULT now(),
    -- Actor and task are searchable words too ("what did alice say about …").
    search_tsv           tsvector GENERATED ALWAYS AS (
        to_tsvector('english', actor || ' ' || content || ' ' || context_task)
    ) STORED
);

-- Hot paths: newest events of a project (list, recall by time); one session's timeline;
-- the consolidation backlog; importance-ordered lists.
CREATE INDEX events_project_time_idx ON events (project_id, occur_time DESC, id DESC);
CREATE INDEX events_project_session_time_idx ON events (project_id, session_id, occur_time DESC);
CREATE INDEX events_project_consolidation_idx
    ON events (project_id, consolidation_status, occur_time);
CREATE INDEX events_project_importance_idx
    ON events (project_id, importance DESC, occur_time DESC, id DESC);
CREATE INDEX events_tags_idx ON events USING gin (tags);
CREATE INDEX events_search_tsv_idx ON events USING gin (search_tsv);
-- Lexeme statistics drive which query words are selective enough to gather full-text
-- candidates (see athena/memory/term_stats.py); track more of them than the default 1,000.
ALTER TABLE events ALTER COLUMN search_tsv SET STATISTICS 1000;

-- Vector search. Inserting into an HNSW graph costs milliseconds per row on small machines, far
-- more than the rest of a write, so events are not indexed in the write path: each new event is
-- queued, a background indexer moves queued vectors into the HNSW-indexed table in batches, and
-- search reads both (the graph for indexed events, an exact scan for the queue).
CREATE TABLE event_vectors (
    event_id   uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    project_id text        NOT NULL,
    embedding  vector(384) NOT NULL
);

CREATE INDEX event_vectors_embedding_idx ON event_vectors USING hnsw (embedding vector_cosine_ops);

-- An event's embedding lives in exactly one of these two tables: queued, then indexed.
CREATE TABLE event_vector_queue (
    event_id     uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    project_id   text        NOT NULL,
    embedding    vector(384) NOT NULL,
    enqueue_time timestamptz NOT NULL DEFAULT now()
);

-- No secondary indexes: the queue is short-lived and every index costs the write path. The
-- indexer takes the oldest first through the primary key (event ids are time-ordered UUIDv7).

-- A client-chosen request id makes RecordEvent(s) safe to retry: the first request stores the
-- ids it created and a hash of its payload; a retry with the same payload gets those ids back.
CREATE TABLE idempotency_keys (
    project_id   text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    request_id   text        NOT NULL,
    operation    text        NOT NULL,
    payload_hash bytea       NOT NULL,
    result_ids   uuid[]      NOT NULL,
    create_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, request_id)
);

-- Deliberately no foreign key: the record of a deletion must outlive what it deleted.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  text        NOT NULL,
    action      text        NOT NULL,
    request_id  text        NOT NULL DEFAULT '',
    principal   text        NOT NULL DEFAULT '',
    details     jsonb       NOT NULL DEFAULT '{}',
    create_time timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_project_time_idx ON audit_log (project_id, create_time DESC);
