-- Lead source: the click-to-WhatsApp ad or page button that brought the lead. Meta puts a `referral` object on the
-- first message after the click; the message row keeps it as received (JSON), and the lead's source is the
-- referral of its earliest message that has one (ties by wamid), re-derived from the rows like the lead's times
-- (ContactUpdates.RecomputeSource), so any order of events and a later merge give the same source.
ALTER TABLE messages ADD COLUMN referral TEXT;

-- Only messages with a referral, which are few: the lead's first one is one seek.
CREATE INDEX ix_messages_referral ON messages (contact_id, occurred_at, wamid) WHERE referral IS NOT NULL;

ALTER TABLE contacts ADD COLUMN source_at INTEGER;
ALTER TABLE contacts ADD COLUMN source_type TEXT;
ALTER TABLE contacts ADD COLUMN source_id TEXT;
ALTER TABLE contacts ADD COLUMN source_url TEXT;
ALTER TABLE contacts ADD COLUMN source_headline TEXT;
ALTER TABLE contacts ADD COLUMN source_body TEXT;
ALTER TABLE contacts ADD COLUMN source_media_type TEXT;
ALTER TABLE contacts ADD COLUMN source_image_url TEXT;
ALTER TABLE contacts ADD COLUMN source_ctwa_clid TEXT;

-- Search by an ad's id (GET /api/leads?source=…) and the counts' breakdown by source, per workspace.
CREATE INDEX ix_contacts_source ON contacts (workspace_id, source_id) WHERE source_id IS NOT NULL;
