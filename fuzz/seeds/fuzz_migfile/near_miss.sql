-- revision: 3f9a1c2b7d10
-- revises: base
-- colour: blue
--+up
SELECT 1;
-- +Down
SELECT 2;
