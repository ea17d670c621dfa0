DROP TABLE plan_catalogs;
