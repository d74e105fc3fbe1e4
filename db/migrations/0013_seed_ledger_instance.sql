-- The ledger's identity, made once: 128 random bits as 32 hex digits. With binary logging, replicas receive the
-- row as written only under binlog_format ROW or MIXED (the default of MySQL 8.0, RDS and MariaDB); under STATEMENT a
-- replica would draw an id of its own.
INSERT INTO ledger_instance (singleton, id, created_at)
VALUES (1, LOWER(HEX(RANDOM_BYTES(16))), UTC_TIMESTAMP(6));
