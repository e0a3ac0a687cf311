-- A durable queue of events waiting to be linked into the knowledge graph (entity mentions,
-- co-occurrences, FOLLOWS and CAUSED_BY links). Until now the linker kept its queue in memory,
-- so the links of events committed just before a crash were never made.
--
-- Filled by a statement-level trigger, so the record path (one COPY of a whole batch) neither
-- knows about the graph nor pays a round trip for it: one extra row per event, written in the
-- event's own transaction.
--
-- Deliberately no foreign key to events: its check would run once per queued row on the write
-- path. The linker locks the events it links and drops queue rows whose event is gone.
CREATE TABLE graph_link_queue (
    event_id   uuid PRIMARY KEY,
    project_id text NOT NULL
);

CREATE FUNCTION athena_queue_graph_links() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO graph_link_queue (event_id, project_id)
    SELECT id, project_id FROM recorded_events;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_queue_graph_links
AFTER INSERT ON events
REFERENCING NEW TABLE AS recorded_events
FOR EACH STATEMENT EXECUTE FUNCTION athena_queue_graph_links();
