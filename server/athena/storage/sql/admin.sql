-- name: settings_needing_restart
-- Whether any of the named server settings ($1) differs in the configuration files from the
-- running value and only takes effect after a restart (last file entry per name wins).
SELECT count(*) > 0
FROM (
    SELECT DISTINCT ON (name) name, setting FROM pg_file_settings
    WHERE name = ANY ($1::text[])
    ORDER BY name, seqno DESC
) AS f
JOIN pg_settings AS s USING (name)
WHERE s.context = 'postmaster' AND f.setting IS DISTINCT FROM current_setting(f.name);

-- name: vacuum_vector_queue
-- Reclaim the queue's dead rows and give its emptied pages back after a large drain.
VACUUM event_vector_queue;
