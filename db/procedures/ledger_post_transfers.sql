-- Posts a batch of transfers in one call and one transaction (group commit): the batcher of Ledger.Core sends every
-- transfer that arrived while the previous batch was being committed. Each transfer is applied or refused on its own,
-- by the same rules as a single post (ledger_apply_transfer), in the order given; a transfer later in the batch sees
-- the effects of the earlier ones (a repeated id in one batch is a replay).
--
-- p_batch is a JSON array of objects: i (id, 32 hex digits), s and d (account ids), a (amount in major units, as a
-- string), c (currency or null), t (client timestamp 'YYYY-MM-DD hh:mm:ss.ffffff' or null), r (reference or null),
-- v (id of the transfer reversed, 32 hex digits, or null), p (posted by), k (correlation id or null).
--
-- Before applying anything it locks every account of the batch, one at a time in byte order of the ids, so two
-- batches (from two replicas) wait for each other instead of deadlocking, and no version guard can fail midway;
-- if one does all the same, the procedure signals 50107 and the caller rolls back and retries the batch.
--
-- Returns one row per transfer, in input order: n (1-based position), status, replayed (as ledger_apply_transfer),
-- the new balances and versions for status 0, and the transfer's columns for status 0 and 1.
-- Must be called inside a transaction (READ COMMITTED); the caller commits.
DROP PROCEDURE IF EXISTS ledger_post_transfers;
DELIMITER $$
CREATE PROCEDURE ledger_post_transfers(IN p_batch LONGTEXT, IN p_posted_at DATETIME(6))
    MODIFIES SQL DATA
BEGIN
    DECLARE v_done TINYINT DEFAULT 0;
    DECLARE v_locked INT;
    DECLARE v_account VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin;
    DECLARE v_n INT;
    DECLARE v_id, v_reversal_of CHAR(32) CHARACTER SET ascii;
    DECLARE v_source, v_destination VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin;
    DECLARE v_amount DECIMAL(18, 4);
    DECLARE v_currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin;
    DECLARE v_client_timestamp DATETIME(6);
    DECLARE v_reference VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
    DECLARE v_posted_by VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
    DECLARE v_correlation_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
    DECLARE v_status, v_replayed TINYINT UNSIGNED;
    DECLARE v_source_balance, v_source_version, v_destination_balance, v_destination_version BIGINT;

    DECLARE accounts_in_order CURSOR FOR
        SELECT account FROM (
            SELECT jt.s AS account FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                s VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.s')) jt
            UNION
            SELECT jt.d FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                d VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.d')) jt
        ) a
        ORDER BY CAST(account AS BINARY);

    DECLARE transfers_in_order CURSOR FOR
        SELECT n, i, s, d, a, c, t, r, v, p, k
          FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                   n FOR ORDINALITY,
                   i CHAR(32) CHARACTER SET ascii PATH '$.i',
                   s VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.s',
                   d VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.d',
                   a DECIMAL(18, 4) PATH '$.a',
                   c CHAR(3) CHARACTER SET ascii COLLATE ascii_bin PATH '$.c',
                   t DATETIME(6) PATH '$.t',
                   r VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.r',
                   v CHAR(32) CHARACTER SET ascii PATH '$.v',
                   p VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.p',
                   k VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.k')) jt
         ORDER BY n;

    DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;

    -- A MEMORY temporary table lives as long as the connection and is private to it.
    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_batch_results (
        n                   INT NOT NULL PRIMARY KEY,
        id                  BINARY(16) NOT NULL,
        status              TINYINT UNSIGNED NOT NULL,
        replayed            TINYINT UNSIGNED NOT NULL,
        source_balance      BIGINT NULL,
        source_version      BIGINT NULL,
        destination_balance BIGINT NULL,
        destination_version BIGINT NULL
    ) ENGINE = MEMORY;
    DELETE FROM ledger_batch_results;

    OPEN accounts_in_order;
    lock_accounts: LOOP
        FETCH accounts_in_order INTO v_account;
        IF v_done = 1 THEN
            LEAVE lock_accounts;
        END IF;
        SELECT COUNT(*) INTO v_locked FROM accounts WHERE id = v_account FOR UPDATE;
    END LOOP;
    CLOSE accounts_in_order;

    SET v_done = 0;
    OPEN transfers_in_order;
    apply_transfers: LOOP
        FETCH transfers_in_order INTO v_n, v_id, v_source, v_destination, v_amount, v_currency, v_client_timestamp,
                                      v_reference, v_reversal_of, v_posted_by, v_correlation_id;
        IF v_done = 1 THEN
            LEAVE apply_transfers;
        END IF;

        CALL ledger_apply_transfer(UNHEX(v_id), v_source, v_destination, v_amount, v_currency, v_client_timestamp,
                                   v_reference, UNHEX(v_reversal_of), v_posted_by, v_correlation_id, p_posted_at,
                                   v_status, v_replayed, v_source_balance, v_source_version,
                                   v_destination_balance, v_destination_version);
        IF v_status = 7 THEN
            SIGNAL SQLSTATE '45000'
                SET MESSAGE_TEXT = 'ledger_post_transfers: a version guard failed while the batch held its locks',
                    MYSQL_ERRNO = 50107;
        END IF;

        INSERT INTO ledger_batch_results
        VALUES (v_n, UNHEX(v_id), v_status, v_replayed, v_source_balance, v_source_version,
                v_destination_balance, v_destination_version);
    END LOOP;
    CLOSE transfers_in_order;

    SELECT r.n, r.status, r.replayed, r.source_balance, r.source_version, r.destination_balance, r.destination_version,
           t.id, t.source_account_id, t.destination_account_id, t.amount, t.currency, c.minor_units,
           t.client_timestamp, t.posted_at, t.posted_by, t.correlation_id, t.reference, t.reversal_of
      FROM ledger_batch_results r
      LEFT JOIN transfers t ON t.id = r.id AND r.status IN (0, 1)
      LEFT JOIN currencies c ON c.code = t.currency
     ORDER BY r.n;
END$$
DELIMITER ;
