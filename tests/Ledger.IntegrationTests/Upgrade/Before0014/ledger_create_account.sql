-- Creates an account with a zero balance at version 0 and writes 'account.created' to audit_log.
-- Returns one row whose status is 0 (created, with the account's columns), 9 (an account with this id exists)
-- or 10 (unknown currency). Call it inside a transaction and commit when status is 0.
DROP PROCEDURE IF EXISTS ledger_create_account;
DELIMITER $$
CREATE PROCEDURE ledger_create_account(
    IN p_id              VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_currency        CHAR(3) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_overdraft_limit BIGINT,
    IN p_actor           VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_correlation_id  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_now             DATETIME(6))
    MODIFIES SQL DATA
proc: BEGIN
    DECLARE v_minor_units TINYINT UNSIGNED DEFAULT NULL;

    SELECT minor_units INTO v_minor_units FROM currencies WHERE code = p_currency;
    IF v_minor_units IS NULL THEN
        SELECT 10 AS status;
        LEAVE proc;
    END IF;

    IF EXISTS (SELECT 1 FROM accounts WHERE id = p_id) THEN
        SELECT 9 AS status;
        LEAVE proc;
    END IF;

    INSERT INTO accounts (id, currency, balance, overdraft_limit, version, created_at, created_by, updated_at)
    VALUES (p_id, p_currency, 0, p_overdraft_limit, 0, p_now, p_actor, p_now);

    INSERT INTO audit_log (occurred_at, actor, action, entity_type, entity_id, details, correlation_id)
    VALUES (p_now, p_actor, 'account.created', 'account', p_id,
            JSON_OBJECT('currency', p_currency, 'overdraftLimit', CAST(p_overdraft_limit AS SIGNED)), p_correlation_id);

    SELECT 0 AS status, p_id AS id, p_currency AS currency, v_minor_units AS minor_units, CAST(0 AS SIGNED) AS balance,
           p_overdraft_limit AS overdraft_limit, CAST(0 AS SIGNED) AS version, p_now AS created_at;
END$$
DELIMITER ;
