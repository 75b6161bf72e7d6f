-- Search by name, username or phone digits (read API, page): a trigram full-text index, so a substring of three
-- or more characters is found (any case, with or without accents) through the index rather than by scanning every contact. Its rowid is the
-- contact's id. `names` holds profile name and username; `phone` the E.164 number's digits, so a query typed in
-- any format ("+1 (555) 010-0123", "555 0100123") matches once it is reduced to its digits.
-- remove_diacritics: "lopez" finds "López", as a person typing on a phone expects.
CREATE VIRTUAL TABLE lead_search USING fts5 (names, phone, tokenize = 'trigram remove_diacritics 1');

INSERT INTO lead_search (rowid, names, phone)
SELECT id, TRIM(COALESCE(profile_name, '') || ' ' || COALESCE(username, '')), REPLACE(COALESCE(phone_e164, ''), '+', '')
FROM contacts;

-- Kept in step by triggers, in the writer's own transaction. The update trigger fires only when a searched field
-- really changed (most events leave them as they are), so the hot path pays one comparison per event.
CREATE TRIGGER lead_search_update AFTER UPDATE OF profile_name, username, phone_e164 ON contacts
WHEN old.profile_name IS NOT new.profile_name OR old.username IS NOT new.username
  OR old.phone_e164 IS NOT new.phone_e164
BEGIN
    DELETE FROM lead_search WHERE rowid = new.id;
    INSERT INTO lead_search (rowid, names, phone)
    VALUES (new.id, TRIM(COALESCE(new.profile_name, '') || ' ' || COALESCE(new.username, '')),
            REPLACE(COALESCE(new.phone_e164, ''), '+', ''));
END;

-- A merge deletes the contacts it folded into another one.
CREATE TRIGGER lead_search_delete AFTER DELETE ON contacts
BEGIN
    DELETE FROM lead_search WHERE rowid = old.id;
END;
