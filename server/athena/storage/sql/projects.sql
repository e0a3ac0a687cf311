-- name: ensure_project
-- Create a project on first use, pinning the embedder; returns the project's embedder settings.
WITH created AS (
    INSERT INTO projects (id, embedder, embedding_dim) VALUES ($1, $2, $3)
    ON CONFLICT (id) DO NOTHING
    RETURNING embedder, embedding_dim
)
SELECT embedder, embedding_dim FROM created
UNION ALL
SELECT embedder, embedding_dim FROM projects WHERE id = $1
LIMIT 1;
