-- Refusals that depend on the ledger's state are final for their transaction id (ADR 0007), now for transactions of
-- any number of legs. legs is the requested legs as text, the canonical form the posting procedure compares a retry
-- with: 'account:amount' per leg, amounts in major units with four decimals as requested, sorted by account id
-- (byte order), joined by commas; NULL for a reversal (its legs are derived from the transaction it reverses).
-- account names the account the refusal is about (unknown, short of funds, out of range; NULL for a currency
-- mismatch). The refusals recorded before this migration are copied with their two legs.
CREATE TABLE transaction_rejections (
    id               BINARY(16) NOT NULL,
    currency         CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
    legs             TEXT CHARACTER SET ascii COLLATE ascii_bin NULL,
    client_timestamp DATETIME(6) NULL,
    reference        VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    reversal_of      BINARY(16) NULL,
    status           TINYINT UNSIGNED NOT NULL,
    account          VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    rejected_at      DATETIME(6) NOT NULL,
    rejected_for     VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    correlation_id   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;


DROP TRIGGER IF EXISTS trg_transaction_rejections_no_update;
CREATE TRIGGER trg_transaction_rejections_no_update BEFORE UPDATE ON transaction_rejections FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'transaction_rejections is append-only: rows cannot be updated', MYSQL_ERRNO = 50100;
DROP TRIGGER IF EXISTS trg_transaction_rejections_no_delete;
CREATE TRIGGER trg_transaction_rejections_no_delete BEFORE DELETE ON transaction_rejections FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'transaction_rejections is append-only: rows cannot be deleted', MYSQL_ERRNO = 50100;

-- During a rolling upgrade the previous version's pods still record refusals in transfer_rejections; this trigger
-- copies each one here, where this version looks (ADR 0017, "Upgrading").
DROP TRIGGER IF EXISTS trg_transfer_rejections_to_transaction_rejections;
CREATE TRIGGER trg_transfer_rejections_to_transaction_rejections AFTER INSERT ON transfer_rejections FOR EACH ROW
    INSERT INTO transaction_rejections (id, currency, legs, client_timestamp, reference, reversal_of, status, account,
                                        rejected_at, rejected_for, correlation_id)
    VALUES (NEW.id, NEW.currency,
            CASE WHEN NEW.reversal_of IS NOT NULL THEN NULL
                 WHEN NEW.source_account_id < NEW.destination_account_id
                     THEN CONCAT(NEW.source_account_id, ':', -NEW.amount, ',', NEW.destination_account_id, ':', NEW.amount)
                 ELSE CONCAT(NEW.destination_account_id, ':', NEW.amount, ',', NEW.source_account_id, ':', -NEW.amount) END,
            NEW.client_timestamp, NEW.reference, NEW.reversal_of, NEW.status,
            CASE NEW.status WHEN 3 THEN NEW.source_account_id WHEN 6 THEN NEW.source_account_id
                            WHEN 4 THEN NEW.destination_account_id WHEN 14 THEN NEW.destination_account_id END,
            NEW.rejected_at, NEW.rejected_for, NEW.correlation_id);

-- The refusals recorded before this migration, after the bridge is in place (as in 0014).
INSERT INTO transaction_rejections (id, currency, legs, client_timestamp, reference, reversal_of, status, account,
                                    rejected_at, rejected_for, correlation_id)
SELECT id, currency,
       CASE WHEN reversal_of IS NOT NULL THEN NULL
            WHEN source_account_id < destination_account_id
                THEN CONCAT(source_account_id, ':', -amount, ',', destination_account_id, ':', amount)
            ELSE CONCAT(destination_account_id, ':', amount, ',', source_account_id, ':', -amount) END,
       client_timestamp, reference, reversal_of, status,
       CASE status WHEN 3 THEN source_account_id WHEN 6 THEN source_account_id
                   WHEN 4 THEN destination_account_id WHEN 14 THEN destination_account_id END,
       rejected_at, rejected_for, correlation_id
  FROM transfer_rejections r
 WHERE NOT EXISTS (SELECT 1 FROM transaction_rejections x WHERE x.id = r.id)
  LOCK IN SHARE MODE;
