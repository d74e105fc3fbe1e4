-- One row per account. balance and overdraft_limit are integers in the currency's minor units.
-- version starts at 0 and goes up by one with every balance change; every entry carries the version its change
-- produced, and every balance UPDATE is guarded by the version that was read (optimistic locking).
CREATE TABLE accounts (
    id              VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    currency        CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    balance         BIGINT NOT NULL DEFAULT 0,
    overdraft_limit BIGINT NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL DEFAULT 0,
    created_at      DATETIME(6) NOT NULL,
    created_by      VARCHAR(100) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_accounts_currency FOREIGN KEY (currency) REFERENCES currencies (code),
    CONSTRAINT ck_accounts_id CHECK (id REGEXP '^[A-Za-z0-9._-]{1,64}$'),
    CONSTRAINT ck_accounts_overdraft_limit CHECK (overdraft_limit >= 0),
    CONSTRAINT ck_accounts_version CHECK (version >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
