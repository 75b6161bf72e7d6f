-- Timestamps are INTEGER Unix milliseconds, UTC. Column names are a contract with operators (sqlite3) and the
-- lead queries: extend, never rename.

CREATE TABLE workspaces (
    id              INTEGER PRIMARY KEY,
    phone_number_id TEXT    NOT NULL UNIQUE,
    display_name    TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE contacts (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id),
    phone_e164          TEXT,
    bsuid               TEXT,
    username            TEXT,
    username_updated_at INTEGER,
    wa_id               TEXT,
    -- event time of the business-scoped id in bsuid; each field is last-writer-wins by its own event time
    identity_updated_at INTEGER,
    profile_name        TEXT,
    profile_updated_at  INTEGER,
    marketing_status    TEXT,
    marketing_sequence  INTEGER,
    last_activity_at    INTEGER,
    last_contact_at     INTEGER,
    last_inbound_at     INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE UNIQUE INDEX ux_contacts_phone ON contacts (workspace_id, phone_e164) WHERE phone_e164 IS NOT NULL;
CREATE INDEX ix_contacts_activity ON contacts (workspace_id, last_activity_at);
CREATE INDEX ix_contacts_contact ON contacts (workspace_id, last_contact_at);

-- Every identity a person was ever seen with (E.164 phone, current and previous business-scoped ids) points at
-- one contact, so events carrying any of them, in any order, land on the same lead.
CREATE TABLE contact_identities (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    identity     TEXT    NOT NULL,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (workspace_id, identity)
) WITHOUT ROWID;

CREATE INDEX ix_contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    contact_id   INTEGER NOT NULL REFERENCES contacts (id),
    wamid        TEXT    NOT NULL UNIQUE,
    direction    TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    type         TEXT,
    body         TEXT,
    status       TEXT,
    status_rank  INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    -- 1 once a whatsapp.message.sent was applied: only those count as our outreach.
    outreach     INTEGER NOT NULL DEFAULT 0,
    occurred_at  INTEGER NOT NULL,
    received_at  INTEGER NOT NULL
);

CREATE INDEX ix_messages_contact ON messages (contact_id, occurred_at);

-- "Needs follow-up": they wrote after our last outreach. A partial index holds exactly those leads.
CREATE INDEX ix_contacts_follow_up ON contacts (workspace_id, last_inbound_at)
    WHERE last_inbound_at > COALESCE(last_contact_at, 0);
