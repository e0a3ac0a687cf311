-- name: claim_request_id
-- Claim an idempotency key; returns nothing when the key was already taken.
-- plan: generic
INSERT INTO idempotency_keys (project_id, request_id, operation, payload_hash, result_ids)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (project_id, request_id) DO NOTHING
RETURNING request_id;

-- name: get_request_id
-- The stored outcome of an earlier request with this key.
-- plan: generic
SELECT operation, payload_hash, result_ids FROM idempotency_keys
WHERE project_id = $1 AND request_id = $2;
