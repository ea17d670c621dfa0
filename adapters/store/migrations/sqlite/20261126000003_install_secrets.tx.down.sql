DROP TABLE install_secrets;
