-- Transfer to a user or a queue, and pick (docs/operations/transfer-to-queue.md).
-- Keep in step with ../postgres/0079_routing.sql.

-- Whether a queue is inactive (the fixture's active: false); an inactive
-- queue receives no transfers.
ALTER TABLE queues ADD COLUMN inactive INTEGER NOT NULL DEFAULT 0;

-- The queues a user may transfer activities to (the fixture's
-- transferActivitiesToQueues), a JSON list of IDs.
ALTER TABLE users ADD COLUMN transfer_to_queues TEXT NOT NULL DEFAULT '[]';
