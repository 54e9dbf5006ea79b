-- Customer search (docs/operations/search-customers.md) and the details of
-- created customers. Keep in step with the other engine's file.
--
-- A customer's custom attributes (a JSON object of value lists, like those
-- of cases), its further details (role, pin, level, industry, ...) and a
-- contact's (salutation, middle name, ...) as JSON objects of strings;
-- name_key is the name in lower case, computed in Go like the contact
-- point keys, for the case-insensitive name search.
ALTER TABLE customers ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
ALTER TABLE customers ADD COLUMN custom_attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
UPDATE customers SET name_key = lower(name);
CREATE INDEX customers_created ON customers (created);

-- The phone matcher: every digit form a phone contact point is found by
-- (its number; area code and number; country code, area code and number;
-- each with the extension appended), written with the point, so a search
-- by phone is one index lookup, never a scan of the contact points. The
-- forms of points stored before this migration are filled in by the
-- store when it applies it.
CREATE TABLE phone_keys (
    digits           TEXT    NOT NULL,
    contact_point_id BIGINT NOT NULL REFERENCES contact_points (id) ON DELETE CASCADE,
    customer_id      BIGINT NOT NULL,
    PRIMARY KEY (digits, contact_point_id)
);
CREATE INDEX phone_keys_contact_point ON phone_keys (contact_point_id);
