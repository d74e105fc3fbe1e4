-- The ledger's identity: one row (0013 makes it), whose id is part of every key of the Redis balance cache
-- ({KeyPrefix}{id}:{<account>}:balance). Two ledgers (two databases) that share one Redis and one key prefix therefore
-- never read each other's balances. The application reads the id (SELECT) and never writes it. A copy of the
-- database (a restore beside the original, a staging copy) carries the same id: give the copy a new one
-- (db/README.md, "The ledger's identity") before it shares a Redis with the original.
CREATE TABLE ledger_instance (
    singleton  TINYINT UNSIGNED NOT NULL DEFAULT 1,
    id         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (singleton),
    CONSTRAINT ck_ledger_instance_one_row CHECK (singleton = 1),
    -- The id sits in front of the cache key's hash tag: no braces, no colons, nothing a key pattern would trip on.
    CONSTRAINT ck_ledger_instance_id CHECK (id REGEXP '^[A-Za-z0-9._-]{1,64}$')
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
