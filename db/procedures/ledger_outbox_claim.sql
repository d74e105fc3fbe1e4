-- Claims up to p_limit unpublished outbox rows, oldest first, skipping rows another sweeper holds, and returns them
-- (id, account_id). Call it inside a transaction: the rows stay locked until the caller commits (after
-- ledger_outbox_mark_published) or rolls back (they stay unpublished). A procedure, so the application's database
-- user needs only EXECUTE and SELECT: it holds no write right on any table (db/grants.sql).
DROP PROCEDURE IF EXISTS ledger_outbox_claim;
DELIMITER $$
CREATE PROCEDURE ledger_outbox_claim(IN p_limit INT)
    READS SQL DATA
BEGIN
    SELECT id, account_id
      FROM outbox
     WHERE published_at IS NULL
     ORDER BY id
     LIMIT p_limit
       FOR UPDATE SKIP LOCKED;
END$$
DELIMITER ;
