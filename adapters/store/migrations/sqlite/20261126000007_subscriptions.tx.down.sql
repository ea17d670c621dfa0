DROP TABLE subscription_changes;
--bun:split
DROP TABLE subscriptions;
--bun:split
DROP TABLE plan_transitions;
