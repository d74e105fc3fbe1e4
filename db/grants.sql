-- The two database users of Ledger and what each may do. Run it as an administrator once the users exist
-- (db/README.md, "The two users"); run it again after an upgrade whose release notes say the grants changed.
-- It names the database `ledger`: change `ledger` in both GRANT lines if yours has another name.

-- ledger_migrator owns the schema. It applies db/migrations and db/procedures (the `migrate` command, the Helm chart's
-- migration Job, ConnectionStrings:LedgerMigrator), so it is the DEFINER of the procedures and triggers, and they run
-- with its rights: the posting procedures need its UPDATE on accounts, DELETE on outbox and CREATE TEMPORARY TABLES.
-- CREATE VIEW and SHOW VIEW (since migration 0016) make the ledger_transfers view.
GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE, CREATE, ALTER, DROP, INDEX, REFERENCES, TRIGGER,
      CREATE ROUTINE, ALTER ROUTINE, CREATE TEMPORARY TABLES, CREATE VIEW, SHOW VIEW
   ON `ledger`.* TO 'ledger_migrator'@'%';

-- ledger_app is the API's and the library's user (ConnectionStrings:Ledger). It reads, and it changes data only by
-- calling the procedures: no INSERT, UPDATE or DELETE on any table and no DDL, so stolen application credentials can
-- neither rewrite history nor drop the triggers that keep it append-only.
GRANT SELECT, EXECUTE ON `ledger`.* TO 'ledger_app'@'%';
