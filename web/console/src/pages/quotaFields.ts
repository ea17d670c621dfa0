import { graphql } from '../gql';

// The fields of one quota key the pages show: both layers, their sources
// and utilisation.
export const QuotaItemFields = graphql(`
  fragment QuotaItemFields on QuotaUsageItem {
    key
    displayName
    limit
    limitSource
    current
    tenantLimit
    tenantLimitSource
    tenantCurrent
  }
`);
