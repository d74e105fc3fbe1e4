-- (a) The textbook procedure: one transfer per call. The client calls it inside a transaction and commits, one commit
-- per transfer:
--     START TRANSACTION;
--     CALL baseline_post_transfer(UNHEX('0190...'), 'alice', 'bob', 1250);
--     COMMIT;
-- Returns one row: status (baseline_apply_transfer), and for status 0 both accounts' new balances and versions.
DROP PROCEDURE IF EXISTS baseline_post_transfer;
DELIMITER $$
CREATE PROCEDURE baseline_post_transfer(
    IN p_id          BINARY(16),
    IN p_source      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_destination VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    IN p_amount      BIGINT)
    MODIFIES SQL DATA
BEGIN
    DECLARE v_status TINYINT UNSIGNED;
    DECLARE v_source_balance, v_source_version, v_destination_balance, v_destination_version BIGINT;

    CALL baseline_apply_transfer(p_id, p_source, p_destination, p_amount, v_status,
                                 v_source_balance, v_source_version, v_destination_balance, v_destination_version);
    SELECT v_status AS status,
           v_source_balance AS source_balance, v_source_version AS source_version,
           v_destination_balance AS destination_balance, v_destination_version AS destination_version;
END$$
DELIMITER ;
