-- Transactions with N legs (ADR 0017). A transaction is the header of 2 to 100 entries (its legs) in one currency that
-- sum to zero; a transfer is the two-leg case, and every transfer posted before this migration becomes a transaction
-- here, with its entries unchanged. From this version on the one posting procedure (ledger_post_transactions) writes
-- transactions and entries; the transfers table stays as it was, append-only, as the record of what was posted
-- before, and is no longer written by this version.
--
-- legs is how many entries the transaction has (the idempotency check and the integrity check compare against it).
-- reversal_of links a compensating transaction to the one it reverses; the unique key allows at most one reversal
-- per transaction. No index by account: an account's transactions are found through its entries (primary key
-- (account_id, account_version)), so a posting maintains only the primary key and the unique key here.
CREATE TABLE IF NOT EXISTS transactions (
    id               BINARY(16) NOT NULL,
    currency         CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    legs             TINYINT UNSIGNED NOT NULL,
    client_timestamp DATETIME(6) NULL,
    posted_at        DATETIME(6) NOT NULL,
    posted_by        VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    correlation_id   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    reference        VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    reversal_of      BINARY(16) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_transactions_reversal_of (reversal_of),
    CONSTRAINT fk_transactions_currency FOREIGN KEY (currency) REFERENCES currencies (code),
    CONSTRAINT fk_transactions_reversal_of FOREIGN KEY (reversal_of) REFERENCES transactions (id),
    CONSTRAINT ck_transactions_legs CHECK (legs BETWEEN 2 AND 100)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Append-only, as transfers and entries (0008).
DROP TRIGGER IF EXISTS trg_transactions_no_update;
CREATE TRIGGER trg_transactions_no_update BEFORE UPDATE ON transactions FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'transactions is append-only: rows cannot be updated', MYSQL_ERRNO = 50100;
DROP TRIGGER IF EXISTS trg_transactions_no_delete;
CREATE TRIGGER trg_transactions_no_delete BEFORE DELETE ON transactions FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'transactions is append-only: rows cannot be deleted', MYSQL_ERRNO = 50100;

-- During a rolling upgrade the previous version's pods still post through their own procedures, which write a
-- transfers row and then its two entries. This trigger writes the transaction those entries now need, so those posts
-- keep working until the last old pod is gone (ADR 0017, "Upgrading").
DROP TRIGGER IF EXISTS trg_transfers_to_transactions;
CREATE TRIGGER trg_transfers_to_transactions AFTER INSERT ON transfers FOR EACH ROW
    INSERT INTO transactions (id, currency, legs, client_timestamp, posted_at, posted_by, correlation_id, reference, reversal_of)
    VALUES (NEW.id, NEW.currency, 2, NEW.client_timestamp, NEW.posted_at, NEW.posted_by, NEW.correlation_id, NEW.reference,
            NEW.reversal_of);

-- History kept: every transfer is a two-leg transaction with the same id. The bridge above is in place first, so a
-- transfer an old pod commits while this runs is in transactions either way: written by the trigger (and skipped
-- here), or, when it commits after this statement began, held back by the statement's shared locks on transfers until
-- it is done and then written by the trigger. The keys are not checked row by row while copying: a reversal's
-- posted_at came from the clock of the pod that posted it and may be earlier than its original's, so no order of the
-- rows is sure to find each original first; fk_transfers_reversal_of already guarantees every original is among the
-- rows copied.
SET @ledger_saved_fk_checks = @@SESSION.foreign_key_checks;
SET SESSION foreign_key_checks = 0;
INSERT INTO transactions (id, currency, legs, client_timestamp, posted_at, posted_by, correlation_id, reference, reversal_of)
SELECT t.id, t.currency, 2, t.client_timestamp, t.posted_at, t.posted_by, t.correlation_id, t.reference, t.reversal_of
  FROM transfers t
 WHERE NOT EXISTS (SELECT 1 FROM transactions x WHERE x.id = t.id)
 ORDER BY t.posted_at, t.id
  LOCK IN SHARE MODE;
SET SESSION foreign_key_checks = @ledger_saved_fk_checks;

-- The entries' transaction key now points at transactions. The column keeps its name transfer_id (it holds the
-- transaction id): a pod of the previous version, still running during a rolling upgrade, reads and writes it by
-- that name. Every entry's transfer is in transactions now, so the new key holds; it is added without re-checking
-- the rows (with the checks off the server builds it in place instead of copying the table). This is the script's last
-- statement, so a run that failed before it can simply run again (every statement before it may be repeated).
SET SESSION foreign_key_checks = 0;
ALTER TABLE entries
    DROP FOREIGN KEY fk_entries_transfer,
    ADD CONSTRAINT fk_entries_transaction FOREIGN KEY (transfer_id) REFERENCES transactions (id);
SET SESSION foreign_key_checks = @ledger_saved_fk_checks;
