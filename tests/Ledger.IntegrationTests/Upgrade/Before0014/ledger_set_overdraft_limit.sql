-- Sets an account's overdraft limit (minor units, zero or more) and writes 'account.overdraft_limit_changed' to
-- audit_log with the old and new limits. The balance and version do not change: a limit below the current overdraft
-- is allowed and only stops further debits. Returns one row: status 0 with the account's columns, or 3 (no such
-- account). Call it inside a transaction and commit when status is 0.
DROP PROCEDURE IF EXISTS ledger_set_overdraft_limit;
DELIMITER $$
CREATE PROCEDURE ledger_set_overdraft_limit(
    IN p_id              VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_overdraft_limit BIGINT,
    IN p_actor           VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_correlation_id  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_now             DATETIME(6))
    MODIFIES SQL DATA
proc: BEGIN
    DECLARE v_old_limit BIGINT DEFAULT NULL;

    -- Locks the row, so two concurrent changes are recorded with the limits they really replaced.
    SELECT overdraft_limit INTO v_old_limit FROM accounts WHERE id = p_id FOR UPDATE;
    IF v_old_limit IS NULL THEN
        SELECT 3 AS status;
        LEAVE proc;
    END IF;

    UPDATE accounts SET overdraft_limit = p_overdraft_limit, updated_at = p_now WHERE id = p_id;

    INSERT INTO audit_log (occurred_at, actor, action, entity_type, entity_id, details, correlation_id)
    VALUES (p_now, p_actor, 'account.overdraft_limit_changed', 'account', p_id,
            JSON_OBJECT('from', CAST(v_old_limit AS SIGNED), 'to', CAST(p_overdraft_limit AS SIGNED)), p_correlation_id);

    SELECT 0 AS status, a.id, a.currency, c.minor_units, a.balance, a.overdraft_limit, a.version, a.created_at
      FROM accounts a JOIN currencies c ON c.code = a.currency
     WHERE a.id = p_id;
END$$
DELIMITER ;
