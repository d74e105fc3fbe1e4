-- (b) The same rules as a plain batch procedure: N transfers per call, one commit per call. A straightforward loop,
-- not set-wise: it locks every account of the batch in id order (one SELECT ... FOR UPDATE per account), then
-- applies the transfers one after another in the order given with baseline_apply_transfer, so each sees the
-- balances the earlier ones left. Locking the whole batch first, in one order, is what lets two batches over the
-- same accounts run one after the other instead of deadlocking.
--
-- p_batch is a JSON array of objects: i (transfer id, 32 hex digits), s and d (account ids), a (amount, a positive
-- integer in minor units), for example [{"i":"0190...","s":"alice","d":"bob","a":1250}]. The client calls it inside
-- a transaction and commits:
--     START TRANSACTION;
--     CALL baseline_post_transfers('[{"i":"...","s":"alice","d":"bob","a":1250}, ...]');
--     COMMIT;
-- Returns one row per transfer, in input order: n (1-based position), status, and for status 0 both accounts' new
-- balances and versions (baseline_apply_transfer).
DROP PROCEDURE IF EXISTS baseline_post_transfers;
DELIMITER $$
CREATE PROCEDURE baseline_post_transfers(IN p_batch LONGTEXT)
    MODIFIES SQL DATA
BEGIN
    DECLARE v_done TINYINT DEFAULT 0;
    DECLARE v_account VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin;
    DECLARE v_locked INT;
    DECLARE v_n INT;
    DECLARE v_id BINARY(16);
    DECLARE v_source, v_destination VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin;
    DECLARE v_amount BIGINT;
    DECLARE v_status TINYINT UNSIGNED;
    DECLARE v_source_balance, v_source_version, v_destination_balance, v_destination_version BIGINT;
    DECLARE c_accounts CURSOR FOR
        SELECT j.s FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                   s VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.s')) j
        UNION
        SELECT j.d FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                   d VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.d')) j
        ORDER BY 1;
    DECLARE c_transfers CURSOR FOR
        SELECT j.n, UNHEX(j.i), j.s, j.d, j.a FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                   n FOR ORDINALITY,
                   i CHAR(32) CHARACTER SET ascii PATH '$.i',
                   s VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.s',
                   d VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.d',
                   a BIGINT PATH '$.a')) j
         ORDER BY j.n;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = 1;

    -- The outcomes, returned at the end. A temporary table is private to the connection; a pooled connection may
    -- keep it between calls, so it is emptied rather than dropped.
    CREATE TEMPORARY TABLE IF NOT EXISTS baseline_outcomes (
        n                   INT NOT NULL PRIMARY KEY,
        status              TINYINT UNSIGNED NOT NULL,
        source_balance      BIGINT NULL,
        source_version      BIGINT NULL,
        destination_balance BIGINT NULL,
        destination_version BIGINT NULL
    ) ENGINE = MEMORY;
    DELETE FROM baseline_outcomes;

    -- 1. Lock every account of the batch, in id order. (COUNT(*) always returns a row, so an unknown account does
    -- not end the loop through the NOT FOUND handler.)
    OPEN c_accounts;
    lock_accounts: LOOP
        FETCH c_accounts INTO v_account;
        IF v_done THEN
            LEAVE lock_accounts;
        END IF;
        SELECT COUNT(*) INTO v_locked FROM accounts WHERE id = v_account FOR UPDATE;
    END LOOP;
    CLOSE c_accounts;

    -- 2. Apply the transfers in the order given.
    SET v_done = 0;
    OPEN c_transfers;
    apply_transfers: LOOP
        FETCH c_transfers INTO v_n, v_id, v_source, v_destination, v_amount;
        IF v_done THEN
            LEAVE apply_transfers;
        END IF;
        CALL baseline_apply_transfer(v_id, v_source, v_destination, v_amount, v_status,
                                     v_source_balance, v_source_version, v_destination_balance, v_destination_version);
        INSERT INTO baseline_outcomes VALUES (v_n, v_status, v_source_balance, v_source_version,
                                              v_destination_balance, v_destination_version);
    END LOOP;
    CLOSE c_transfers;

    SELECT n, status, source_balance, source_version, destination_balance, destination_version
      FROM baseline_outcomes ORDER BY n;
END$$
DELIMITER ;
