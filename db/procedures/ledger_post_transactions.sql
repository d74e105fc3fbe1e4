-- The one posting procedure (ADR 0017): posts a batch of transactions in one call and one transaction. A
-- transaction is 2 to 100 legs (account, signed amount) in one currency summing to zero; a transfer is the two-leg
-- case; a reversal names the transaction it reverses and its legs are that transaction's, negated. A single post is
-- a batch of one. Each transaction is applied or refused on its own, and the outcome is the one posting them one by
-- one in the order given would have: a transaction later in the batch sees the balances the earlier ones left.
--
-- The work is set-wise, a handful of statements per batch rather than per transaction (ADR 0009), and a statement
-- that only a rare case needs (reversals, known ids, several transactions) runs only when the batch has that case:
--   1. the JSON array is read into MEMORY temporary tables, one row per transaction and one per leg; a reversal's
--      legs are read from the entries of the transaction it reverses (which never change);
--   2. every account of the batch is locked and read with one statement, through the primary key in byte order of
--      the ids (ADR 0017, "Locking"), so two batches (two replicas, or two workers of one) wait for each other
--      instead of deadlocking. Everything below happens under these locks: another post of the same id has committed
--      or not begun;
--   3. known ids are answered from transactions and transaction_rejections (replays and idempotency conflicts);
--   4. a reversal of a transaction that does not exist (11), or that is reversed already (12), is refused (a second
--      reversal of one transaction within the batch is decided in step 6: refused (12) if the one before it posts);
--   5. the refusals that do not depend on the order within the batch are decided for all at once, checked in this
--      order: an unknown debited account (3), an unknown credited account (4), accounts in different currencies or
--      not in the requested one (5), an amount with more fraction digits than the currency has (8);
--   6. running balances and versions per account come from window functions over the legs in batch order. While some
--      leg is at fault (its expected version is not the account's version before it: 15; a debit takes its account
--      below -overdraft_limit: 6; a credit takes its account above the largest BIGINT: 14), the earliest such
--      transaction is refused, with every other whose refusal nothing undecided could change, and the running
--      balances are recomputed without them. Everything before the earliest offender is final at each round, so the
--      result is exactly the sequential one: in one round when nothing is short, in few otherwise (one offender per
--      round when a refusal could cure a later leg: some account could overflow, a leg expects a version, or a
--      transaction debits more than one account);
--   7. accounts (each UPDATE guarded by the version read under the lock), transactions, entries (each with the
--      version it made), the outbox (one row per account, its newest balance) and recorded refusals are written
--      with one statement each; the transactions still undecided (status NULL until the answer) are the posted ones.
-- Each statement names each temporary table at most once (MySQL 8.0 cannot reopen a temporary table in one query),
-- and joins from a temporary table to a ledger table are STRAIGHT_JOINs: the batch drives, by primary key, whatever
-- the optimizer guesses about a table without statistics.
--
-- p_batch is a JSON array of objects: i (id, 32 hex digits), l (the legs: an array of {a: account id, m: amount in
-- major units as a string, e: expected version or null}; absent for a reversal), v (for a reversal, the id of the
-- transaction it reverses, 32 hex digits; else null), w (for a reversal, the number of legs the transaction it
-- reverses must have, or null for any: the transfer API reverses transfers only), c (currency or null), t (client timestamp 'YYYY-MM-DD
-- hh:mm:ss.ffffff' or null), r (reference or null), p (posted by), k (correlation id or null). Ids are distinct
-- within a batch (else signal 50108) and accounts within a transaction (else signal 50110); Ledger.Core validates
-- the rest (2 to 100 legs summing to zero, no zero amount) before it calls.
--
-- Status numbers (stable; Ledger.Core's Posting/PostingOutcomes.cs maps each to an error code):
--   0 posted   1 replayed (same id, same content, same p)   2 idempotency conflict (other content, or another p)
--   3 unknown debited account   4 unknown credited account   5 currency mismatch   6 insufficient funds
--   8 amount too precise   11 the transaction to reverse does not exist   12 it has been reversed already
--   14 balance out of range   15 version mismatch (a leg's expected version is stale)
-- 3, 4, 5, 6 and 14 depend on the ledger's state and are final for the id: they are recorded in
-- transaction_rejections and a retry with the same content gets the same status with replayed = 1. 15 is not
-- recorded: the caller may read the account again and post the same id anew.
--
-- Returns two result sets. The first has one row per transaction, in input order: n (1-based), status, replayed,
-- account (the account a refusal is about), then id, currency, minor_units, client_timestamp, posted_at, posted_by,
-- correlation_id, reference, reversal_of: for status 0 and 1 the transaction's (the original's for a replay), for a
-- refusal what was asked, as far as it was read. The second has the legs of every posted or replayed transaction:
-- n, account_id, amount, balance_after, version, ordered by n and account. A failed version guard (which the locks
-- make impossible) signals 50107 so the caller rolls back and retries. Must be called inside a transaction (READ
-- COMMITTED); the caller commits. ledger_post_transactions_commit is that caller in one round trip (the library's).
DROP PROCEDURE IF EXISTS ledger_post_transactions;
DELIMITER $$
CREATE PROCEDURE ledger_post_transactions(IN p_batch LONGTEXT, IN p_posted_at DATETIME(6))
    MODIFIES SQL DATA
BEGIN
    DECLARE v_first INT;
    DECLARE v_changed INT;
    DECLARE v_one_per_round TINYINT UNSIGNED DEFAULT 0;
    DECLARE v_count INT;
    DECLARE v_reversals INT;
    DECLARE v_posted_before INT;
    DECLARE v_refused_before INT;

    -- MEMORY temporary tables are private to the connection. They are made once per connection and emptied here
    -- rather than dropped: the posting pool does not reset its connections, so they stay between calls (creating
    -- them is most of a lone post's cost). The session variable says they exist (a connection reset clears both);
    -- its name carries the tables' shape, so a later version that changes them must change the name too.
    IF @ledger_post_tables_v4 IS NULL THEN
        -- (Tables of an earlier shape, made on this connection by an earlier version of this procedure, go first.)
        DROP TEMPORARY TABLE IF EXISTS ledger_post_tx, ledger_post_legs, ledger_post_accounts, ledger_post_running,
                                       ledger_post_refused;
        CREATE TEMPORARY TABLE ledger_post_tx (
            n           INT NOT NULL PRIMARY KEY,
            id          BINARY(16) NOT NULL,
            v           BINARY(16) NULL,
            w           TINYINT UNSIGNED NULL,
            c           CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
            t           DATETIME(6) NULL,
            r           VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
            p           VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
            k           VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
            legs        TINYINT UNSIGNED NOT NULL DEFAULT 0,
            status      TINYINT UNSIGNED NULL,
            replayed    TINYINT UNSIGNED NOT NULL DEFAULT 0,
            account     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
            currency    CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
            minor_units TINYINT UNSIGNED NULL,
            -- For a replay, the original's time and correlation id (the rest of its header is the request's).
            posted_at   DATETIME(6) NULL,
            original_k  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
            UNIQUE KEY (id)
        ) ENGINE = MEMORY;
        -- The legs as requested (m, major units) or derived for a reversal (delta, minor units); delta is set for every
        -- leg of a transaction still to decide, and live marks the legs that are posted unless refused.
        CREATE TEMPORARY TABLE ledger_post_legs (
            n       INT NOT NULL,
            account VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
            m       DECIMAL(18, 4) NULL,
            e       BIGINT NULL,
            v       BINARY(16) NULL,
            delta   BIGINT NULL,
            live    TINYINT UNSIGNED NOT NULL DEFAULT 0,
            matched TINYINT UNSIGNED NOT NULL DEFAULT 0,
            PRIMARY KEY (n, account)
        ) ENGINE = MEMORY;
        -- The accounts of the batch that exist, as read under their locks.
        CREATE TEMPORARY TABLE ledger_post_accounts (
            id              VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
            currency        CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
            balance         BIGINT NOT NULL,
            overdraft_limit BIGINT NOT NULL,
            version         BIGINT NOT NULL
        ) ENGINE = MEMORY;
        -- The live legs in batch order, each with the balance and version it leaves its account at (k: its position
        -- among the account's legs; last: the account's last leg, whose balance and version the account takes). Once
        -- the batch is decided, the legs of replays join them, as their entries say.
        CREATE TEMPORARY TABLE ledger_post_running (
            n             INT NOT NULL,
            account       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
            delta         BIGINT NOT NULL,
            balance_after DECIMAL(25, 0) NOT NULL,
            version       BIGINT NOT NULL,
            k             BIGINT NOT NULL,
            last          TINYINT UNSIGNED NOT NULL,
            short    TINYINT UNSIGNED NOT NULL,
            mismatch TINYINT UNSIGNED NOT NULL,
            dup      TINYINT UNSIGNED NOT NULL,
            PRIMARY KEY (n, account)
        ) ENGINE = MEMORY;
        -- Transactions refused in one round of step 6 (and, in step 4, second reversals of one transaction).
        CREATE TEMPORARY TABLE ledger_post_refused (
            n INT NOT NULL PRIMARY KEY
        ) ENGINE = MEMORY;
        SET SESSION group_concat_max_len = GREATEST(@@SESSION.group_concat_max_len, 16777216);
        SET @ledger_post_tables_v4 = 1;
    END IF;
    DELETE FROM ledger_post_tx;
    DELETE FROM ledger_post_legs;
    DELETE FROM ledger_post_accounts;

    -- 1. The batch.
    BEGIN
        DECLARE EXIT HANDLER FOR 1062
            SIGNAL SQLSTATE '45000'
                SET MESSAGE_TEXT = 'ledger_post_transactions: a transaction id occurs twice in one batch', MYSQL_ERRNO = 50108;
        INSERT INTO ledger_post_tx (n, id, v, w, c, t, r, p, k)
        SELECT jt.n, UNHEX(jt.i), UNHEX(jt.v), jt.w, jt.c, jt.t, jt.r, jt.p, jt.k
          FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                   n FOR ORDINALITY,
                   i CHAR(32) CHARACTER SET ascii PATH '$.i',
                   v CHAR(32) CHARACTER SET ascii PATH '$.v',
                   w TINYINT UNSIGNED PATH '$.w',
                   c CHAR(3) CHARACTER SET ascii COLLATE ascii_bin PATH '$.c',
                   t DATETIME(6) PATH '$.t',
                   r VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.r',
                   p VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.p',
                   k VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.k')) jt;
        SET v_count = ROW_COUNT();
    END;
    SET v_reversals = JSON_CONTAINS_PATH(p_batch, 'one', '$[*].v');
    BEGIN
        DECLARE EXIT HANDLER FOR 1062
            SIGNAL SQLSTATE '45000'
                SET MESSAGE_TEXT = 'ledger_post_transactions: an account occurs twice in one transaction', MYSQL_ERRNO = 50110;
        INSERT INTO ledger_post_legs (n, account, m, e)
        SELECT jt.n, jt.a, jt.m, jt.e
          FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
                   n FOR ORDINALITY,
                   NESTED PATH '$.l[*]' COLUMNS (
                       a VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PATH '$.a',
                       m DECIMAL(18, 4) PATH '$.m',
                       e BIGINT PATH '$.e'))) jt
         WHERE jt.a IS NOT NULL;
    END;
    IF v_reversals > 0 THEN
        INSERT INTO ledger_post_legs (n, account, delta, v)
        SELECT b.n, e.account_id, -e.amount, b.v
          FROM ledger_post_tx b
          STRAIGHT_JOIN entries e ON e.transfer_id = b.v
         WHERE b.v IS NOT NULL;
    END IF;

    -- 2. Lock the accounts of the batch in byte order of their ids and keep what the locked rows hold (an account
    -- that does not exist has no row here). The legs are sorted first and each account is then read through the
    -- primary key in that order (ADR 0017, "Locking"; OptimisticLockingTests checks the order), so the rows locked
    -- are exactly these.
    INSERT IGNORE INTO ledger_post_accounts (id, currency, balance, overdraft_limit, version)
    SELECT a.id, a.currency, a.balance, a.overdraft_limit, a.version
      FROM ledger_post_legs l
      STRAIGHT_JOIN accounts a FORCE INDEX (PRIMARY) ON a.id = l.account
     ORDER BY l.account
       FOR UPDATE;

    -- 3. Idempotency: a known id answers with its first outcome, whatever the accounts look like now. A posted
    -- transaction matches when its header does, every requested leg is one of its entries (same account, same
    -- amount), and the request has as many legs as it has. (Most batches have no known id: one read says so.)
    SELECT COUNT(x.id), COUNT(j.id) INTO v_posted_before, v_refused_before
      FROM ledger_post_tx b
      LEFT JOIN transactions x ON x.id = b.id
      LEFT JOIN transaction_rejections j ON j.id = b.id;
    IF v_posted_before > 0 THEN
        UPDATE ledger_post_tx b
          STRAIGHT_JOIN transactions x ON x.id = b.id
          STRAIGHT_JOIN currencies cur ON cur.code = x.currency
           SET b.replayed = 1, b.currency = x.currency, b.minor_units = cur.minor_units, b.legs = x.legs,
               b.posted_at = x.posted_at, b.original_k = x.correlation_id,
               b.status = IF((b.c IS NULL OR x.currency = b.c)
                             AND x.client_timestamp <=> b.t
                             AND x.reference <=> b.r
                             AND x.reversal_of <=> b.v
                             AND x.posted_by <=> b.p, 1, 2);
        UPDATE ledger_post_legs l
          STRAIGHT_JOIN ledger_post_tx b ON b.n = l.n AND b.status = 1
          STRAIGHT_JOIN entries e ON e.transfer_id = b.id AND e.account_id = l.account
           SET l.matched = (e.amount = COALESCE(l.delta, l.m * CASE b.minor_units WHEN 0 THEN 1 WHEN 1 THEN 10
                                                               WHEN 2 THEN 100 WHEN 3 THEN 1000 ELSE 10000 END));
        UPDATE ledger_post_tx b
          LEFT JOIN (SELECT n, MIN(matched) AS matched, COUNT(*) AS legs FROM ledger_post_legs GROUP BY n) g ON g.n = b.n
           SET b.status = 2
         WHERE b.status = 1 AND NOT (g.matched <=> 1 AND g.legs = b.legs);
    END IF;
    IF v_refused_before > 0 THEN
        UPDATE ledger_post_tx b
          STRAIGHT_JOIN transaction_rejections x ON x.id = b.id
          LEFT JOIN (SELECT n, GROUP_CONCAT(CONCAT(account, ':', m) ORDER BY account SEPARATOR ',') AS legs
                       FROM ledger_post_legs WHERE m IS NOT NULL GROUP BY n) g ON g.n = b.n
           SET b.replayed = 1, b.account = x.account,
               b.status = IF(x.legs <=> g.legs
                             AND (b.c IS NULL OR x.currency IS NULL OR x.currency = b.c)
                             AND x.client_timestamp <=> b.t
                             AND x.reference <=> b.r
                             AND x.reversal_of <=> b.v
                             AND x.rejected_for <=> b.p, x.status, 2)
         WHERE b.status IS NULL;
    END IF;

    -- 4. Reversals: the transaction exists and is not reversed yet. (A second reversal of one transaction in this
    -- batch is decided in step 6, in batch order: it is refused only if the one before it posts.)
    IF v_reversals > 0 THEN
        -- A transaction that committed after step 1 read the entries (in flight in another batch then) counts as not
        -- found: its legs were not there to read, and its accounts are not locked. Not recorded: a retry finds it. So
        -- does one of another number of legs than the reversal asks for (w: a transfer's reversal names two).
        UPDATE ledger_post_tx b
          LEFT JOIN transactions o ON o.id = b.v
          LEFT JOIN transactions r ON r.reversal_of = b.v
          LEFT JOIN (SELECT DISTINCT n FROM ledger_post_legs) l ON l.n = b.n
           SET b.status = CASE WHEN o.id IS NULL OR l.n IS NULL OR o.legs <> COALESCE(b.w, o.legs) THEN 11
                               WHEN r.id IS NOT NULL THEN 12 END
         WHERE b.v IS NOT NULL AND b.status IS NULL;
        SELECT COUNT(*) > COUNT(DISTINCT v) INTO v_one_per_round FROM ledger_post_tx WHERE v IS NOT NULL AND status IS NULL;
    END IF;

    -- 5. Refusals that do not depend on the order within the batch.
    UPDATE ledger_post_tx b
      JOIN (SELECT l.n,
                   COUNT(*) AS legs,
                   MIN(CASE WHEN a.id IS NULL AND COALESCE(l.delta, l.m) < 0 THEN l.account END) AS unknown_debit,
                   MIN(CASE WHEN a.id IS NULL AND COALESCE(l.delta, l.m) > 0 THEN l.account END) AS unknown_credit,
                   COUNT(DISTINCT a.currency) AS currencies,
                   MIN(a.currency) AS currency,
                   MIN(cur.minor_units) AS minor_units,
                   MAX(l.m IS NOT NULL AND a.id IS NOT NULL
                       AND l.m * CASE cur.minor_units WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100 WHEN 3 THEN 1000
                                                      ELSE 10000 END
                           <> TRUNCATE(l.m * CASE cur.minor_units WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100
                                                                  WHEN 3 THEN 1000 ELSE 10000 END, 0)) AS imprecise
              FROM ledger_post_legs l
              LEFT JOIN ledger_post_accounts a ON a.id = l.account
              LEFT JOIN currencies cur ON cur.code = a.currency
             GROUP BY l.n) g ON g.n = b.n
       SET b.currency = g.currency, b.minor_units = g.minor_units, b.legs = g.legs,
           b.account = COALESCE(g.unknown_debit, g.unknown_credit),
           b.status = CASE
                          WHEN g.unknown_debit IS NOT NULL THEN 3
                          WHEN g.unknown_credit IS NOT NULL THEN 4
                          WHEN g.currencies > 1 OR (b.c IS NOT NULL AND b.c <> g.currency) THEN 5
                          WHEN g.imprecise THEN 8
                      END
     WHERE b.status IS NULL;
    UPDATE ledger_post_legs l
      JOIN ledger_post_tx b ON b.n = l.n AND b.status IS NULL
       SET l.live = 1,
           l.delta = COALESCE(l.delta, CAST(l.m * CASE b.minor_units WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100
                                                                     WHEN 3 THEN 1000 ELSE 10000 END AS SIGNED));

    -- 6. Second reversals, expected versions, funds and range, in batch order. One offender per round when refusing
    -- one transaction could cure a later one in ways the quick rule below does not see: two reversals of one
    -- transaction (the second stands if the first is refused), an account that could go above the largest BIGINT
    -- even were every debit refused (almost never), a leg with an expected version, or a transaction with more than
    -- one debit (refused for one debit, it gives back what its others took). A batch of one is one round anyway.
    IF v_count > 1 AND NOT v_one_per_round THEN
        SELECT COUNT(*) > 0 INTO v_one_per_round
          FROM (SELECT l.account, SUM(l.delta) AS credits
                  FROM ledger_post_legs l WHERE l.live = 1 AND l.delta > 0 GROUP BY l.account) c
          JOIN ledger_post_accounts a ON a.id = c.account
         WHERE a.balance + c.credits > 9223372036854775807;
    END IF;
    IF v_count > 1 AND NOT v_one_per_round THEN
        SELECT COUNT(*) > 0 INTO v_one_per_round
          FROM (SELECT n FROM ledger_post_legs WHERE live = 1 GROUP BY n
                HAVING MAX(e IS NOT NULL) = 1 OR SUM(delta < 0) > 1) o;
    END IF;
    funds: LOOP
        DELETE FROM ledger_post_running;
        INSERT INTO ledger_post_running (n, account, delta, balance_after, version, k, last, short, mismatch, dup)
        SELECT w.n, w.account, w.delta, w.balance + w.run, w.version + w.k, w.k, w.k = w.changes,
               CASE WHEN w.delta < 0 THEN w.balance + w.run < -w.overdraft_limit
                    ELSE w.balance + w.run > 9223372036854775807 END,
               COALESCE(w.e <> w.version + w.k - 1, 0),
               w.v IS NOT NULL AND w.nth > 1
          FROM (SELECT l.n, l.account, l.delta, l.e, l.v, a.balance, a.overdraft_limit, a.version,
                       DENSE_RANK() OVER (PARTITION BY l.v ORDER BY l.n) AS nth,
                       SUM(l.delta) OVER (PARTITION BY l.account ORDER BY l.n
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run,
                       ROW_NUMBER() OVER (PARTITION BY l.account ORDER BY l.n) AS k,
                       COUNT(*) OVER (PARTITION BY l.account) AS changes
                  FROM ledger_post_legs l
                  JOIN ledger_post_accounts a ON a.id = l.account
                 WHERE l.live = 1) w;
        SELECT MIN(n) INTO v_first FROM ledger_post_running WHERE short = 1 OR mismatch = 1 OR dup = 1;
        IF v_first IS NULL THEN
            LEAVE funds;
        END IF;
        -- Refused at once: the earliest offender, and (when refusals cannot cure in other ways) every debit that is
        -- the first offender of its account with no credit to that account from the earliest offender on (nothing
        -- undecided can raise its balance then). The others wait for the next round, on balances without these.
        DELETE FROM ledger_post_refused;
        IF v_one_per_round THEN
            INSERT INTO ledger_post_refused (n) VALUES (v_first);
        ELSE
            INSERT INTO ledger_post_refused (n)
            SELECT DISTINCT n
              FROM (SELECT n, delta, short,
                           SUM(short) OVER (PARTITION BY account ORDER BY n
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_short,
                           SUM(delta > 0 AND n >= v_first) OVER (PARTITION BY account ORDER BY n
                                                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS credits
                      FROM ledger_post_running) w
             WHERE (n = v_first)
                OR (short = 1 AND delta < 0 AND COALESCE(earlier_short, 0) = 0 AND COALESCE(credits, 0) = 0);
        END IF;
        -- A transaction is refused for its first fault in the order: reversed already by the reversal before it (12),
        -- stale version (15), a short debit (6), an overflowing credit (14); account names the leg.
        UPDATE ledger_post_tx b
          JOIN (SELECT r.n,
                       MAX(r.dup) AS dup,
                       MIN(CASE WHEN r.mismatch = 1 THEN r.account END) AS stale,
                       MIN(CASE WHEN r.short = 1 AND r.delta < 0 THEN r.account END) AS short_debit,
                       MIN(CASE WHEN r.short = 1 AND r.delta > 0 THEN r.account END) AS overflow
                  FROM ledger_post_running r
                  JOIN ledger_post_refused x ON x.n = r.n
                 GROUP BY r.n) g ON g.n = b.n
           SET b.status = CASE WHEN g.dup = 1 THEN 12 WHEN g.stale IS NOT NULL THEN 15 WHEN g.short_debit IS NOT NULL THEN 6
                               ELSE 14 END,
               b.account = IF(g.dup = 1, NULL, COALESCE(g.stale, g.short_debit, g.overflow));
        UPDATE ledger_post_legs l JOIN ledger_post_refused x ON x.n = l.n SET l.live = 0;
    END LOOP;

    -- 7. Write: every transaction still undecided (status NULL) posts, with the legs of ledger_post_running. The
    -- guard cannot fail while the locks are held; if it does, nothing of the batch may stay.
    UPDATE ledger_post_running r
      STRAIGHT_JOIN accounts a ON a.id = r.account AND a.version = r.version - r.k
       SET a.balance = r.balance_after, a.version = r.version, a.updated_at = p_posted_at
     WHERE r.last = 1;
    SET v_changed = ROW_COUNT();
    IF v_changed <> (SELECT COUNT(*) FROM ledger_post_running WHERE last = 1) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'ledger_post_transactions: a version guard failed while the batch held its locks',
                MYSQL_ERRNO = 50107;
    END IF;

    INSERT INTO transactions (id, currency, legs, client_timestamp, posted_at, posted_by, correlation_id, reference,
                              reversal_of)
    SELECT id, currency, legs, t, p_posted_at, p, k, r, v
      FROM ledger_post_tx
     WHERE status IS NULL
     ORDER BY n;

    INSERT INTO entries (account_id, account_version, transfer_id, amount, balance_after, posted_at)
    SELECT r.account, r.version, b.id, r.delta, r.balance_after, p_posted_at
      FROM ledger_post_running r
      JOIN ledger_post_tx b ON b.n = r.n
     ORDER BY r.n, r.account;

    INSERT INTO outbox (account_id, version, balance, created_at)
    SELECT account, version, balance_after, p_posted_at
      FROM ledger_post_running
     WHERE last = 1
     ORDER BY account;

    IF EXISTS (SELECT 1 FROM ledger_post_tx WHERE status IN (3, 4, 5, 6, 14) AND replayed = 0) THEN
        INSERT INTO transaction_rejections (id, currency, legs, client_timestamp, reference, reversal_of, status, account,
                                            rejected_at, rejected_for, correlation_id)
        SELECT b.id, COALESCE(b.c, b.currency), g.legs, b.t, b.r, b.v, b.status, b.account, p_posted_at, b.p, b.k
          FROM ledger_post_tx b
          LEFT JOIN (SELECT n, GROUP_CONCAT(CONCAT(account, ':', m) ORDER BY account SEPARATOR ',') AS legs
                       FROM ledger_post_legs WHERE m IS NOT NULL GROUP BY n) g ON g.n = b.n
         WHERE b.status IN (3, 4, 5, 6, 14) AND b.replayed = 0
         ORDER BY b.n;
    END IF;

    -- A posted transaction is answered from the batch itself; a replay from the transaction it replays.
    IF v_posted_before > 0 THEN
        INSERT INTO ledger_post_running (n, account, delta, balance_after, version, k, last, short, mismatch, dup)
        SELECT b.n, e.account_id, e.amount, e.balance_after, e.account_version, 0, 0, 0, 0, 0
          FROM ledger_post_tx b
          STRAIGHT_JOIN entries e ON e.transfer_id = b.id
         WHERE b.status = 1;
    END IF;
    SELECT n, COALESCE(status, 0) AS status, replayed, account, id, currency, minor_units, t AS client_timestamp,
           COALESCE(posted_at, p_posted_at) AS posted_at, p AS posted_by, IF(replayed, original_k, k) AS correlation_id,
           r AS reference, v AS reversal_of
      FROM ledger_post_tx
     ORDER BY n;
    SELECT n, account AS account_id, delta AS amount, balance_after, version
      FROM ledger_post_running
     ORDER BY n, account;
END$$
DELIMITER ;
