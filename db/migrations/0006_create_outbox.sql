-- Balance changes waiting to be published to the Redis cache. Written in the same database transaction as the
-- entries, so a committed change always has its row; the sweeper applies unpublished rows to Redis with the
-- version-guarded compare-and-set and stamps published_at.
CREATE TABLE outbox (
    id           BIGINT NOT NULL AUTO_INCREMENT,
    account_id   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    version      BIGINT NOT NULL,
    balance      BIGINT NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    published_at DATETIME(6) NULL,
    PRIMARY KEY (id),
    KEY ix_outbox_unpublished (published_at, id),
    CONSTRAINT fk_outbox_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
