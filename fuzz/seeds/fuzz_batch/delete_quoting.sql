DELETE FROM ONLY app."Log" l WHERE l.id > :last AND l.id <= :next AND at < now() - $$1 day :last$$::interval -- :next
/* :last /* */ */