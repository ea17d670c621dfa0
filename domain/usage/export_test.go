package usage

// GroupsPerTenant is groupsPerTenant, for the grouping tests.
const GroupsPerTenant = groupsPerTenant
