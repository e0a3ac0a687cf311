-- name: insert_audit
-- Record one audited action (deletions and other destructive operations).
-- plan: generic
INSERT INTO audit_log (project_id, action, request_id, principal, details)
VALUES ($1, $2, $3, $4, $5::jsonb);

