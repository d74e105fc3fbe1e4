-- Every change that is not a posting (account created, overdraft limit changed), with who, when and the
-- correlation id of the request. Append-only (see 0009).
CREATE TABLE audit_log (
    id             BIGINT NOT NULL AUTO_INCREMENT,
    occurred_at    DATETIME(6) NOT NULL,
    actor          VARCHAR(100) NOT NULL,
    action         VARCHAR(64) NOT NULL,
    entity_type    VARCHAR(32) NOT NULL,
    entity_id      VARCHAR(64) NOT NULL,
    details        TEXT NULL,
    correlation_id VARCHAR(64) NULL,
    PRIMARY KEY (id),
    KEY ix_audit_log_entity (entity_type, entity_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
