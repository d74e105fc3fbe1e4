-- The rules for one transfer, written once and called by both baseline procedures. Selects nothing; the outcome is
-- in the OUT parameters. Runs inside the caller's transaction, which the client commits (or rolls back on an error).
--
-- o_status: 0 posted (o_* hold both accounts' new balances and versions), 1 replayed (this id was posted with the
-- same accounts and amount), 2 idempotency conflict (this id was posted with other content), 3 source account not
-- found, 4 destination account not found, 6 insufficient funds (the debit would take the source below
-- -overdraft_limit). The numbers are Ledger's. A refusal is not recorded: a retry is decided again.
DROP PROCEDURE IF EXISTS baseline_apply_transfer;
DELIMITER $$
CREATE PROCEDURE baseline_apply_transfer(
    IN  p_id                  BINARY(16),
    IN  p_source              VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN  p_destination         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN  p_amount              BIGINT,
    OUT o_status              TINYINT UNSIGNED,
    OUT o_source_balance      BIGINT,
    OUT o_source_version      BIGINT,
    OUT o_destination_balance BIGINT,
    OUT o_destination_version BIGINT)
    MODIFIES SQL DATA
proc: BEGIN
    DECLARE v_overdraft_limit BIGINT;
    DECLARE v_same_content TINYINT;
    -- A missing account or transfer leaves its variables NULL (and no NOT FOUND reaches a caller's cursor handler).
    DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;

    SET o_status = NULL, o_source_balance = NULL, o_source_version = NULL,
        o_destination_balance = NULL, o_destination_version = NULL;

    -- 1. Lock both accounts, the smaller id first, so that opposing transfers wait for each other, never deadlock.
    IF p_source < p_destination THEN
        SELECT balance, overdraft_limit, version INTO o_source_balance, v_overdraft_limit, o_source_version
          FROM accounts WHERE id = p_source FOR UPDATE;
        SELECT balance, version INTO o_destination_balance, o_destination_version
          FROM accounts WHERE id = p_destination FOR UPDATE;
    ELSE
        SELECT balance, version INTO o_destination_balance, o_destination_version
          FROM accounts WHERE id = p_destination FOR UPDATE;
        SELECT balance, overdraft_limit, version INTO o_source_balance, v_overdraft_limit, o_source_version
          FROM accounts WHERE id = p_source FOR UPDATE;
    END IF;

    -- 2. Idempotency, under the locks: another post of this id (a client's retry) names the same accounts, so it has
    -- committed or not begun.
    SELECT source_account_id = p_source AND destination_account_id = p_destination AND amount = p_amount
      INTO v_same_content
      FROM transfers WHERE id = p_id;
    IF v_same_content IS NOT NULL THEN
        SET o_status = IF(v_same_content, 1, 2);
    ELSEIF o_source_version IS NULL THEN
        SET o_status = 3;
    ELSEIF o_destination_version IS NULL THEN
        SET o_status = 4;
    ELSEIF o_source_balance - p_amount < -v_overdraft_limit THEN
        SET o_status = 6;
    END IF;
    IF o_status IS NOT NULL THEN
        SET o_source_balance = NULL, o_source_version = NULL, o_destination_balance = NULL, o_destination_version = NULL;
        LEAVE proc;
    END IF;

    -- 3. Post: both balances and versions, the transfer, its two entries.
    SET o_source_balance = o_source_balance - p_amount, o_source_version = o_source_version + 1,
        o_destination_balance = o_destination_balance + p_amount, o_destination_version = o_destination_version + 1;
    UPDATE accounts SET balance = o_source_balance, version = o_source_version WHERE id = p_source;
    UPDATE accounts SET balance = o_destination_balance, version = o_destination_version WHERE id = p_destination;
    INSERT INTO transfers (id, source_account_id, destination_account_id, amount, posted_at)
    VALUES (p_id, p_source, p_destination, p_amount, NOW(6));
    INSERT INTO entries (account_id, account_version, transfer_id, amount, balance_after, posted_at)
    VALUES (p_source, o_source_version, p_id, -p_amount, o_source_balance, NOW(6)),
           (p_destination, o_destination_version, p_id, p_amount, o_destination_balance, NOW(6));
    SET o_status = 0;
END$$
DELIMITER ;
