-- A recorded refusal is history too: append-only.
DROP TRIGGER IF EXISTS trg_transfer_rejections_no_update;
CREATE TRIGGER trg_transfer_rejections_no_update BEFORE UPDATE ON transfer_rejections FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'transfer_rejections is append-only: rows cannot be updated', MYSQL_ERRNO = 50100;
DROP TRIGGER IF EXISTS trg_transfer_rejections_no_delete;
CREATE TRIGGER trg_transfer_rejections_no_delete BEFORE DELETE ON transfer_rejections FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'transfer_rejections is append-only: rows cannot be deleted', MYSQL_ERRNO = 50100;
