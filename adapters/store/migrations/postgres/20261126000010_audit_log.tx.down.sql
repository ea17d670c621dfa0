DROP TABLE audit_seqs;
--bun:split
DROP TABLE audit_log;
