-- Two entries per transfer (source debited with a negative amount, destination credited), summing to zero.
-- The primary key (account_id, account_version) means two writers can never both claim one version of an
-- account, and makes an account's statement, or its balance at any past version, one index range away.
CREATE TABLE entries (
    account_id      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_version BIGINT NOT NULL,
    transfer_id     BINARY(16) NOT NULL,
    amount          BIGINT NOT NULL,
    balance_after   BIGINT NOT NULL,
    posted_at       DATETIME(6) NOT NULL,
    PRIMARY KEY (account_id, account_version),
    KEY ix_entries_transfer (transfer_id),
    CONSTRAINT fk_entries_account FOREIGN KEY (account_id) REFERENCES accounts (id),
    CONSTRAINT fk_entries_transfer FOREIGN KEY (transfer_id) REFERENCES transfers (id),
    CONSTRAINT ck_entries_amount CHECK (amount <> 0),
    CONSTRAINT ck_entries_version CHECK (account_version > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
