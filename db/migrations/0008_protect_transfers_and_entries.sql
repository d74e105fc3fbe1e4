-- The ledger's history is append-only: the database itself refuses to change or remove a posted transfer or entry.
-- A correction is a new, compensating transfer (a reversal). Error 50100 names the table.
-- Note for servers with binary logging on (RDS): creating triggers needs log_bin_trust_function_creators = 1
-- (an RDS parameter group setting) or the SUPER privilege.
DROP TRIGGER IF EXISTS trg_transfers_no_update;
CREATE TRIGGER trg_transfers_no_update BEFORE UPDATE ON transfers FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'transfers is append-only: rows cannot be updated', MYSQL_ERRNO = 50100;
DROP TRIGGER IF EXISTS trg_transfers_no_delete;
CREATE TRIGGER trg_transfers_no_delete BEFORE DELETE ON transfers FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'transfers is append-only: rows cannot be deleted', MYSQL_ERRNO = 50100;
DROP TRIGGER IF EXISTS trg_entries_no_update;
CREATE TRIGGER trg_entries_no_update BEFORE UPDATE ON entries FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'entries is append-only: rows cannot be updated', MYSQL_ERRNO = 50100;
DROP TRIGGER IF EXISTS trg_entries_no_delete;
CREATE TRIGGER trg_entries_no_delete BEFORE DELETE ON entries FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'entries is append-only: rows cannot be deleted', MYSQL_ERRNO = 50100;
