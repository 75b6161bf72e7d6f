-- WhatsApp's customer service window: we may write freely until 24 h after the lead's latest message
-- (last_inbound_at + 24 h, derived where it is read). A free-form send after that fails with Meta's error 131047;
-- template_required_at keeps the time of the latest such failed send, so "needs a template" is
-- template_required_at > last_inbound_at: true until they write again, whatever order the events came in.
ALTER TABLE contacts ADD COLUMN template_required_at INTEGER;

-- Failed 131047 sends are few: a partial index holds only them, so re-deriving the time after a merge or a late
-- status is one seek (ContactUpdates.RecomputeTimes), and other messages pay nothing but the check.
CREATE INDEX ix_messages_template_required ON messages (contact_id, occurred_at)
    WHERE status = 'failed' AND error GLOB '131047[^0-9]*';

UPDATE contacts SET template_required_at = (
    SELECT MAX(occurred_at) FROM messages m
    WHERE m.contact_id = contacts.id AND m.status = 'failed' AND m.error GLOB '131047[^0-9]*');
