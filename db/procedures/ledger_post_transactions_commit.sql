-- Posts a batch with ledger_post_transactions in a transaction of its own (READ COMMITTED) and commits it: one round
-- trip from the application instead of three (START TRANSACTION, CALL, COMMIT), which is most of what sets a lone
-- post apart from a textbook one-transfer call (ADR 0017, "One round trip"). Same arguments and the same two result
-- sets; they reach the client before the COMMIT, so a caller takes them as final only once the call has ended without
-- an error (the library reads the answer to its end). On any error the transaction is rolled back and the error
-- raised again unchanged (50107, 50108, 50110, a deadlock): nothing of the batch stays, and the caller may call again.
-- Call it outside a transaction: inside one it fails (the isolation level cannot change there) and rolls that
-- transaction back. Tests and hand checks that want the batch uncommitted call ledger_post_transactions themselves.
DROP PROCEDURE IF EXISTS ledger_post_transactions_commit;
DELIMITER $$
CREATE PROCEDURE ledger_post_transactions_commit(IN p_batch LONGTEXT, IN p_posted_at DATETIME(6))
    MODIFIES SQL DATA
BEGIN
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    CALL ledger_post_transactions(p_batch, p_posted_at);
    COMMIT;
END$$
DELIMITER ;
