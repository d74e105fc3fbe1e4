-- Sets an account's overdraft limit (minor units, zero or more) and writes 'account.overdraft_limit_changed' to
-- audit_log with the old and new limits. The balance and version do not change: a limit below the current overdraft
-- is allowed and only stops further debits. With p_expected_version not NULL the change is conditional: it applies
-- only while the account's version is still that one, checked under the row lock, so a posting that moves the version
-- first makes the change refused, and one that comes later waits for it. Returns one row: status 0 with the account's
-- columns (after the change), 3 (no such account), or 16 (the version is not p_expected_version; nothing written) with
-- the account's columns as they are. Call it inside a transaction and commit when status is 0.
-- Replaces ledger_set_overdraft_limit (which has no p_expected_version): a new name, so that application versions
-- calling the old one keep working during a rolling update.
DROP PROCEDURE IF EXISTS ledger_set_overdraft_limit_v2;
DELIMITER $$
CREATE PROCEDURE ledger_set_overdraft_limit_v2(
    IN p_id               VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_overdraft_limit  BIGINT,
    IN p_expected_version BIGINT,
    IN p_actor            VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_correlation_id   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_now              DATETIME(6))
    MODIFIES SQL DATA
proc: BEGIN
    DECLARE v_old_limit BIGINT DEFAULT NULL;
    DECLARE v_version   BIGINT DEFAULT NULL;

    -- Locks the row, so two concurrent changes are recorded with the limits they really replaced, and the version
    -- checked below is the one the change applies to.
    SELECT overdraft_limit, version INTO v_old_limit, v_version FROM accounts WHERE id = p_id FOR UPDATE;
    IF v_old_limit IS NULL THEN
        SELECT 3 AS status;
        LEAVE proc;
    END IF;

    IF p_expected_version IS NOT NULL AND v_version <> p_expected_version THEN
        SELECT 16 AS status, a.id, a.currency, c.minor_units, a.balance, a.overdraft_limit, a.version, a.created_at
          FROM accounts a JOIN currencies c ON c.code = a.currency
         WHERE a.id = p_id;
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
