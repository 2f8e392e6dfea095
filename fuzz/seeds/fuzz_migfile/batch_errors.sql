-- revision: 7c1d2e3f4a5b
-- revises: base
-- +up
-- +batch
UPDATE t SET c = <value> WHERE id > :last AND id <= :next;
-- +down
-- +batch
