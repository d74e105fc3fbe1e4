-- Posts one transfer (see ledger_apply_transfer for the rules and the status numbers) and returns one row: status,
-- replayed, and for status 0 (posted) and 1 (replayed) the transfer's columns; for status 0 also both accounts' new
-- balances and versions. Must be called inside a transaction (READ COMMITTED): the caller rolls back on status 7
-- (version conflict) and retries, and commits otherwise (a posting, a refusal recorded under its id, or nothing).
DROP PROCEDURE IF EXISTS ledger_post_transfer;
DELIMITER $$
CREATE PROCEDURE ledger_post_transfer(
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
    IN p_posted_at        DATETIME(6))
    MODIFIES SQL DATA
BEGIN
    DECLARE v_status, v_replayed TINYINT UNSIGNED;
    DECLARE v_source_balance, v_source_version, v_destination_balance, v_destination_version BIGINT;

    CALL ledger_apply_transfer(p_id, p_source, p_destination, p_amount, p_currency, p_client_timestamp, p_reference,
                               p_reversal_of, p_posted_by, p_correlation_id, p_posted_at,
                               v_status, v_replayed, v_source_balance, v_source_version,
                               v_destination_balance, v_destination_version);

    IF v_status IN (0, 1) THEN
        SELECT v_status AS status, v_replayed AS replayed,
               t.id, t.source_account_id, t.destination_account_id, t.amount, t.currency, c.minor_units,
               t.client_timestamp, t.posted_at, t.posted_by, t.correlation_id, t.reference, t.reversal_of,
               v_source_balance AS source_balance, v_source_version AS source_version,
               v_destination_balance AS destination_balance, v_destination_version AS destination_version
          FROM transfers t
          JOIN currencies c ON c.code = t.currency
         WHERE t.id = p_id;
    ELSE
        SELECT v_status AS status, v_replayed AS replayed;
    END IF;
END$$
DELIMITER ;
