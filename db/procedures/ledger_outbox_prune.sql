-- Deletes at most p_limit outbox rows published before p_cutoff (a published row has done its work: the cache holds
-- that balance or a newer one). Returns one row: deleted, the number of rows deleted; the caller repeats while it
-- equals p_limit, so no single statement holds locks for long.
DROP PROCEDURE IF EXISTS ledger_outbox_prune;
DELIMITER $$
CREATE PROCEDURE ledger_outbox_prune(IN p_cutoff DATETIME(6), IN p_limit INT)
    MODIFIES SQL DATA
BEGIN
    DELETE FROM outbox
     WHERE published_at IS NOT NULL AND published_at < p_cutoff
     LIMIT p_limit;
    SELECT ROW_COUNT() AS deleted;
END$$
DELIMITER ;
