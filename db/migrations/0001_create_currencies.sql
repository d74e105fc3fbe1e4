-- Currencies the ledger accepts, with the number of minor units (fraction digits) of each, as in ISO 4217.
-- An amount with more fraction digits than its currency's minor_units is rejected, never rounded.
CREATE TABLE currencies (
    code        CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    minor_units TINYINT UNSIGNED NOT NULL,
    name        VARCHAR(64) NOT NULL,
    PRIMARY KEY (code),
    CONSTRAINT ck_currencies_code CHECK (code REGEXP '^[A-Z]{3}$'),
    CONSTRAINT ck_currencies_minor_units CHECK (minor_units <= 4)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
