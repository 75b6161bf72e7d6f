-- Alerts that come to the team (docs/alerts.md). An alert is found by a scan of ix_contacts_follow_up
-- (Alerts/AlertScan.cs) and written once: its id is derived from the workspace, the kind and the lead's latest
-- inbound message (Alerts/AlertId.cs), and rows go in with INSERT OR IGNORE, so a rescan, a retry or a restart
-- never makes a second one. The body is kept as sent: every attempt and every replay sends the same bytes.
CREATE TABLE alerts (
    id            TEXT    PRIMARY KEY,
    kind          TEXT    NOT NULL,
    contact_id    INTEGER NOT NULL,
    workspace     TEXT    NOT NULL,
    inbound_wamid TEXT    NOT NULL,
    inbound_at    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    body          TEXT    NOT NULL
) WITHOUT ROWID;

-- The scan skips a lead whose latest message already has its alert of that kind: one seek per candidate.
CREATE INDEX ix_alerts_contact ON alerts (contact_id, inbound_at, kind);

-- One delivery per alert and endpoint (endpoint: a hash of its URL, Alerts/AlertEndpoint.cs; the URL itself can
-- hold a token and stays in the configuration). status: pending | sent | failed | cancelled.
CREATE TABLE alert_deliveries (
    alert_id        TEXT    NOT NULL REFERENCES alerts (id),
    endpoint        TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_result     TEXT,
    sent_at         INTEGER,
    PRIMARY KEY (alert_id, endpoint)
) WITHOUT ROWID;

-- The delivery loop's question, "what is due now?", and the pending count and age: a range of pending rows only.
CREATE INDEX ix_alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';

-- An endpoint that answered 410 Gone is disabled here, so a restart does not send to it again.
CREATE TABLE alert_endpoints (
    endpoint        TEXT    PRIMARY KEY,
    disabled_at     INTEGER,
    disabled_reason TEXT
) WITHOUT ROWID;
