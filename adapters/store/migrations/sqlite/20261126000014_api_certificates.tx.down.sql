DROP TABLE api_certificates;
--bun:split
DELETE FROM install_secrets WHERE name = 'api-certificate-ca';
