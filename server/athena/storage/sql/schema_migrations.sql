-- name: create_migrations_table
-- Bookkeeping table for applied migrations (created before any migration runs).
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: lock_migrations
-- Serialise migration runs across server replicas for the current transaction.
SELECT pg_advisory_xact_lock(7273617401);

-- name: applied_migrations
-- Every migration recorded so far, oldest first.
SELECT version, name, checksum FROM schema_migrations ORDER BY version;

-- name: record_migration
-- Record one applied migration.
INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3);
