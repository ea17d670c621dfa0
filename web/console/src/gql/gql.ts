/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query AuditLog {\n    auditLog(first: 100) {\n      edges {\n        node {\n          seq\n          at\n          actor\n          action\n          namespace\n          object\n        }\n      }\n    }\n  }\n": typeof types.AuditLogDocument,
    "\n  query InvoicePage {\n    invoices(first: 100) {\n      edges {\n        node {\n          name\n          number\n          status\n          period\n          periodStart\n          periodEnd\n          plan\n          issuedAt\n          dueAt\n          totalCents\n          subtotalCents\n          taxCents\n          taxName\n          currency\n          lines {\n            kind\n            description\n            usageType\n            quantity\n            unit\n            billableQuantity\n            billableUnit\n            unitPrice\n            amountCents\n          }\n        }\n      }\n    }\n  }\n": typeof types.InvoicePageDocument,
    "\n  query Invoices {\n    invoices(first: 50) {\n      edges {\n        node {\n          name\n          status\n          period\n          periodStart\n          periodEnd\n          issuedAt\n          dueAt\n          totalCents\n          currency\n        }\n      }\n    }\n  }\n": typeof types.InvoicesDocument,
    "\n  query NamespacePage($name: String!, $from: Time!) {\n    namespace(name: $name) {\n      name\n      quotaUsage {\n        objects {\n          key\n          displayName\n          limit\n          current\n          tenantLimit\n          tenantCurrent\n        }\n        resources {\n          key\n          displayName\n          limit\n          current\n          tenantLimit\n          tenantCurrent\n        }\n      }\n      usage(from: $from) {\n        hourly {\n          usageType\n          quantity\n          unitName\n          start\n        }\n      }\n      cost(from: $from) {\n        totalCents\n        currency\n        lines {\n          usageType\n          quantity\n          unitName\n          amountCents\n          currency\n          fixed\n        }\n      }\n    }\n  }\n": typeof types.NamespacePageDocument,
    "\n  query Namespaces {\n    namespaces(first: 100) {\n      edges {\n        node {\n          name\n          quotaUsage {\n            objects {\n              key\n              displayName\n              limit\n              current\n              tenantLimit\n              tenantCurrent\n            }\n            resources {\n              key\n              displayName\n              limit\n              current\n              tenantLimit\n              tenantCurrent\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.NamespacesDocument,
    "\n  query Overview($from: Time!) {\n    invoices(first: 1) {\n      edges {\n        node {\n          name\n          status\n          totalCents\n          currency\n          periodStart\n          periodEnd\n        }\n      }\n    }\n    namespaces(first: 100) {\n      edges {\n        node {\n          name\n          cost(from: $from) {\n            totalCents\n            currency\n          }\n        }\n      }\n    }\n    namespace(name: \"system\") {\n      usage(from: $from) {\n        hourly {\n          usageType\n          quantity\n          start\n        }\n      }\n    }\n  }\n": typeof types.OverviewDocument,
    "\n  query PaymentMethods {\n    paymentMethods {\n      name\n      role\n      createdAt\n      contact {\n        city\n        country\n      }\n    }\n  }\n": typeof types.PaymentMethodsDocument,
    "\n  mutation CreatePaymentMethod($input: CreatePaymentMethodInput!) {\n    createPaymentMethod(input: $input) {\n      name\n    }\n  }\n": typeof types.CreatePaymentMethodDocument,
    "\n  mutation MakePrimary($name: String!) {\n    makePaymentMethodPrimary(name: $name) {\n      name\n    }\n  }\n": typeof types.MakePrimaryDocument,
    "\n  mutation MakeSecondary($name: String!) {\n    makePaymentMethodSecondary(name: $name) {\n      name\n    }\n  }\n": typeof types.MakeSecondaryDocument,
    "\n  mutation SwapRole($name: String!) {\n    swapPaymentMethodRole(name: $name) {\n      name\n    }\n  }\n": typeof types.SwapRoleDocument,
    "\n  mutation DeletePaymentMethod($name: String!) {\n    deletePaymentMethod(name: $name)\n  }\n": typeof types.DeletePaymentMethodDocument,
    "\n  query PlanPage {\n    plans {\n      name\n      title\n      subtitle\n      flatPriceCents\n      currency\n      renewalPeriodUnit\n      current\n      allowedAddons\n      includedAddons\n      transitionFlow {\n        method\n        requiredFields\n        requiresManualApproval\n      }\n    }\n    subscriptions(current: true) {\n      id\n      kind\n      name\n      title\n      start\n    }\n  }\n": typeof types.PlanPageDocument,
    "\n  mutation InitiatePlanTransition($input: InitiatePlanTransitionInput!) {\n    initiatePlanTransition(input: $input) {\n      id\n      state\n      targetPlan\n      requiresManualApproval\n      failureReason\n      createdAt\n    }\n  }\n": typeof types.InitiatePlanTransitionDocument,
    "\n  mutation SubscribeAddon($name: String!) {\n    subscribeAddon(name: $name) {\n      id\n    }\n  }\n": typeof types.SubscribeAddonDocument,
    "\n  mutation UnsubscribeAddon($name: String!) {\n    unsubscribeAddon(name: $name) {\n      id\n    }\n  }\n": typeof types.UnsubscribeAddonDocument,
    "\n  query ViewerNamespaces {\n    namespaces(first: 2) {\n      edges {\n        node {\n          name\n        }\n      }\n    }\n  }\n": typeof types.ViewerNamespacesDocument,
    "\n  query ViewerAdmin {\n    auditLog(first: 1) {\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.ViewerAdminDocument,
    "\n  query ViewerTenant {\n    currentPlan {\n      name\n    }\n  }\n": typeof types.ViewerTenantDocument,
};
const documents: Documents = {
    "\n  query AuditLog {\n    auditLog(first: 100) {\n      edges {\n        node {\n          seq\n          at\n          actor\n          action\n          namespace\n          object\n        }\n      }\n    }\n  }\n": types.AuditLogDocument,
    "\n  query InvoicePage {\n    invoices(first: 100) {\n      edges {\n        node {\n          name\n          number\n          status\n          period\n          periodStart\n          periodEnd\n          plan\n          issuedAt\n          dueAt\n          totalCents\n          subtotalCents\n          taxCents\n          taxName\n          currency\n          lines {\n            kind\n            description\n            usageType\n            quantity\n            unit\n            billableQuantity\n            billableUnit\n            unitPrice\n            amountCents\n          }\n        }\n      }\n    }\n  }\n": types.InvoicePageDocument,
    "\n  query Invoices {\n    invoices(first: 50) {\n      edges {\n        node {\n          name\n          status\n          period\n          periodStart\n          periodEnd\n          issuedAt\n          dueAt\n          totalCents\n          currency\n        }\n      }\n    }\n  }\n": types.InvoicesDocument,
    "\n  query NamespacePage($name: String!, $from: Time!) {\n    namespace(name: $name) {\n      name\n      quotaUsage {\n        objects {\n          key\n          displayName\n          limit\n          current\n          tenantLimit\n          tenantCurrent\n        }\n        resources {\n          key\n          displayName\n          limit\n          current\n          tenantLimit\n          tenantCurrent\n        }\n      }\n      usage(from: $from) {\n        hourly {\n          usageType\n          quantity\n          unitName\n          start\n        }\n      }\n      cost(from: $from) {\n        totalCents\n        currency\n        lines {\n          usageType\n          quantity\n          unitName\n          amountCents\n          currency\n          fixed\n        }\n      }\n    }\n  }\n": types.NamespacePageDocument,
    "\n  query Namespaces {\n    namespaces(first: 100) {\n      edges {\n        node {\n          name\n          quotaUsage {\n            objects {\n              key\n              displayName\n              limit\n              current\n              tenantLimit\n              tenantCurrent\n            }\n            resources {\n              key\n              displayName\n              limit\n              current\n              tenantLimit\n              tenantCurrent\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.NamespacesDocument,
    "\n  query Overview($from: Time!) {\n    invoices(first: 1) {\n      edges {\n        node {\n          name\n          status\n          totalCents\n          currency\n          periodStart\n          periodEnd\n        }\n      }\n    }\n    namespaces(first: 100) {\n      edges {\n        node {\n          name\n          cost(from: $from) {\n            totalCents\n            currency\n          }\n        }\n      }\n    }\n    namespace(name: \"system\") {\n      usage(from: $from) {\n        hourly {\n          usageType\n          quantity\n          start\n        }\n      }\n    }\n  }\n": types.OverviewDocument,
    "\n  query PaymentMethods {\n    paymentMethods {\n      name\n      role\n      createdAt\n      contact {\n        city\n        country\n      }\n    }\n  }\n": types.PaymentMethodsDocument,
    "\n  mutation CreatePaymentMethod($input: CreatePaymentMethodInput!) {\n    createPaymentMethod(input: $input) {\n      name\n    }\n  }\n": types.CreatePaymentMethodDocument,
    "\n  mutation MakePrimary($name: String!) {\n    makePaymentMethodPrimary(name: $name) {\n      name\n    }\n  }\n": types.MakePrimaryDocument,
    "\n  mutation MakeSecondary($name: String!) {\n    makePaymentMethodSecondary(name: $name) {\n      name\n    }\n  }\n": types.MakeSecondaryDocument,
    "\n  mutation SwapRole($name: String!) {\n    swapPaymentMethodRole(name: $name) {\n      name\n    }\n  }\n": types.SwapRoleDocument,
    "\n  mutation DeletePaymentMethod($name: String!) {\n    deletePaymentMethod(name: $name)\n  }\n": types.DeletePaymentMethodDocument,
    "\n  query PlanPage {\n    plans {\n      name\n      title\n      subtitle\n      flatPriceCents\n      currency\n      renewalPeriodUnit\n      current\n      allowedAddons\n      includedAddons\n      transitionFlow {\n        method\n        requiredFields\n        requiresManualApproval\n      }\n    }\n    subscriptions(current: true) {\n      id\n      kind\n      name\n      title\n      start\n    }\n  }\n": types.PlanPageDocument,
    "\n  mutation InitiatePlanTransition($input: InitiatePlanTransitionInput!) {\n    initiatePlanTransition(input: $input) {\n      id\n      state\n      targetPlan\n      requiresManualApproval\n      failureReason\n      createdAt\n    }\n  }\n": types.InitiatePlanTransitionDocument,
    "\n  mutation SubscribeAddon($name: String!) {\n    subscribeAddon(name: $name) {\n      id\n    }\n  }\n": types.SubscribeAddonDocument,
    "\n  mutation UnsubscribeAddon($name: String!) {\n    unsubscribeAddon(name: $name) {\n      id\n    }\n  }\n": types.UnsubscribeAddonDocument,
    "\n  query ViewerNamespaces {\n    namespaces(first: 2) {\n      edges {\n        node {\n          name\n        }\n      }\n    }\n  }\n": types.ViewerNamespacesDocument,
    "\n  query ViewerAdmin {\n    auditLog(first: 1) {\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.ViewerAdminDocument,
    "\n  query ViewerTenant {\n    currentPlan {\n      name\n    }\n  }\n": types.ViewerTenantDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditLog {\n    auditLog(first: 100) {\n      edges {\n        node {\n          seq\n          at\n          actor\n          action\n          namespace\n          object\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditLog {\n    auditLog(first: 100) {\n      edges {\n        node {\n          seq\n          at\n          actor\n          action\n          namespace\n          object\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query InvoicePage {\n    invoices(first: 100) {\n      edges {\n        node {\n          name\n          number\n          status\n          period\n          periodStart\n          periodEnd\n          plan\n          issuedAt\n          dueAt\n          totalCents\n          subtotalCents\n          taxCents\n          taxName\n          currency\n          lines {\n            kind\n            description\n            usageType\n            quantity\n            unit\n            billableQuantity\n            billableUnit\n            unitPrice\n            amountCents\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query InvoicePage {\n    invoices(first: 100) {\n      edges {\n        node {\n          name\n          number\n          status\n          period\n          periodStart\n          periodEnd\n          plan\n          issuedAt\n          dueAt\n          totalCents\n          subtotalCents\n          taxCents\n          taxName\n          currency\n          lines {\n            kind\n            description\n            usageType\n            quantity\n            unit\n            billableQuantity\n            billableUnit\n            unitPrice\n            amountCents\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Invoices {\n    invoices(first: 50) {\n      edges {\n        node {\n          name\n          status\n          period\n          periodStart\n          periodEnd\n          issuedAt\n          dueAt\n          totalCents\n          currency\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Invoices {\n    invoices(first: 50) {\n      edges {\n        node {\n          name\n          status\n          period\n          periodStart\n          periodEnd\n          issuedAt\n          dueAt\n          totalCents\n          currency\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NamespacePage($name: String!, $from: Time!) {\n    namespace(name: $name) {\n      name\n      quotaUsage {\n        objects {\n          key\n          displayName\n          limit\n          current\n          tenantLimit\n          tenantCurrent\n        }\n        resources {\n          key\n          displayName\n          limit\n          current\n          tenantLimit\n          tenantCurrent\n        }\n      }\n      usage(from: $from) {\n        hourly {\n          usageType\n          quantity\n          unitName\n          start\n        }\n      }\n      cost(from: $from) {\n        totalCents\n        currency\n        lines {\n          usageType\n          quantity\n          unitName\n          amountCents\n          currency\n          fixed\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query NamespacePage($name: String!, $from: Time!) {\n    namespace(name: $name) {\n      name\n      quotaUsage {\n        objects {\n          key\n          displayName\n          limit\n          current\n          tenantLimit\n          tenantCurrent\n        }\n        resources {\n          key\n          displayName\n          limit\n          current\n          tenantLimit\n          tenantCurrent\n        }\n      }\n      usage(from: $from) {\n        hourly {\n          usageType\n          quantity\n          unitName\n          start\n        }\n      }\n      cost(from: $from) {\n        totalCents\n        currency\n        lines {\n          usageType\n          quantity\n          unitName\n          amountCents\n          currency\n          fixed\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Namespaces {\n    namespaces(first: 100) {\n      edges {\n        node {\n          name\n          quotaUsage {\n            objects {\n              key\n              displayName\n              limit\n              current\n              tenantLimit\n              tenantCurrent\n            }\n            resources {\n              key\n              displayName\n              limit\n              current\n              tenantLimit\n              tenantCurrent\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query Namespaces {\n    namespaces(first: 100) {\n      edges {\n        node {\n          name\n          quotaUsage {\n            objects {\n              key\n              displayName\n              limit\n              current\n              tenantLimit\n              tenantCurrent\n            }\n            resources {\n              key\n              displayName\n              limit\n              current\n              tenantLimit\n              tenantCurrent\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Overview($from: Time!) {\n    invoices(first: 1) {\n      edges {\n        node {\n          name\n          status\n          totalCents\n          currency\n          periodStart\n          periodEnd\n        }\n      }\n    }\n    namespaces(first: 100) {\n      edges {\n        node {\n          name\n          cost(from: $from) {\n            totalCents\n            currency\n          }\n        }\n      }\n    }\n    namespace(name: \"system\") {\n      usage(from: $from) {\n        hourly {\n          usageType\n          quantity\n          start\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Overview($from: Time!) {\n    invoices(first: 1) {\n      edges {\n        node {\n          name\n          status\n          totalCents\n          currency\n          periodStart\n          periodEnd\n        }\n      }\n    }\n    namespaces(first: 100) {\n      edges {\n        node {\n          name\n          cost(from: $from) {\n            totalCents\n            currency\n          }\n        }\n      }\n    }\n    namespace(name: \"system\") {\n      usage(from: $from) {\n        hourly {\n          usageType\n          quantity\n          start\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PaymentMethods {\n    paymentMethods {\n      name\n      role\n      createdAt\n      contact {\n        city\n        country\n      }\n    }\n  }\n"): (typeof documents)["\n  query PaymentMethods {\n    paymentMethods {\n      name\n      role\n      createdAt\n      contact {\n        city\n        country\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreatePaymentMethod($input: CreatePaymentMethodInput!) {\n    createPaymentMethod(input: $input) {\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreatePaymentMethod($input: CreatePaymentMethodInput!) {\n    createPaymentMethod(input: $input) {\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MakePrimary($name: String!) {\n    makePaymentMethodPrimary(name: $name) {\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation MakePrimary($name: String!) {\n    makePaymentMethodPrimary(name: $name) {\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MakeSecondary($name: String!) {\n    makePaymentMethodSecondary(name: $name) {\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation MakeSecondary($name: String!) {\n    makePaymentMethodSecondary(name: $name) {\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SwapRole($name: String!) {\n    swapPaymentMethodRole(name: $name) {\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation SwapRole($name: String!) {\n    swapPaymentMethodRole(name: $name) {\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeletePaymentMethod($name: String!) {\n    deletePaymentMethod(name: $name)\n  }\n"): (typeof documents)["\n  mutation DeletePaymentMethod($name: String!) {\n    deletePaymentMethod(name: $name)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlanPage {\n    plans {\n      name\n      title\n      subtitle\n      flatPriceCents\n      currency\n      renewalPeriodUnit\n      current\n      allowedAddons\n      includedAddons\n      transitionFlow {\n        method\n        requiredFields\n        requiresManualApproval\n      }\n    }\n    subscriptions(current: true) {\n      id\n      kind\n      name\n      title\n      start\n    }\n  }\n"): (typeof documents)["\n  query PlanPage {\n    plans {\n      name\n      title\n      subtitle\n      flatPriceCents\n      currency\n      renewalPeriodUnit\n      current\n      allowedAddons\n      includedAddons\n      transitionFlow {\n        method\n        requiredFields\n        requiresManualApproval\n      }\n    }\n    subscriptions(current: true) {\n      id\n      kind\n      name\n      title\n      start\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InitiatePlanTransition($input: InitiatePlanTransitionInput!) {\n    initiatePlanTransition(input: $input) {\n      id\n      state\n      targetPlan\n      requiresManualApproval\n      failureReason\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  mutation InitiatePlanTransition($input: InitiatePlanTransitionInput!) {\n    initiatePlanTransition(input: $input) {\n      id\n      state\n      targetPlan\n      requiresManualApproval\n      failureReason\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SubscribeAddon($name: String!) {\n    subscribeAddon(name: $name) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SubscribeAddon($name: String!) {\n    subscribeAddon(name: $name) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnsubscribeAddon($name: String!) {\n    unsubscribeAddon(name: $name) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UnsubscribeAddon($name: String!) {\n    unsubscribeAddon(name: $name) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerNamespaces {\n    namespaces(first: 2) {\n      edges {\n        node {\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerNamespaces {\n    namespaces(first: 2) {\n      edges {\n        node {\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerAdmin {\n    auditLog(first: 1) {\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query ViewerAdmin {\n    auditLog(first: 1) {\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerTenant {\n    currentPlan {\n      name\n    }\n  }\n"): (typeof documents)["\n  query ViewerTenant {\n    currentPlan {\n      name\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;