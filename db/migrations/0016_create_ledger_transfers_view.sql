-- The two-leg transactions in the shape of the transfers table (ADR 0017): one row per transfer, with its source (the
-- debited account), destination and amount read from its two entries, for reports and queries written against
-- transfers before transactions had N legs. Read-only; served by the primary key of transactions and the entries'
-- index on their transaction.
CREATE OR REPLACE VIEW ledger_transfers AS
SELECT t.id,
       debit.account_id  AS source_account_id,
       credit.account_id AS destination_account_id,
       credit.amount     AS amount,
       t.currency,
       t.client_timestamp,
       t.posted_at,
       t.posted_by,
       t.correlation_id,
       t.reference,
       t.reversal_of
  FROM transactions t
  JOIN entries debit ON debit.transfer_id = t.id AND debit.amount < 0
  JOIN entries credit ON credit.transfer_id = t.id AND credit.amount > 0
 WHERE t.legs = 2;
