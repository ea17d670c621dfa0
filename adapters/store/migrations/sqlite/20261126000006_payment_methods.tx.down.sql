DROP TABLE payment_method_seqs;
--bun:split
DROP TABLE payment_methods;
