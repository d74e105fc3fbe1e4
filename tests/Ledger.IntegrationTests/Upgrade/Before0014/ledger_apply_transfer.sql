-- The posting rules for one transfer, shared by ledger_post_transfer (one transfer per call) and
-- ledger_post_transfers (a batch per call). It returns its outcome in OUT parameters and selects nothing.
-- It must run inside a transaction (READ COMMITTED); the caller commits or rolls back.
--
-- Nothing is locked while checking: each balance UPDATE is guarded by the version read, and the two accounts are
-- updated in byte order of their ids, so opposing transfers cannot deadlock. A batch (ledger_post_transfers) locks
-- all its accounts first, in the same order. Two posts of one id at once (a client's retry while the first is in
-- flight) end with one outcome: a posting checks for a refusal of its id after its updates, and a refusal locks the
-- accounts and checks for a posting before it is recorded; either way the later one retries and replays the first.
--
-- p_amount is in major units, as the caller gave it; it is converted here, exactly, to minor units of the accounts'
-- currency (the currency is known only here when the caller leaves it out). Every stored amount is an integer in
-- minor units. Text parameters carry explicit character sets and binary collations: ids, currencies and references
-- compare byte for byte (never case-insensitively), whatever the database's default collation.
-- p_reversal_of, when set, makes this the reversal of that transfer: it must mirror it (accounts swapped, same
-- amount), and a transfer is reversed at most once.
--
-- o_status (stable numbers, checked in this order):
--   1 replayed: a transfer with this id exists with the same content, posted by the same p_posted_by
--   2 idempotency conflict: a transfer (or a recorded refusal) with this id exists with different content, or was
--     posted by another (an id is answered only to whoever posted it: another key learns nothing of it)
--   3 source account not found          4 destination account not found
--  11 the transfer to reverse does not exist     12 that transfer has been reversed already
--   5 currency mismatch (between the accounts, or with p_currency)
--   8 amount has more fraction digits than the currency allows
--  13 a reversal that does not mirror the transfer it reverses
--   6 insufficient funds: the debit would take the source below -overdraft_limit
--  14 balance out of range: the credit would take the destination above the largest balance a BIGINT holds
--   7 version conflict: another writer changed an account since it was read; roll back and retry
--   0 posted: o_source_* and o_destination_* hold both accounts' new balances and versions
-- Statuses 3, 4, 5, 6 and 14 depend on the ledger's state; they are recorded in transfer_rejections (the caller
-- commits them) and a retry with the same id and content gets the same status again with o_replayed = 1.
DROP PROCEDURE IF EXISTS ledger_apply_transfer;
DELIMITER $$
CREATE PROCEDURE ledger_apply_transfer(
    IN p_id               BINARY(16),
    IN p_source           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_destination      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_amount           DECIMAL(18, 4),
    IN p_currency         CHAR(3) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_client_timestamp DATETIME(6),
    IN p_reference        VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_reversal_of      BINARY(16),
    IN p_posted_by        VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_correlation_id   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_posted_at        DATETIME(6),
    OUT o_status              TINYINT UNSIGNED,
    OUT o_replayed            TINYINT UNSIGNED,
    OUT o_source_balance      BIGINT,
    OUT o_source_version      BIGINT,
    OUT o_destination_balance BIGINT,
    OUT o_destination_version BIGINT)
    MODIFIES SQL DATA
proc: BEGIN
    DECLARE v_status TINYINT UNSIGNED DEFAULT 0;
    DECLARE v_src_currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin DEFAULT NULL;
    DECLARE v_dst_currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin DEFAULT NULL;
    DECLARE v_src_balance, v_src_limit, v_src_version BIGINT DEFAULT NULL;
    DECLARE v_dst_balance, v_dst_version BIGINT DEFAULT NULL;
    DECLARE v_minor_units TINYINT UNSIGNED DEFAULT NULL;
    DECLARE v_scaled DECIMAL(24, 4);
    DECLARE v_amount BIGINT;
    DECLARE v_rows INT;
    DECLARE v_original_source, v_original_destination VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin DEFAULT NULL;
    DECLARE v_original_amount BIGINT DEFAULT NULL;

    SET o_status = NULL, o_replayed = 0, o_source_balance = NULL, o_source_version = NULL,
        o_destination_balance = NULL, o_destination_version = NULL;

    -- Idempotency first: a known id answers with its first outcome, whatever the accounts look like now.
    -- (Aggregates always return a row, so no lookup here raises NOT FOUND into a caller's handler.)
    SELECT MAX(CASE
                   WHEN t.source_account_id = p_source
                    AND t.destination_account_id = p_destination
                    AND t.amount = p_amount * CASE c.minor_units WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100
                                                                  WHEN 3 THEN 1000 ELSE 10000 END
                    AND (p_currency IS NULL OR t.currency = p_currency)
                    AND t.client_timestamp <=> p_client_timestamp
                    AND t.reference <=> p_reference
                    AND t.reversal_of <=> p_reversal_of
                    AND t.posted_by <=> p_posted_by
                   THEN 1 ELSE 2 END)
      INTO o_status
      FROM transfers t
      JOIN currencies c ON c.code = t.currency
     WHERE t.id = p_id;
    IF o_status IS NOT NULL THEN
        SET o_replayed = 1;
        LEAVE proc;
    END IF;

    SELECT MAX(CASE
                   WHEN r.source_account_id = p_source
                    AND r.destination_account_id = p_destination
                    AND r.amount = p_amount
                    AND (p_currency IS NULL OR r.currency IS NULL OR r.currency = p_currency)
                    AND r.client_timestamp <=> p_client_timestamp
                    AND r.reference <=> p_reference
                    AND r.reversal_of <=> p_reversal_of
                    AND r.rejected_for <=> p_posted_by
                   THEN r.status ELSE 2 END)
      INTO o_status
      FROM transfer_rejections r
     WHERE r.id = p_id;
    IF o_status IS NOT NULL THEN
        SET o_replayed = 1;
        LEAVE proc;
    END IF;

    checks: BEGIN
        -- Both accounts and their currency in one read (no locks: the updates below are guarded by these versions).
        SELECT MAX(CASE WHEN a.id = p_source THEN a.currency END),
               MAX(CASE WHEN a.id = p_source THEN a.balance END),
               MAX(CASE WHEN a.id = p_source THEN a.overdraft_limit END),
               MAX(CASE WHEN a.id = p_source THEN a.version END),
               MAX(CASE WHEN a.id = p_source THEN c.minor_units END),
               MAX(CASE WHEN a.id = p_destination THEN a.currency END),
               MAX(CASE WHEN a.id = p_destination THEN a.balance END),
               MAX(CASE WHEN a.id = p_destination THEN a.version END)
          INTO v_src_currency, v_src_balance, v_src_limit, v_src_version, v_minor_units,
               v_dst_currency, v_dst_balance, v_dst_version
          FROM accounts a
          JOIN currencies c ON c.code = a.currency
         WHERE a.id IN (p_source, p_destination);
        IF v_src_currency IS NULL THEN
            SET v_status = 3;
            LEAVE checks;
        END IF;
        IF v_dst_currency IS NULL THEN
            SET v_status = 4;
            LEAVE checks;
        END IF;

        IF p_reversal_of IS NOT NULL THEN
            SELECT MAX(source_account_id), MAX(destination_account_id), MAX(amount)
              INTO v_original_source, v_original_destination, v_original_amount
              FROM transfers WHERE id = p_reversal_of;
            IF v_original_source IS NULL THEN
                SET v_status = 11;
                LEAVE checks;
            END IF;
            IF EXISTS (SELECT 1 FROM transfers WHERE reversal_of = p_reversal_of) THEN
                -- Reversed meanwhile by this very id (a concurrent retry committed after the idempotency check):
                -- roll back, and the retry replays it.
                SET v_status = IF(EXISTS (SELECT 1 FROM transfers WHERE id = p_id), 7, 12);
                LEAVE checks;
            END IF;
        END IF;

        IF v_src_currency <> v_dst_currency OR (p_currency IS NOT NULL AND p_currency <> v_src_currency) THEN
            SET v_status = 5;
            LEAVE checks;
        END IF;

        SET v_scaled = p_amount * CASE v_minor_units WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100
                                                     WHEN 3 THEN 1000 ELSE 10000 END;
        IF v_scaled <> TRUNCATE(v_scaled, 0) OR v_scaled <= 0 THEN
            SET v_status = 8;
            LEAVE checks;
        END IF;
        SET v_amount = CAST(v_scaled AS SIGNED);

        IF p_reversal_of IS NOT NULL
           AND (v_original_source <> p_destination OR v_original_destination <> p_source OR v_original_amount <> v_amount) THEN
            SET v_status = 13;
            LEAVE checks;
        END IF;

        IF v_src_balance - v_amount < -v_src_limit THEN
            SET v_status = 6;
            LEAVE checks;
        END IF;
        -- Written so that the check itself cannot overflow (v_amount > 0).
        IF v_dst_balance > 9223372036854775807 - v_amount THEN
            SET v_status = 14;
            LEAVE checks;
        END IF;

        -- Guarded updates in a fixed order. Zero rows means another writer won: nothing of this call may stay,
        -- so the caller rolls back (the first update may already have been applied).
        IF CAST(p_source AS BINARY) < CAST(p_destination AS BINARY) THEN
            UPDATE accounts SET balance = balance - v_amount, version = version + 1, updated_at = p_posted_at
             WHERE id = p_source AND version = v_src_version;
            SET v_rows = ROW_COUNT();
            IF v_rows = 1 THEN
                UPDATE accounts SET balance = balance + v_amount, version = version + 1, updated_at = p_posted_at
                 WHERE id = p_destination AND version = v_dst_version;
                SET v_rows = ROW_COUNT();
            END IF;
        ELSE
            UPDATE accounts SET balance = balance + v_amount, version = version + 1, updated_at = p_posted_at
             WHERE id = p_destination AND version = v_dst_version;
            SET v_rows = ROW_COUNT();
            IF v_rows = 1 THEN
                UPDATE accounts SET balance = balance - v_amount, version = version + 1, updated_at = p_posted_at
                 WHERE id = p_source AND version = v_src_version;
                SET v_rows = ROW_COUNT();
            END IF;
        END IF;
        IF v_rows <> 1 THEN
            SET v_status = 7;
            LEAVE checks;
        END IF;
        -- A post of the same id that was refused meanwhile (it held these accounts' locks until it committed):
        -- roll back, and the retry answers that refusal.
        IF EXISTS (SELECT 1 FROM transfer_rejections WHERE id = p_id) THEN
            SET v_status = 7;
            LEAVE checks;
        END IF;

        SET v_src_balance = v_src_balance - v_amount, v_src_version = v_src_version + 1,
            v_dst_balance = v_dst_balance + v_amount, v_dst_version = v_dst_version + 1;

        INSERT INTO transfers (id, source_account_id, destination_account_id, amount, currency, client_timestamp,
                               posted_at, posted_by, correlation_id, reference, reversal_of)
        VALUES (p_id, p_source, p_destination, v_amount, v_src_currency, p_client_timestamp,
                p_posted_at, p_posted_by, p_correlation_id, p_reference, p_reversal_of);

        INSERT INTO entries (account_id, account_version, transfer_id, amount, balance_after, posted_at)
        VALUES (p_source, v_src_version, p_id, -v_amount, v_src_balance, p_posted_at),
               (p_destination, v_dst_version, p_id, v_amount, v_dst_balance, p_posted_at);

        INSERT INTO outbox (account_id, version, balance, created_at)
        VALUES (p_source, v_src_version, v_src_balance, p_posted_at),
               (p_destination, v_dst_version, v_dst_balance, p_posted_at);
    END checks;

    IF v_status IN (3, 4, 5, 6, 14) THEN
        -- A refusal is final for its id, so it is recorded only under the locks of the accounts: a post of the same
        -- id in flight holds them until it commits, and one that committed is seen now (then roll back and retry,
        -- which replays it).
        SELECT COUNT(*) INTO v_rows FROM accounts WHERE id IN (p_source, p_destination) FOR UPDATE;
        IF EXISTS (SELECT 1 FROM transfers WHERE id = p_id) THEN
            SET v_status = 7;
        END IF;
    END IF;

    SET o_status = v_status;
    IF v_status IN (3, 4, 5, 6, 14) THEN
        INSERT INTO transfer_rejections (id, source_account_id, destination_account_id, amount, currency,
                                         client_timestamp, reference, reversal_of, status, rejected_at,
                                         rejected_for, correlation_id)
        VALUES (p_id, p_source, p_destination, p_amount, COALESCE(p_currency, v_src_currency), p_client_timestamp,
                p_reference, p_reversal_of, v_status, p_posted_at, p_posted_by, p_correlation_id);
    ELSEIF v_status = 0 THEN
        SET o_source_balance = v_src_balance, o_source_version = v_src_version,
            o_destination_balance = v_dst_balance, o_destination_version = v_dst_version;
    END IF;
END$$
DELIMITER ;
