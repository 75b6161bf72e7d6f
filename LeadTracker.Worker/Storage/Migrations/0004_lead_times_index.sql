-- A lead's times are re-derived from its messages whenever one of its rows changes (ContactRows.RecomputeTimes).
-- With only (contact_id, occurred_at) that read every message of the lead: a lead with 100,000 messages cost
-- 100,000 rows per status update. With the direction in the key each time is one index seek from the end.
CREATE INDEX ix_messages_contact_direction ON messages (contact_id, direction, occurred_at);

-- The new index serves every lookup by contact the old one did (a lead's messages, a merge moving them); keeping
-- both would cost every new message one more insert at a random place in a large index.
DROP INDEX ix_messages_contact;
