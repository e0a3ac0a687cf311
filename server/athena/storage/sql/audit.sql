-- name: insert_audit
-- Record one audited action (deletions and other destructive operations).
INSERT INTO audit_log (project_id, action, request_id, principal, details)
VALUES ($1, $2, $3, $4, $5::jsonb);

-- name: list_audit
-- The newest audit records of a project.
SELECT id, action, request_id, principal, details, create_time FROM audit_log
WHERE project_id = $1 ORDER BY create_time DESC, id DESC LIMIT $2;
