-- One row per posted transfer; append-only (see 0008). id is a UUID stored big-endian, so UUIDv7 ids sort by time.
-- amount is a positive integer in minor units of currency. client_timestamp is the caller's timestamp when it gave
-- one; posted_at is when the ledger committed it. reversal_of links a compensating transfer to the one it reverses;
-- the unique key allows at most one reversal per transfer. Text columns compare exactly (binary collations), as
-- the idempotency check compares a retry's reference with the original's.
CREATE TABLE transfers (
    id                     BINARY(16) NOT NULL,
    source_account_id      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    destination_account_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    amount                 BIGINT NOT NULL,
    currency               CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    client_timestamp       DATETIME(6) NULL,
    posted_at              DATETIME(6) NOT NULL,
    posted_by              VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    correlation_id         VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    reference              VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    reversal_of            BINARY(16) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_transfers_reversal_of (reversal_of),
    KEY ix_transfers_source (source_account_id),
    KEY ix_transfers_destination (destination_account_id),
    CONSTRAINT fk_transfers_source FOREIGN KEY (source_account_id) REFERENCES accounts (id),
    CONSTRAINT fk_transfers_destination FOREIGN KEY (destination_account_id) REFERENCES accounts (id),
    CONSTRAINT fk_transfers_currency FOREIGN KEY (currency) REFERENCES currencies (code),
    CONSTRAINT fk_transfers_reversal_of FOREIGN KEY (reversal_of) REFERENCES transfers (id),
    CONSTRAINT ck_transfers_amount CHECK (amount > 0),
    CONSTRAINT ck_transfers_accounts CHECK (source_account_id <> destination_account_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
