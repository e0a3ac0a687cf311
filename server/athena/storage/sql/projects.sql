-- name: ensure_project
-- Create a project on first use, pinning the embedder; returns the project's embedder settings.
-- plan: generic
-- DO UPDATE (a no-op on the row) rather than DO NOTHING + SELECT: when two first writes race, the
-- loser's SELECT ran on a snapshot without the winner's row and found nothing; DO UPDATE waits for
-- the winner and returns its row.
INSERT INTO projects (id, embedder, embedding_dim) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
RETURNING embedder, embedding_dim;
