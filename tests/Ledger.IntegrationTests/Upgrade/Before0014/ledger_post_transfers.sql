-- Posts a batch of transfers in one call and one transaction (group commit): the batcher of Ledger.Core sends every
-- transfer that arrived while the previous batch was being committed. Each transfer is applied or refused on its own,
-- by the same rules and with the same status numbers as a single post (ledger_apply_transfer), and the outcome is
-- the one posting them one by one in the order given would have: a transfer later in the batch sees the balances
-- the earlier ones left.
--
-- The work is done set-wise, a handful of statements per batch rather than per transfer (ADR 0009):
--   1. the JSON array is read once into a MEMORY temporary table;
--   2. every account of the batch is locked with one statement, in byte order of the ids, so two batches (from two
--      replicas, or two workers of one) wait for each other instead of deadlocking, and single posts (which update
--      in the same order) cannot deadlock with a batch either;
--   3. then known ids are answered from transfers and transfer_rejections (replays and idempotency conflicts; an id
--      posted by another p is a conflict, as in ledger_apply_transfer): under
--      the locks, so a concurrent post of the same transfer has committed or not started;
--   4. the state-independent refusals (unknown account, currency mismatch, precision) are decided for all at once;
--   5. running balances per account come from window functions over the debit and credit legs in batch order; while
--      some debit takes its account below -overdraft_limit (insufficient funds) or some credit takes its account above
--      the largest BIGINT (balance out of range), the earliest such transfer is refused, with every other offender
--      whose refusal nothing undecided could change, and the running balances are recomputed without them;
--      everything before the earliest offender is final at each round, so the result is exactly the sequential one,
--      in one round when nothing is short and in few rounds otherwise (when some account could overflow, one
--      offender per round: refusing a transfer for its credit gives its debit back, which can cure a later debit);
--   6. accounts, transfers, entries, the outbox (one row per account, its newest balance) and recorded refusals are
--      written with one statement each.
-- Each statement names each temporary table at most once (MySQL 8.0 cannot reopen a temporary table in one query),
-- and joins from a temporary table to a ledger table are STRAIGHT_JOINs: the batch drives, by primary key, whatever
-- the optimizer guesses about a table without statistics.
--
-- p_batch is a JSON array of objects: i (id, 32 hex digits), s and d (account ids), a (amount in major units, as a
-- string), c (currency or null), t (client timestamp 'YYYY-MM-DD hh:mm:ss.ffffff' or null), r (reference or null),
-- p (posted by), k (correlation id or null). Ids must be distinct within a batch (signal 50108), and reversals are
-- posted one at a time with ledger_post_transfer (an item with a v member is refused with signal 50109).
--
-- Returns one row per transfer, in input order: n (1-based position), status, replayed (as ledger_apply_transfer),
-- the new balances and versions for status 0, and the transfer's columns for status 0 and 1. A failed version guard
-- (which the locks make impossible) signals 50107 so the caller rolls back and retries.
-- Must be called inside a transaction (READ COMMITTED); the caller commits.
DROP PROCEDURE IF EXISTS ledger_post_transfers;
DELIMITER $$
CREATE PROCEDURE ledger_post_transfers(IN p_batch LONGTEXT, IN p_posted_at DATETIME(6))
    MODIFIES SQL DATA
BEGIN
    DECLARE v_first INT;
    DECLARE v_changed INT;
    DECLARE v_may_overflow TINYINT UNSIGNED DEFAULT 0;

    -- MEMORY temporary tables are private to the connection; they are emptied here rather than dropped, as a pooled
    -- connection may keep them between calls.
    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_batch_transfers (
        n                   INT NOT NULL PRIMARY KEY,
        id                  BINARY(16) NOT NULL,
        s                   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        d                   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        a                   DECIMAL(18, 4) NOT NULL,
        c                   CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
        t                   DATETIME(6) NULL,
        r                   VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
        p                   VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        k                   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
        status              TINYINT UNSIGNED NULL,
        replayed            TINYINT UNSIGNED NOT NULL DEFAULT 0,
        src_currency        CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
        dst_currency        CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
        minor_units         TINYINT UNSIGNED NULL,
        scaled              DECIMAL(24, 4) NULL,
        amount              BIGINT NULL,
        source_balance      BIGINT NULL,
        source_version      BIGINT NULL,
        destination_balance BIGINT NULL,
        destination_version BIGINT NULL,
        UNIQUE KEY (id)
    ) ENGINE = MEMORY;
    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_batch_accounts (
        id              VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
        found           TINYINT UNSIGNED NOT NULL DEFAULT 0,
        currency        CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
        minor_units     TINYINT UNSIGNED NULL,
        balance         BIGINT NULL,
        overdraft_limit BIGINT NULL,
        version         BIGINT NULL,
        new_balance     BIGINT NULL,
        new_version     BIGINT NULL
    ) ENGINE = MEMORY;
    -- One row per leg of a transfer still to post: leg 0 debits the source, leg 1 credits the destination.
    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_batch_legs (
        n       INT NOT NULL,
        leg     TINYINT UNSIGNED NOT NULL,
        account VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        delta   BIGINT NOT NULL,
        PRIMARY KEY (n, leg)
    ) ENGINE = MEMORY;
    -- The legs with their running sum and position per account, in batch order.
    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_batch_running (
        n       INT NOT NULL,
        leg     TINYINT UNSIGNED NOT NULL,
        account VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        delta   BIGINT NOT NULL,
        run     DECIMAL(24, 0) NOT NULL,
        k       BIGINT NOT NULL,
        short   TINYINT UNSIGNED NOT NULL,
        PRIMARY KEY (n, leg)
    ) ENGINE = MEMORY;
    -- Transfers refused for insufficient funds in one round of step 5.
    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_batch_refused (
        n INT NOT NULL PRIMARY KEY
    ) ENGINE = MEMORY;
    DELETE FROM ledger_batch_transfers;
    DELETE FROM ledger_batch_accounts;
    DELETE FROM ledger_batch_legs;
    DELETE FROM ledger_batch_running;
    DELETE FROM ledger_batch_refused;

    -- 1. The batch.
    BEGIN
        DECLARE EXIT HANDLER FOR 1062
            SIGNAL SQLSTATE '45000'
                SET MESSAGE_TEXT = 'ledger_post_transfers: a transfer id occurs twice in one batch', MYSQL_ERRNO = 50108;
        INSERT INTO ledger_batch_transfers (n, id, s, d, a, c, t, r, p, k)
        SELECT jt.n, UNHEX(jt.i), jt.s, jt.d, jt.a, jt.c, jt.t, jt.r, jt.p, jt.k
          FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                   n FOR ORDINALITY,
                   i CHAR(32) CHARACTER SET ascii PATH '$.i',
                   s VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.s',
                   d VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.d',
                   a DECIMAL(18, 4) PATH '$.a',
                   c CHAR(3) CHARACTER SET ascii COLLATE ascii_bin PATH '$.c',
                   t DATETIME(6) PATH '$.t',
                   r VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.r',
                   v CHAR(32) CHARACTER SET ascii PATH '$.v',
                   p VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.p',
                   k VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.k')) jt
         WHERE jt.v IS NULL;
    END;
    IF (SELECT COUNT(*) FROM ledger_batch_transfers) <> JSON_LENGTH(p_batch) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'ledger_post_transfers: reversals are posted one at a time (ledger_post_transfer)',
                MYSQL_ERRNO = 50109;
    END IF;

    -- 2. Lock the accounts of the batch, in byte order, with one range read of the primary key (a literal IN list is
    -- read in key order). Another post of one of these transfers (a client's retry while the first is in flight)
    -- names the same accounts, so from here on it has either committed or not begun to write.
    INSERT IGNORE INTO ledger_batch_accounts (id) SELECT s FROM ledger_batch_transfers;
    INSERT IGNORE INTO ledger_batch_accounts (id) SELECT d FROM ledger_batch_transfers;
    SET SESSION group_concat_max_len = GREATEST(@@SESSION.group_concat_max_len, 16777216);
    SET @ledger_batch_ids = NULL;
    SELECT GROUP_CONCAT(QUOTE(id) ORDER BY id SEPARATOR ',') INTO @ledger_batch_ids FROM ledger_batch_accounts;
    IF @ledger_batch_ids IS NOT NULL THEN
        SET @ledger_batch_lock = CONCAT('SELECT COUNT(*) INTO @ledger_batch_locked FROM accounts WHERE id IN (',
                                        @ledger_batch_ids, ') FOR UPDATE');
        PREPARE ledger_batch_lock FROM @ledger_batch_lock;
        EXECUTE ledger_batch_lock;
        DEALLOCATE PREPARE ledger_batch_lock;
        SET @ledger_batch_ids = NULL, @ledger_batch_lock = NULL;
    END IF;

    -- 3. Idempotency: a known id answers with its first outcome, whatever the accounts look like now.
    UPDATE ledger_batch_transfers b
      STRAIGHT_JOIN transfers x ON x.id = b.id
      STRAIGHT_JOIN currencies cur ON cur.code = x.currency
       SET b.replayed = 1,
           b.status = CASE
                          WHEN x.source_account_id = b.s
                           AND x.destination_account_id = b.d
                           AND x.amount = b.a * CASE cur.minor_units WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100
                                                                      WHEN 3 THEN 1000 ELSE 10000 END
                           AND (b.c IS NULL OR x.currency = b.c)
                           AND x.client_timestamp <=> b.t
                           AND x.reference <=> b.r
                           AND x.reversal_of IS NULL
                           AND x.posted_by <=> b.p
                          THEN 1 ELSE 2 END;
    UPDATE ledger_batch_transfers b
      STRAIGHT_JOIN transfer_rejections x ON x.id = b.id
       SET b.replayed = 1,
           b.status = CASE
                          WHEN x.source_account_id = b.s
                           AND x.destination_account_id = b.d
                           AND x.amount = b.a
                           AND (b.c IS NULL OR x.currency IS NULL OR x.currency = b.c)
                           AND x.client_timestamp <=> b.t
                           AND x.reference <=> b.r
                           AND x.reversal_of IS NULL
                           AND x.rejected_for <=> b.p
                          THEN x.status ELSE 2 END
     WHERE b.status IS NULL;

    -- The state of the locked accounts (those named only by replays are read too, and left unchanged).
    UPDATE ledger_batch_accounts b
      STRAIGHT_JOIN accounts a ON a.id = b.id
      STRAIGHT_JOIN currencies cur ON cur.code = a.currency
       SET b.found = 1, b.currency = a.currency, b.minor_units = cur.minor_units, b.balance = a.balance,
           b.overdraft_limit = a.overdraft_limit, b.version = a.version;

    -- 4. Refusals that do not depend on the order within the batch (checked in the order of ledger_apply_transfer).
    UPDATE ledger_batch_transfers b
      JOIN ledger_batch_accounts a ON a.id = b.s AND a.found = 1
       SET b.src_currency = a.currency, b.minor_units = a.minor_units,
           b.scaled = b.a * CASE a.minor_units WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100
                                               WHEN 3 THEN 1000 ELSE 10000 END
     WHERE b.status IS NULL;
    UPDATE ledger_batch_transfers b
      JOIN ledger_batch_accounts a ON a.id = b.d AND a.found = 1
       SET b.dst_currency = a.currency
     WHERE b.status IS NULL;
    UPDATE ledger_batch_transfers
       SET status = CASE
                        WHEN src_currency IS NULL THEN 3
                        WHEN dst_currency IS NULL THEN 4
                        WHEN src_currency <> dst_currency OR (c IS NOT NULL AND c <> src_currency) THEN 5
                        WHEN scaled <> TRUNCATE(scaled, 0) OR scaled <= 0 THEN 8
                    END
     WHERE status IS NULL;
    UPDATE ledger_batch_transfers SET amount = CAST(scaled AS SIGNED) WHERE status IS NULL;

    -- 5. Funds, in batch order.
    INSERT INTO ledger_batch_legs (n, leg, account, delta)
    SELECT n, 0, s, -amount FROM ledger_batch_transfers WHERE status IS NULL;
    INSERT INTO ledger_batch_legs (n, leg, account, delta)
    SELECT n, 1, d, amount FROM ledger_batch_transfers WHERE status IS NULL;
    -- Could any account go above the largest BIGINT, even were every debit of the batch refused? Almost never; when
    -- it could, offenders are refused one per round below.
    SELECT COUNT(*) > 0 INTO v_may_overflow
      FROM (SELECT l.account
              FROM ledger_batch_legs l
              JOIN ledger_batch_accounts a ON a.id = l.account
             WHERE l.leg = 1
             GROUP BY l.account, a.balance
            HAVING a.balance + SUM(l.delta) > 9223372036854775807) o;
    funds: LOOP
        DELETE FROM ledger_batch_running;
        INSERT INTO ledger_batch_running (n, leg, account, delta, run, k, short)
        SELECT l.n, l.leg, l.account, l.delta,
               SUM(l.delta) OVER (PARTITION BY l.account ORDER BY l.n, l.leg ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
               ROW_NUMBER() OVER (PARTITION BY l.account ORDER BY l.n, l.leg),
               CASE l.leg
                   WHEN 0 THEN a.balance + SUM(l.delta) OVER (PARTITION BY l.account ORDER BY l.n, l.leg
                                                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                               < -a.overdraft_limit
                   ELSE a.balance + SUM(l.delta) OVER (PARTITION BY l.account ORDER BY l.n, l.leg
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                        > 9223372036854775807
               END
          FROM ledger_batch_legs l
          JOIN ledger_batch_accounts a ON a.id = l.account;
        SELECT MIN(n) INTO v_first FROM ledger_batch_running WHERE short = 1;
        IF v_first IS NULL THEN
            LEAVE funds;
        END IF;
        -- Refused at once: the earliest offender, and (when no account can overflow) every debit that is the first
        -- offender of its account with no credit to that account from the earliest offender on (nothing undecided
        -- can raise its balance then). The others wait for the next round, on balances without these. A transfer
        -- short on its debit is refused for funds (6), as ledger_apply_transfer checks funds first; otherwise its
        -- credit overflows (14).
        IF v_may_overflow THEN
            INSERT INTO ledger_batch_refused (n) VALUES (v_first);
        ELSE
            INSERT INTO ledger_batch_refused (n)
            SELECT n
              FROM (SELECT n, leg, short,
                           SUM(short) OVER (PARTITION BY account ORDER BY n, leg
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_short,
                           SUM(leg = 1 AND n >= v_first) OVER (PARTITION BY account ORDER BY n, leg
                                                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS credits
                      FROM ledger_batch_running) w
             WHERE short = 1 AND leg = 0 AND COALESCE(earlier_short, 0) = 0 AND COALESCE(credits, 0) = 0;
        END IF;
        UPDATE ledger_batch_transfers b
          JOIN ledger_batch_refused x ON x.n = b.n
           SET b.status = IF(EXISTS (SELECT 1 FROM ledger_batch_running r WHERE r.n = b.n AND r.leg = 0 AND r.short = 1), 6, 14);
        DELETE l FROM ledger_batch_legs l JOIN ledger_batch_refused x ON x.n = l.n;
        DELETE FROM ledger_batch_refused;
    END LOOP;

    UPDATE ledger_batch_transfers b
      JOIN ledger_batch_running r ON r.n = b.n AND r.leg = 0
      JOIN ledger_batch_accounts a ON a.id = r.account
       SET b.status = 0, b.source_balance = a.balance + r.run, b.source_version = a.version + r.k;
    UPDATE ledger_batch_transfers b
      JOIN ledger_batch_running r ON r.n = b.n AND r.leg = 1
      JOIN ledger_batch_accounts a ON a.id = r.account
       SET b.destination_balance = a.balance + r.run, b.destination_version = a.version + r.k;
    UPDATE ledger_batch_accounts a
      JOIN (SELECT account, SUM(delta) AS total, COUNT(*) AS changes FROM ledger_batch_legs GROUP BY account) g
        ON g.account = a.id
       SET a.new_balance = a.balance + g.total, a.new_version = a.version + g.changes;

    -- 6. Write. The guard cannot fail while the locks are held; if it does, nothing of the batch may stay.
    UPDATE ledger_batch_accounts b
      STRAIGHT_JOIN accounts a ON a.id = b.id AND a.version = b.version
       SET a.balance = b.new_balance, a.version = b.new_version, a.updated_at = p_posted_at
     WHERE b.new_version IS NOT NULL;
    SET v_changed = ROW_COUNT();
    IF v_changed <> (SELECT COUNT(*) FROM ledger_batch_accounts WHERE new_version IS NOT NULL) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'ledger_post_transfers: a version guard failed while the batch held its locks',
                MYSQL_ERRNO = 50107;
    END IF;

    INSERT INTO transfers (id, source_account_id, destination_account_id, amount, currency, client_timestamp,
                           posted_at, posted_by, correlation_id, reference, reversal_of)
    SELECT id, s, d, amount, src_currency, t, p_posted_at, p, k, r, NULL
      FROM ledger_batch_transfers
     WHERE status = 0 AND replayed = 0
     ORDER BY n;

    INSERT INTO entries (account_id, account_version, transfer_id, amount, balance_after, posted_at)
    SELECT r.account, a.version + r.k, b.id, r.delta, a.balance + r.run, p_posted_at
      FROM ledger_batch_running r
      JOIN ledger_batch_accounts a ON a.id = r.account
      JOIN ledger_batch_transfers b ON b.n = r.n
     ORDER BY r.n, r.leg;

    INSERT INTO outbox (account_id, version, balance, created_at)
    SELECT id, new_version, new_balance, p_posted_at
      FROM ledger_batch_accounts
     WHERE new_version IS NOT NULL
     ORDER BY id;

    INSERT INTO transfer_rejections (id, source_account_id, destination_account_id, amount, currency,
                                     client_timestamp, reference, reversal_of, status, rejected_at,
                                     rejected_for, correlation_id)
    SELECT id, s, d, a, COALESCE(c, src_currency), t, r, NULL, status, p_posted_at, p, k
      FROM ledger_batch_transfers
     WHERE status IN (3, 4, 5, 6, 14) AND replayed = 0
     ORDER BY n;

    -- A posted transfer is answered from the batch itself; a replay from the transfer it replays.
    SELECT b.n, b.status, b.replayed, b.source_balance, b.source_version, b.destination_balance, b.destination_version,
           CASE b.status WHEN 0 THEN b.id WHEN 1 THEN x.id END AS id,
           CASE b.status WHEN 0 THEN b.s WHEN 1 THEN x.source_account_id END AS source_account_id,
           CASE b.status WHEN 0 THEN b.d WHEN 1 THEN x.destination_account_id END AS destination_account_id,
           CASE b.status WHEN 0 THEN b.amount WHEN 1 THEN x.amount END AS amount,
           CASE b.status WHEN 0 THEN b.src_currency WHEN 1 THEN x.currency END AS currency,
           CASE b.status WHEN 0 THEN b.minor_units WHEN 1 THEN cur.minor_units END AS minor_units,
           CASE b.status WHEN 0 THEN b.t WHEN 1 THEN x.client_timestamp END AS client_timestamp,
           CASE b.status WHEN 0 THEN p_posted_at WHEN 1 THEN x.posted_at END AS posted_at,
           CASE b.status WHEN 0 THEN b.p WHEN 1 THEN x.posted_by END AS posted_by,
           CASE b.status WHEN 0 THEN b.k WHEN 1 THEN x.correlation_id END AS correlation_id,
           CASE b.status WHEN 0 THEN b.r WHEN 1 THEN x.reference END AS reference,
           x.reversal_of
      FROM ledger_batch_transfers b
      LEFT JOIN transfers x ON x.id = b.id AND b.status = 1
      LEFT JOIN currencies cur ON cur.code = x.currency
     ORDER BY b.n;
END$$
DELIMITER ;
