-- Stamps published_at on the outbox rows whose ids p_ids lists (a JSON array of integers), once their balances are
-- in the cache. Call it in the transaction that claimed them (ledger_outbox_claim), then commit. Returns one row:
-- marked, the number of rows stamped.
DROP PROCEDURE IF EXISTS ledger_outbox_mark_published;
DELIMITER $$
CREATE PROCEDURE ledger_outbox_mark_published(IN p_ids JSON, IN p_published_at DATETIME(6))
    MODIFIES SQL DATA
BEGIN
    UPDATE outbox o
      JOIN JSON_TABLE(p_ids, '$[*]' COLUMNS (id BIGINT PATH '$')) claimed ON claimed.id = o.id
       SET o.published_at = p_published_at;
    SELECT ROW_COUNT() AS marked;
END$$
DELIMITER ;
