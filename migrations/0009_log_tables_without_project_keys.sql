-- The bus's events and the attempts' timing samples are append-only logs that retention prunes by
-- age; every task create, completion and recorded batch appends to them (a create of 10 tasks
-- writes 20 bus rows, a recorded batch of 100 events 100). Their foreign key to projects ran a
-- check per appended row, each locking the project row (FOR KEY SHARE) that every concurrent
-- writer of the project locks too: ~0.4 ms of a 10-task create's ~1.1 ms statement.
--
-- The rows still carry their project and are only written by the server after the project
-- exists (Projects.ensure). Projects are never deleted, so the dropped ON DELETE CASCADE never ran;
-- should deletion come, these logs are cleared with the project like any other table.
-- The tables that hold state (tasks, agents, workflows, events) keep their keys.
ALTER TABLE orch_bus_events DROP CONSTRAINT orch_bus_events_project_id_fkey;
ALTER TABLE orch_attempts DROP CONSTRAINT orch_attempts_project_id_fkey;
