DROP TABLE tenant_plans;
