-- Refusals that depend on the ledger's state (an unknown account, accounts in different currencies, insufficient
-- funds) are final for their transfer id: a retry with the same id and content answers the same refusal even if
-- the state has changed since (the money arrived, the account was opened); a new attempt takes a new id. This keeps
-- "one id, one outcome": a client that lost the first answer and retries cannot get a different one. Requests that
-- are malformed (refused before they reach the ledger) and concurrency conflicts (safe to retry) are not recorded.
-- The requested amount is kept as given, in major units, since it may not convert (the currency may be unknown);
-- the currency is the one the request named, or else the source account's when it exists.
CREATE TABLE transfer_rejections (
    id                     BINARY(16) NOT NULL,
    source_account_id      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    destination_account_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    amount                 DECIMAL(18, 4) NOT NULL,
    currency               CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
    client_timestamp       DATETIME(6) NULL,
    reference              VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    reversal_of            BINARY(16) NULL,
    status                 TINYINT UNSIGNED NOT NULL,
    rejected_at            DATETIME(6) NOT NULL,
    rejected_for           VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    correlation_id         VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
