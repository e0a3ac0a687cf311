-- Semantic memory (versioned facts with provenance) and the knowledge graph (entities, relations,
-- communities, and the links episodic extraction draws from events to entities and to events).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A fact is one version of a statement. Versions of one statement share `lineage_id` (the id of
-- the first version); an update of what a fact says inserts a new version and closes the old
-- one's belief window (`superseded_time`), so "what did we believe at T" stays answerable.
-- Two time axes: [valid_from, valid_to) is when the statement is true in the world;
-- [create_time, superseded_time) is when this version was the current belief.
CREATE TABLE facts (
    id              uuid PRIMARY KEY,
    project_id      text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    lineage_id      uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    -- The previous version; deleting a lineage removes all its versions together.
    supersedes_id   uuid        REFERENCES facts (id) ON DELETE CASCADE,
    subject         text        NOT NULL CHECK (subject <> ''),
    predicate       text        NOT NULL DEFAULT '',
    content         text        NOT NULL CHECK (content <> ''),
    domain          text        NOT NULL DEFAULT '',
    tags            text[]      NOT NULL DEFAULT '{}',
    confidence      double precision NOT NULL DEFAULT 1 CHECK (confidence BETWEEN 0 AND 1),
    usefulness      double precision NOT NULL DEFAULT 0.5 CHECK (usefulness BETWEEN 0 AND 1),
    valid_from      timestamptz NOT NULL,
    valid_to        timestamptz CHECK (valid_to IS NULL OR valid_to > valid_from),
    create_time     timestamptz NOT NULL,
    update_time     timestamptz NOT NULL,
    superseded_time timestamptz,
    embedding       vector(384) NOT NULL,
    search_tsv      tsvector GENERATED ALWAYS AS (
        to_tsvector('english', subject || ' ' || predicate || ' ' || content || ' ' || domain)
    ) STORED,
    UNIQUE (lineage_id, version)
);

-- Hot paths: current facts of a project newest first (list); current facts about one subject
-- (the contradiction check on every write); a project's current facts in a domain.
CREATE INDEX facts_project_current_idx ON facts (project_id, create_time DESC, id DESC)
    WHERE superseded_time IS NULL;
CREATE INDEX facts_project_subject_idx
    ON facts (project_id, lower(subject), create_time DESC, id DESC)
    WHERE superseded_time IS NULL;
CREATE INDEX facts_project_domain_idx ON facts (project_id, domain, create_time DESC)
    WHERE superseded_time IS NULL;
-- History and as-of queries walk one lineage or one project's versions by belief time.
CREATE INDEX facts_lineage_idx ON facts (lineage_id, version DESC);
CREATE INDEX facts_project_belief_idx ON facts (project_id, create_time, superseded_time);
CREATE INDEX facts_tags_idx ON facts USING gin (tags);
CREATE INDEX facts_search_tsv_idx ON facts USING gin (search_tsv);
CREATE INDEX facts_embedding_idx ON facts USING hnsw (embedding vector_cosine_ops);

-- Provenance: the events a fact version came from. Deleting an event removes the link (the fact
-- stays, with the rest of its evidence); deleting a fact removes its links.
CREATE TABLE fact_sources (
    fact_id    uuid NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
    event_id   uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    project_id text NOT NULL,
    PRIMARY KEY (fact_id, event_id)
);

CREATE INDEX fact_sources_event_idx ON fact_sources (event_id);

-- array_to_string is only STABLE (element output functions could depend on settings), so a
-- generated column cannot call it; for text[] it does not, which makes this wrapper safe.
CREATE FUNCTION athena_words(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_to_string($1, ' ');

-- Entities are unique by case-folded name within a project: upsert by name finds them.
CREATE TABLE entities (
    id          uuid PRIMARY KEY,
    project_id  text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        text        NOT NULL CHECK (name <> ''),
    name_key    text        NOT NULL,
    type        text        NOT NULL CHECK (type <> ''),
    description text        NOT NULL DEFAULT '',
    properties  jsonb       NOT NULL DEFAULT '{}',
    aliases     text[]      NOT NULL DEFAULT '{}',
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL,
    search_tsv  tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', name || ' ' || athena_words(aliases)) ||
        to_tsvector('english', description)
    ) STORED,
    UNIQUE (project_id, name_key)
);

CREATE INDEX entities_project_type_idx ON entities (project_id, type, name_key);
CREATE INDEX entities_search_tsv_idx ON entities USING gin (search_tsv);
CREATE INDEX entities_name_trgm_idx ON entities USING gin (name_key gin_trgm_ops);
CREATE INDEX entities_aliases_idx ON entities USING gin (aliases);

-- Directed, typed, weighted edges; one per (source, target, type) so upserts accumulate weight.
-- An edge cannot outlive either end.
CREATE TABLE relations (
    id          uuid PRIMARY KEY,
    project_id  text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    source_id   uuid        NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    target_id   uuid        NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    type        text        NOT NULL CHECK (type <> ''),
    weight      double precision NOT NULL DEFAULT 1 CHECK (weight >= 0),
    properties  jsonb       NOT NULL DEFAULT '{}',
    valid_from  timestamptz,
    valid_to    timestamptz CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from),
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL,
    UNIQUE (project_id, source_id, target_id, type)
);

-- A walk's hop reads edges out of the frontier through the unique index above (project, source,
-- ...) and edges into it through this one; both start with the project, like every query.
CREATE INDEX relations_target_idx ON relations (project_id, target_id, type);

CREATE TABLE relation_sources (
    relation_id uuid NOT NULL REFERENCES relations (id) ON DELETE CASCADE,
    event_id    uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    project_id  text NOT NULL,
    PRIMARY KEY (relation_id, event_id)
);

CREATE INDEX relation_sources_event_idx ON relation_sources (event_id);

-- Which entities an event mentions (written by episodic extraction, or by clients).
CREATE TABLE event_entities (
    event_id   uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    entity_id  uuid NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    project_id text NOT NULL,
    PRIMARY KEY (event_id, entity_id)
);

-- "Which events mention this entity", newest first through the event's time-ordered id.
CREATE INDEX event_entities_entity_idx ON event_entities (entity_id, event_id DESC);

-- Likely causal predecessors of an event: FOLLOWS (previous event of the session) and
-- CAUSED_BY (a recent earlier action of the session touching the same entities).
CREATE TABLE event_links (
    event_id       uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    predecessor_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    project_id     text NOT NULL,
    type           text NOT NULL CHECK (type IN ('FOLLOWS', 'CAUSED_BY')),
    weight         double precision NOT NULL DEFAULT 1,
    PRIMARY KEY (event_id, type, predecessor_id)
);

CREATE INDEX event_links_predecessor_idx ON event_links (predecessor_id);

-- Communities of the entity graph from one detection run; a new run replaces the project's set.
CREATE TABLE communities (
    id          uuid PRIMARY KEY,
    project_id  text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    level       integer     NOT NULL CHECK (level >= 0),
    summary     text        NOT NULL,
    size        integer     NOT NULL,
    create_time timestamptz NOT NULL
);

CREATE INDEX communities_project_level_idx ON communities (project_id, level, size DESC, id);

CREATE TABLE community_members (
    community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    entity_id    uuid NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    project_id   text NOT NULL,
    PRIMARY KEY (community_id, entity_id)
);

CREATE INDEX community_members_entity_idx ON community_members (entity_id);
