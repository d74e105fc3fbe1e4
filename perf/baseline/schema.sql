-- The baseline's tables: the least a double-entry ledger needs, written the way a textbook (or a DBA asked for the
-- plainest design) would write it. A yardstick for Ledger's cost per transfer, not production code (README.md).
-- Run once in a database of its own (ledger_baseline); safe to run again.
--
-- Money is a BIGINT in minor units (cents), one currency, so there is no currency table. What the money needs is
-- here: a balance, an overdraft limit and a version per account; one row per transfer; two entries per transfer with
-- the balance after and the version they made (the primary key (account_id, account_version) lets no two writers
-- claim one version); foreign keys from every transfer and entry to its accounts and from every entry to its
-- transfer. What Ledger has beyond this (currencies, the outbox, recorded refusals, reversals, append-only triggers,
-- client timestamp, reference, poster and correlation id) is what the comparison with Ledger puts a price on.
CREATE TABLE IF NOT EXISTS accounts (
    id              VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    balance         BIGINT NOT NULL DEFAULT 0,
    overdraft_limit BIGINT NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    CONSTRAINT ck_accounts_overdraft_limit CHECK (overdraft_limit >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS transfers (
    id                     BINARY(16) NOT NULL,
    source_account_id      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    destination_account_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    amount                 BIGINT NOT NULL,
    posted_at              DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_transfers_source FOREIGN KEY (source_account_id) REFERENCES accounts (id),
    CONSTRAINT fk_transfers_destination FOREIGN KEY (destination_account_id) REFERENCES accounts (id),
    CONSTRAINT ck_transfers_amount CHECK (amount > 0),
    CONSTRAINT ck_transfers_accounts CHECK (source_account_id <> destination_account_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS entries (
    account_id      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_version BIGINT NOT NULL,
    transfer_id     BINARY(16) NOT NULL,
    amount          BIGINT NOT NULL,
    balance_after   BIGINT NOT NULL,
    posted_at       DATETIME(6) NOT NULL,
    PRIMARY KEY (account_id, account_version),
    CONSTRAINT fk_entries_account FOREIGN KEY (account_id) REFERENCES accounts (id),
    CONSTRAINT fk_entries_transfer FOREIGN KEY (transfer_id) REFERENCES transfers (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
