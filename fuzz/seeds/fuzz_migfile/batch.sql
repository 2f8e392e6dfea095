-- revision: 7c1d2e3f4a5b
-- revises: base

-- +batch
UPDATE users SET plan = 'free' WHERE id > :last AND id <= :next;

-- +down
