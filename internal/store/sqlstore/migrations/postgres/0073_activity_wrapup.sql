-- Wrap-up of activities (edit and complete): an activity's language, the
-- categories and resolution codes it was given, whether it awaits a
-- supervisor; a department may force categorisation and resolution codes
-- before its activities are completed. Lists are JSON text, as elsewhere.
ALTER TABLE activities ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE activities ADD COLUMN resolution_codes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE activities ADD COLUMN awaiting_supervision BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE departments ADD COLUMN force_categorization BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE departments ADD COLUMN force_resolution_code BOOLEAN NOT NULL DEFAULT FALSE;
