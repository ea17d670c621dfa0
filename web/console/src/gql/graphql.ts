/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** AuditLogFilter keeps the audit records matching every field given. */
export type AuditLogFilter = {
  /** actions keeps records whose action is one of these, e.g. ["quota.replace"]. */
  actions?: Array<string> | null | undefined;
  /** from keeps records at or after this instant. */
  from?: string | null | undefined;
  /** namespace keeps records of objects in this namespace. */
  namespace?: string | null | undefined;
  /** to keeps records before this instant. */
  to?: string | null | undefined;
};

/** Capability is one thing a credential may do. */
export type Capability =
  /** DECIDE_PLAN_TRANSITIONS: approve or reject plan transitions (operators). */
  | 'DECIDE_PLAN_TRANSITIONS'
  /** MANAGE_BILLING: payment methods, plan transitions and add-ons. */
  | 'MANAGE_BILLING'
  /** READ_AUDIT_LOG: read auditLog. */
  | 'READ_AUDIT_LOG'
  /** READ_NAMESPACES: list namespaces and read their quotas, quota usage, usage and cost (only the bound namespace for a bound token). */
  | 'READ_NAMESPACES'
  /** READ_TENANT: tenant-wide reads: plans, add-ons, invoices, payment methods, subscriptions, transitions, usageSummary, monthlyUsage and series over every namespace. */
  | 'READ_TENANT'
  /** RECORD_USAGE: record usage events (recordUsage). */
  | 'RECORD_USAGE'
  /** RESERVE_QUOTA: reserve and release quota (reserveQuota). */
  | 'RESERVE_QUOTA'
  /** SEE_PAYMENT_TOKENS: PaymentMethod.token is shown. */
  | 'SEE_PAYMENT_TOKENS'
  /** SET_INVOICE_STATUS: change an invoice's status (operators naming a tenant). */
  | 'SET_INVOICE_STATUS'
  /** WRITE_QUOTAS: create, replace and delete quota objects. */
  | 'WRITE_QUOTAS';

/** ContactInput is a postal address and phone number; each part is at most 256 bytes. */
export type ContactInput = {
  /** address1 is the first address line. */
  address1?: string | null | undefined;
  /** address2 is the second address line. */
  address2?: string | null | undefined;
  /** city is the city. */
  city?: string | null | undefined;
  /** contactType is what the contact is for; default MAILING. */
  contactType?: ContactType | null | undefined;
  /** country is the country (ISO 3166-1 code). */
  country?: string | null | undefined;
  /** county is the county. */
  county?: string | null | undefined;
  /** phoneNumber is the phone number. */
  phoneNumber?: string | null | undefined;
  /** state is the state or region. */
  state?: string | null | undefined;
  /** stateCode is the state's code. */
  stateCode?: string | null | undefined;
  /** taxId is the customer's tax id (VAT number, e.g. DE123456789) printed on its invoices; with a billing country whose tax is reverse-charged, a valid-looking one bills 0 % VAT. Not part of the F5 REST schema. */
  taxId?: string | null | undefined;
  /** zipCode is the postal code. */
  zipCode?: string | null | undefined;
};

/** ContactType is what a contact is for. */
export type ContactType =
  /** BILLING address (printed on invoices). */
  | 'BILLING'
  /** MAILING address. */
  | 'MAILING'
  /** PAYMENT address. */
  | 'PAYMENT';

/** CostFilter keeps the usage priced (an empty or null list keeps all). */
export type CostFilter = {
  /** namespaces prices the usage of these namespaces only, each priced on its own (no flat price). */
  namespaces?: Array<string> | null | undefined;
};

/** CreatePaymentMethodInput is a new payment method. */
export type CreatePaymentMethodInput = {
  /** contact is the address attached to the method. */
  contact?: ContactInput | null | undefined;
  /** role is the new method's role; default NORMAL. */
  role?: PaymentMethodRole | null | undefined;
  /** token is the payment provider's token for the card (e.g. "tok-123456"), never a card number; at most 512 bytes. */
  token: string;
};

/** ErrorCode is the `code` of a user error and the `extensions.code` of an error. */
export type ErrorCode =
  /** CONFLICT: the object's state forbids the change (a name taken, a stale resourceVersion, a transition in flight). */
  | 'CONFLICT'
  /** FORBIDDEN: the credential may not do this (see Viewer.capabilities). */
  | 'FORBIDDEN'
  /** INTERNAL: a bug; the details are in the server's log. */
  | 'INTERNAL'
  /** INVALID_ARGUMENT: the input is wrong; `field` names what. */
  | 'INVALID_ARGUMENT'
  /** NOT_FOUND: the object does not exist in the caller's tenant. */
  | 'NOT_FOUND'
  /** PAYLOAD_TOO_LARGE: the request or a list in it is too large. */
  | 'PAYLOAD_TOO_LARGE'
  /** QUOTA_EXCEEDED: a reservation does not fit a quota limit; nothing was reserved. */
  | 'QUOTA_EXCEEDED'
  /** RATE_LIMITED: the credential sent more requests than its rate allows; retry after the Retry-After header. */
  | 'RATE_LIMITED'
  /** UNAUTHENTICATED: no valid credential. */
  | 'UNAUTHENTICATED'
  /** UNAVAILABLE: the database is unreachable or too slow; retrying later may succeed. */
  | 'UNAVAILABLE';

/** Granularity is the size of a series bucket. */
export type Granularity =
  /** DAY: one calendar day in the series' time zone. */
  | 'DAY'
  /** HOUR: one UTC hour. */
  | 'HOUR'
  /** MONTH: one calendar month in the series' time zone. */
  | 'MONTH';

/**
 * InitiatePlanTransitionInput asks to move the tenant to `newPlan`. The target
 * plan's transition flow (Plan.transitionFlow.requiredFields) says which of the
 * payload fields are required.
 */
export type InitiatePlanTransitionInput = {
  /** billingAddress is the billing contact (CONTACTS: address1, city and country). */
  billingAddress?: ContactInput | null | undefined;
  /** createSupportTicket asks support to follow up. */
  createSupportTicket?: boolean | null | undefined;
  /** deletionFeedback is free-text feedback. */
  deletionFeedback?: string | null | undefined;
  /** deletionReason says why the tenant leaves a plan (free text). */
  deletionReason?: string | null | undefined;
  /** domain is the tenant's domain (DOMAIN). */
  domain?: string | null | undefined;
  /**
   * idempotencyKey makes retries safe: a repeated request with the same key
   * and content gets the first transition back instead of starting another.
   * At most 255 characters.
   */
  idempotencyKey?: string | null | undefined;
  /** newPlan is the target plan's name, e.g. "team". */
  newPlan: string;
  /** paymentAddress is the payment contact. */
  paymentAddress?: ContactInput | null | undefined;
  /** paymentProviderToken is the payment provider's token (PAYMENT_TOKEN); it is not kept by the transition. */
  paymentProviderToken?: string | null | undefined;
  /** subscribeAddons are add-on services of the target plan to subscribe to when it finishes. */
  subscribeAddons?: Array<string> | null | undefined;
  /** supportTicketInfo is the text of the support ticket. */
  supportTicketInfo?: string | null | undefined;
  /** unsubscribeAddons are add-on services to unsubscribe from when it finishes. */
  unsubscribeAddons?: Array<string> | null | undefined;
};

/** InvoiceLineKind says where an invoice line comes from. */
export type InvoiceLineKind =
  /** ADDON: an add-on's monthly price, prorated to the time subscribed. */
  | 'ADDON'
  /** ADJUSTMENT: usage of an earlier, issued month that arrived after it was issued. */
  | 'ADJUSTMENT'
  /** PLAN: the plan's flat price for the period. */
  | 'PLAN'
  /** PRORATION: a plan change inside the period (credit for the old plan, charge for the new). */
  | 'PRORATION'
  /** USAGE: priced metered usage of the period. */
  | 'USAGE';

/** InvoiceStatus is where an invoice stands. */
export type InvoiceStatus =
  /** CANCELLED: voided. */
  | 'CANCELLED'
  /** ISSUED: closed and numbered; lines and amounts never change again. */
  | 'ISSUED'
  /** OVERDUE: unpaid past its due date. */
  | 'OVERDUE'
  /** PAID: paid. */
  | 'PAID'
  /** PENDING: the running month; changes as usage arrives. */
  | 'PENDING'
  /** REFUNDED: paid, then refunded. */
  | 'REFUNDED';

/** PaymentMethodRole is the role of a payment method. */
export type PaymentMethodRole =
  /** NORMAL is kept, not charged. */
  | 'NORMAL'
  /** PRIMARY is charged first (REST: PAYMENT_METHOD_ROLE_PRIMARY). */
  | 'PRIMARY'
  /** SECONDARY is charged when the primary fails. */
  | 'SECONDARY';

/** PeriodUnit is the unit of a renewal or trial period. */
export type PeriodUnit =
  /** DAY. */
  | 'DAY'
  /** MONTH (calendar month). */
  | 'MONTH'
  /** WEEK (starting on Monday). */
  | 'WEEK'
  /** YEAR (calendar year). */
  | 'YEAR';

/** PlanTransitionState is the state of a plan transition. */
export type PlanTransitionState =
  /** CREATING: being processed. */
  | 'CREATING'
  /** FAILED: it was rejected or could not be done (see failureReason). */
  | 'FAILED'
  /** FINISHED: the plan changed. */
  | 'FINISHED'
  /** WAITING_FOR_APPROVAL: an operator must approve or reject it. */
  | 'WAITING_FOR_APPROVAL';

/** QuotaLimitSource is the layer an effective limit comes from. */
export type QuotaLimitSource =
  /** NAMESPACE: a quota object of the namespace itself. */
  | 'NAMESPACE'
  /** PLAN: the plan's default quota. */
  | 'PLAN'
  /** SYSTEM: a quota object of the "system" namespace (tenant-wide). */
  | 'SYSTEM';

/** Role is what a tenant's credential may do. */
export type Role =
  /** ADMIN does everything in its tenant, except the operator decisions. */
  | 'ADMIN'
  /** EDITOR reads, and writes quotas, reservations and usage (in its namespace when bound to one). */
  | 'EDITOR'
  /** VIEWER reads. */
  | 'VIEWER';

/** TransitionMethod is how a move to a plan is carried out. */
export type TransitionMethod =
  /** RECREATE: the tenant is deleted and created anew. */
  | 'RECREATE'
  /** SUPPORT: through a support request. */
  | 'SUPPORT'
  /** UNSPECIFIED: not said by the catalog. */
  | 'UNSPECIFIED'
  /** WIZARD: a UI wizard driven by the required fields. */
  | 'WIZARD';

/** TransitionRequiredField is what a transition request must carry. */
export type TransitionRequiredField =
  /** CONTACTS: initiatePlanTransition's billingAddress (address1, city, country). */
  | 'CONTACTS'
  /** DOMAIN: initiatePlanTransition's domain. */
  | 'DOMAIN'
  /** PAYMENT_TOKEN: initiatePlanTransition's paymentProviderToken. */
  | 'PAYMENT_TOKEN';

export type AuditLogQueryVariables = Exact<{
  filter?: AuditLogFilter | null | undefined;
}>;


export type AuditLogQuery = { auditLog: { edges: Array<{ node: { seq: number, at: string, actor: string, action: string, namespace: string, object: string } }>, pageInfo: { hasNextPage: boolean } } | null };

export type InvoicePageQueryVariables = Exact<{
  name: string;
}>;


export type InvoicePageQuery = { invoice: { name: string, number: number | null, status: InvoiceStatus, from: string, to: string, plan: string, issuedAt: string | null, dueAt: string | null, totalCents: number, subtotalCents: number, taxCents: number, taxName: string | null, taxNote: string | null, currency: string, pdfUrl: string, lines: Array<{ kind: InvoiceLineKind, description: string, quantity: string, unit: string, billableQuantity: string, billableUnit: string, unitPrice: string, amountCents: number }>, statusHistory: Array<{ at: string, actor: string, from: InvoiceStatus, to: InvoiceStatus }> | null } | null };

export type InvoicesQueryVariables = Exact<{ [key: string]: never; }>;


export type InvoicesQuery = { invoices: { edges: Array<{ node: { name: string, status: InvoiceStatus, from: string, to: string, issuedAt: string | null, dueAt: string | null, totalCents: number, currency: string, pdfUrl: string, lines: Array<{ kind: InvoiceLineKind }> } }> } | null };

export type NamespacePageQueryVariables = Exact<{
  name: string;
  from: string;
  to: string;
  granularity: Granularity;
  tz: string;
  month: string;
}>;


export type NamespacePageQuery = { namespace: { name: string, quotaUsage: { objects: Array<{ key: string, displayName: string, limit: string | null, limitSource: QuotaLimitSource | null, current: string, tenantLimit: string | null, tenantLimitSource: QuotaLimitSource | null, tenantCurrent: string }>, resources: Array<{ key: string, displayName: string, limit: string | null, limitSource: QuotaLimitSource | null, current: string, tenantLimit: string | null, tenantLimitSource: QuotaLimitSource | null, tenantCurrent: string }> } | null, cost: { totalCents: number, currency: string, lines: Array<{ description: string, usageType: string | null, usageTypeName: string | null, quantity: string, unit: string, billableQuantity: string, billableUnit: string | null, amountCents: number, currency: string }> } | null } | null, usageSeries: { buckets: Array<{ from: string, points: Array<{ usageType: string, usageTypeName: string, unit: string, quantity: string }> }> } | null };

export type NamespacesQueryVariables = Exact<{ [key: string]: never; }>;


export type NamespacesQuery = { namespaces: { totalCount: number, edges: Array<{ node: { name: string, quotaUsage: { objects: Array<{ key: string, displayName: string, limit: string | null, limitSource: QuotaLimitSource | null, current: string, tenantLimit: string | null, tenantLimitSource: QuotaLimitSource | null, tenantCurrent: string }>, resources: Array<{ key: string, displayName: string, limit: string | null, limitSource: QuotaLimitSource | null, current: string, tenantLimit: string | null, tenantLimitSource: QuotaLimitSource | null, tenantCurrent: string }> } | null } }>, pageInfo: { hasNextPage: boolean } } | null };

export type OverviewQueryVariables = Exact<{
  ns: string;
  from: string;
  to: string;
  tz: string;
  month: string;
  costFilter?: CostFilter | null | undefined;
  tenantWide: boolean;
}>;


export type OverviewQuery = { forecast: { asOf: string, to: string, toDateCents: number, projectedCents: number, currency: string } | null, invoices?: { edges: Array<{ node: { name: string, status: InvoiceStatus, totalCents: number, currency: string } }> } | null, usageSeries: { buckets: Array<{ from: string, points: Array<{ usageType: string, usageTypeName: string, unit: string, quantity: string }> }> } | null, costSeries: { currency: string, buckets: Array<{ from: string, totalCents: number }> } | null, namespaces: { totalCount: number, edges: Array<{ node: { name: string, cost: { totalCents: number, currency: string } | null } }> } | null };

export type PaymentMethodsQueryVariables = Exact<{ [key: string]: never; }>;


export type PaymentMethodsQuery = { paymentMethods: Array<{ name: string, role: PaymentMethodRole, createdAt: string, contact: { city: string | null, country: string | null } }> | null };

export type CreatePaymentMethodMutationVariables = Exact<{
  input: CreatePaymentMethodInput;
}>;


export type CreatePaymentMethodMutation = { createPaymentMethod: { userErrors: Array<{ field: string | null, message: string, code: ErrorCode }> } | null };

export type MakePrimaryMutationVariables = Exact<{
  name: string;
}>;


export type MakePrimaryMutation = { makePaymentMethodPrimary: { userErrors: Array<{ field: string | null, message: string, code: ErrorCode }> } | null };

export type MakeSecondaryMutationVariables = Exact<{
  name: string;
}>;


export type MakeSecondaryMutation = { makePaymentMethodSecondary: { userErrors: Array<{ field: string | null, message: string, code: ErrorCode }> } | null };

export type SwapRoleMutationVariables = Exact<{
  name: string;
}>;


export type SwapRoleMutation = { swapPaymentMethodRole: { userErrors: Array<{ field: string | null, message: string, code: ErrorCode }> } | null };

export type DeletePaymentMethodMutationVariables = Exact<{
  name: string;
}>;


export type DeletePaymentMethodMutation = { deletePaymentMethod: { userErrors: Array<{ field: string | null, message: string, code: ErrorCode }> } | null };

export type PlanPageQueryVariables = Exact<{ [key: string]: never; }>;


export type PlanPageQuery = { plans: Array<{ name: string, title: string, subtitle: string | null, flatPriceCents: number, currency: string, renewalPeriodUnit: PeriodUnit | null, current: boolean, transitionFlow: { method: TransitionMethod, requiredFields: Array<TransitionRequiredField>, requiresManualApproval: boolean }, rateCard: Array<{ usageType: string }> }> | null, addons: Array<{ name: string, displayName: string, monthlyPriceCents: number, currency: string, included: boolean, allowed: boolean, subscribed: boolean }> | null, planTransitions: Array<{ transitionId: string, state: PlanTransitionState, fromPlan: string | null, targetPlan: string, requiresManualApproval: boolean, failureReason: string | null, createdAt: string }> | null };

export type InitiatePlanTransitionMutationVariables = Exact<{
  input: InitiatePlanTransitionInput;
}>;


export type InitiatePlanTransitionMutation = { initiatePlanTransition: { planTransition: { transitionId: string, state: PlanTransitionState, targetPlan: string, requiresManualApproval: boolean, failureReason: string | null } | null, userErrors: Array<{ field: string | null, message: string, code: ErrorCode }> } | null };

export type SubscribeAddonMutationVariables = Exact<{
  name: string;
}>;


export type SubscribeAddonMutation = { subscribeAddon: { userErrors: Array<{ field: string | null, message: string, code: ErrorCode }> } | null };

export type UnsubscribeAddonMutationVariables = Exact<{
  name: string;
}>;


export type UnsubscribeAddonMutation = { unsubscribeAddon: { userErrors: Array<{ field: string | null, message: string, code: ErrorCode }> } | null };

export type QuotaItemFieldsFragment = { key: string, displayName: string, limit: string | null, limitSource: QuotaLimitSource | null, current: string, tenantLimit: string | null, tenantLimitSource: QuotaLimitSource | null, tenantCurrent: string };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { tenant: string | null, role: Role | null, namespace: string | null, operator: boolean, capabilities: Array<Capability> } };

export const QuotaItemFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"QuotaItemFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"QuotaUsageItem"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"limitSource"}},{"kind":"Field","name":{"kind":"Name","value":"current"}},{"kind":"Field","name":{"kind":"Name","value":"tenantLimit"}},{"kind":"Field","name":{"kind":"Name","value":"tenantLimitSource"}},{"kind":"Field","name":{"kind":"Name","value":"tenantCurrent"}}]}}]} as unknown as DocumentNode<QuotaItemFieldsFragment, unknown>;
export const AuditLogDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AuditLog"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AuditLogFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"auditLog"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"namespace"}},{"kind":"Field","name":{"kind":"Name","value":"object"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}}]}}]}}]}}]} as unknown as DocumentNode<AuditLogQuery, AuditLogQueryVariables>;
export const InvoicePageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"InvoicePage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invoice"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"issuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"dueAt"}},{"kind":"Field","name":{"kind":"Name","value":"totalCents"}},{"kind":"Field","name":{"kind":"Name","value":"subtotalCents"}},{"kind":"Field","name":{"kind":"Name","value":"taxCents"}},{"kind":"Field","name":{"kind":"Name","value":"taxName"}},{"kind":"Field","name":{"kind":"Name","value":"taxNote"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"pdfUrl"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"billableQuantity"}},{"kind":"Field","name":{"kind":"Name","value":"billableUnit"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"}},{"kind":"Field","name":{"kind":"Name","value":"amountCents"}}]}},{"kind":"Field","name":{"kind":"Name","value":"statusHistory"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}}]}}]}}]}}]} as unknown as DocumentNode<InvoicePageQuery, InvoicePageQueryVariables>;
export const InvoicesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Invoices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"50"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"issuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"dueAt"}},{"kind":"Field","name":{"kind":"Name","value":"totalCents"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"pdfUrl"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<InvoicesQuery, InvoicesQueryVariables>;
export const NamespacePageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NamespacePage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"granularity"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Granularity"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"tz"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"month"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"namespace"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"quotaUsage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"objects"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"QuotaItemFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"resources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"QuotaItemFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"cost"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"month"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCents"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"usageType"}},{"kind":"Field","name":{"kind":"Name","value":"usageTypeName"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"billableQuantity"}},{"kind":"Field","name":{"kind":"Name","value":"billableUnit"}},{"kind":"Field","name":{"kind":"Name","value":"amountCents"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"usageSeries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"granularity"},"value":{"kind":"Variable","name":{"kind":"Name","value":"granularity"}}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"USAGE_TYPE"}]}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"namespaces"},"value":{"kind":"ListValue","values":[{"kind":"Variable","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Argument","name":{"kind":"Name","value":"timeZone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"tz"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"buckets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"points"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"usageType"}},{"kind":"Field","name":{"kind":"Name","value":"usageTypeName"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"QuotaItemFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"QuotaUsageItem"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"limitSource"}},{"kind":"Field","name":{"kind":"Name","value":"current"}},{"kind":"Field","name":{"kind":"Name","value":"tenantLimit"}},{"kind":"Field","name":{"kind":"Name","value":"tenantLimitSource"}},{"kind":"Field","name":{"kind":"Name","value":"tenantCurrent"}}]}}]} as unknown as DocumentNode<NamespacePageQuery, NamespacePageQueryVariables>;
export const NamespacesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Namespaces"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"namespaces"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"quotaUsage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"objects"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"QuotaItemFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"resources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"QuotaItemFields"}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"QuotaItemFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"QuotaUsageItem"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"limitSource"}},{"kind":"Field","name":{"kind":"Name","value":"current"}},{"kind":"Field","name":{"kind":"Name","value":"tenantLimit"}},{"kind":"Field","name":{"kind":"Name","value":"tenantLimitSource"}},{"kind":"Field","name":{"kind":"Name","value":"tenantCurrent"}}]}}]} as unknown as DocumentNode<NamespacesQuery, NamespacesQueryVariables>;
export const OverviewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Overview"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ns"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"tz"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"month"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Time"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"costFilter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"CostFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"tenantWide"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"forecast"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"namespace"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ns"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"asOf"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"toDateCents"}},{"kind":"Field","name":{"kind":"Name","value":"projectedCents"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}}],"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"tenantWide"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"totalCents"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"usageSeries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"granularity"},"value":{"kind":"EnumValue","value":"DAY"}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"USAGE_TYPE"}]}},{"kind":"Argument","name":{"kind":"Name","value":"timeZone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"tz"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"buckets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"points"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"usageType"}},{"kind":"Field","name":{"kind":"Name","value":"usageTypeName"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"costSeries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"granularity"},"value":{"kind":"EnumValue","value":"DAY"}},{"kind":"Argument","name":{"kind":"Name","value":"timeZone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"tz"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"costFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"buckets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"totalCents"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"namespaces"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"cost"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"month"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCents"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<OverviewQuery, OverviewQueryVariables>;
export const PaymentMethodsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PaymentMethods"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethods"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"contact"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"city"}},{"kind":"Field","name":{"kind":"Name","value":"country"}}]}}]}}]}}]} as unknown as DocumentNode<PaymentMethodsQuery, PaymentMethodsQueryVariables>;
export const CreatePaymentMethodDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreatePaymentMethod"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreatePaymentMethodInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createPaymentMethod"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<CreatePaymentMethodMutation, CreatePaymentMethodMutationVariables>;
export const MakePrimaryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"MakePrimary"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"makePaymentMethodPrimary"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<MakePrimaryMutation, MakePrimaryMutationVariables>;
export const MakeSecondaryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"MakeSecondary"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"makePaymentMethodSecondary"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<MakeSecondaryMutation, MakeSecondaryMutationVariables>;
export const SwapRoleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SwapRole"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"swapPaymentMethodRole"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<SwapRoleMutation, SwapRoleMutationVariables>;
export const DeletePaymentMethodDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeletePaymentMethod"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletePaymentMethod"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<DeletePaymentMethodMutation, DeletePaymentMethodMutationVariables>;
export const PlanPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PlanPage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plans"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"subtitle"}},{"kind":"Field","name":{"kind":"Name","value":"flatPriceCents"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"renewalPeriodUnit"}},{"kind":"Field","name":{"kind":"Name","value":"current"}},{"kind":"Field","name":{"kind":"Name","value":"transitionFlow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"requiredFields"}},{"kind":"Field","name":{"kind":"Name","value":"requiresManualApproval"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rateCard"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"usageType"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"addons"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"monthlyPriceCents"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"included"}},{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"subscribed"}}]}},{"kind":"Field","name":{"kind":"Name","value":"planTransitions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"5"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"transitionId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"fromPlan"}},{"kind":"Field","name":{"kind":"Name","value":"targetPlan"}},{"kind":"Field","name":{"kind":"Name","value":"requiresManualApproval"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]} as unknown as DocumentNode<PlanPageQuery, PlanPageQueryVariables>;
export const InitiatePlanTransitionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"InitiatePlanTransition"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InitiatePlanTransitionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"initiatePlanTransition"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planTransition"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"transitionId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"targetPlan"}},{"kind":"Field","name":{"kind":"Name","value":"requiresManualApproval"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<InitiatePlanTransitionMutation, InitiatePlanTransitionMutationVariables>;
export const SubscribeAddonDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SubscribeAddon"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"subscribeAddon"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<SubscribeAddonMutation, SubscribeAddonMutationVariables>;
export const UnsubscribeAddonDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UnsubscribeAddon"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"unsubscribeAddon"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<UnsubscribeAddonMutation, UnsubscribeAddonMutationVariables>;
export const ViewerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tenant"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"namespace"}},{"kind":"Field","name":{"kind":"Name","value":"operator"}},{"kind":"Field","name":{"kind":"Name","value":"capabilities"}}]}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;