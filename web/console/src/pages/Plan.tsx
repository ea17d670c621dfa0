import { useMutation, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { graphql } from '../gql';
import type { PlanPageQuery } from '../gql/graphql';
import { Card, PageHeader } from '../components/Layout';
import { Empty, QueryState, Refusal } from '../components/states';
import { Badge, Money, Time } from '../components/format';
import { useViewer } from '../viewer';
import { periodUnit } from '../format';

const PlanDocument = graphql(`
  query PlanPage {
    plans {
      name
      title
      subtitle
      flatPriceCents
      currency
      renewalPeriodUnit
      current
      transitionFlow {
        method
        requiredFields
        requiresManualApproval
      }
      rateCard {
        usageType
      }
    }
    addons {
      name
      displayName
      monthlyPriceCents
      currency
      included
      allowed
      subscribed
    }
    planTransitions(first: 5) {
      transitionId
      state
      fromPlan
      targetPlan
      requiresManualApproval
      failureReason
      createdAt
    }
  }
`);

const InitiateDocument = graphql(`
  mutation InitiatePlanTransition($input: InitiatePlanTransitionInput!) {
    initiatePlanTransition(input: $input) {
      planTransition {
        transitionId
        state
        targetPlan
        requiresManualApproval
        failureReason
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);

const SubscribeDocument = graphql(`
  mutation SubscribeAddon($name: String!) {
    subscribeAddon(name: $name) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);

const UnsubscribeDocument = graphql(`
  mutation UnsubscribeAddon($name: String!) {
    unsubscribeAddon(name: $name) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);

type PlanT = NonNullable<PlanPageQuery['plans']>[number];

function Field({ id, label, value, onInput, required = true }: { id: string; label: string; value: string; onInput: (v: string) => void; required?: boolean }) {
  return (
    <div class="field">
      <label for={id}>
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      <input id={id} value={value} required={required} onInput={(e) => onInput((e.target as HTMLInputElement).value)} />
    </div>
  );
}

// TransitionForm asks for what the target plan's transition flow requires,
// and shows the transition the server answers (finished, failed with its
// reason, or waiting for an operator's approval) or why it was refused.
function TransitionForm({ plan, onDone }: { plan: PlanT; onDone: () => void }) {
  const [f, setF] = useState({ token: '', domain: '', address1: '', city: '', country: '', zip: '', ticket: '' });
  const [res, run] = useMutation(InitiateDocument);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const needs = (x: string) => plan.transitionFlow.requiredFields.includes(x as never);
  const support = plan.transitionFlow.method === 'SUPPORT';
  const contact = { address1: f.address1, city: f.city, country: f.country, zipCode: f.zip };
  const payload = res.data?.initiatePlanTransition;
  const t = payload?.planTransition;
  return (
    <form
      class="form"
      data-write
      aria-label={`Move to ${plan.title}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await run({
          input: {
            newPlan: plan.name,
            paymentProviderToken: needs('PAYMENT_TOKEN') ? f.token : undefined,
            domain: needs('DOMAIN') ? f.domain : undefined,
            billingAddress: needs('CONTACTS') ? contact : undefined,
            paymentAddress: needs('CONTACTS') ? contact : undefined,
            createSupportTicket: support ? true : undefined,
            supportTicketInfo: support && f.ticket ? f.ticket : undefined,
          },
        });
        if (r.data?.initiatePlanTransition?.planTransition) onDone();
      }}
    >
      <h2>Move to {plan.title}</h2>
      {plan.transitionFlow.requiresManualApproval && <p class="note">This plan needs an operator’s approval: the transition waits until an operator decides.</p>}
      {needs('PAYMENT_TOKEN') && <Field id="pt-token" label="Payment provider token" value={f.token} onInput={set('token')} />}
      {needs('DOMAIN') && <Field id="pt-domain" label="Domain" value={f.domain} onInput={set('domain')} />}
      {needs('CONTACTS') && (
        <fieldset>
          <legend>Billing and payment address</legend>
          <Field id="pt-address1" label="Address" value={f.address1} onInput={set('address1')} />
          <div class="row">
            <Field id="pt-city" label="City" value={f.city} onInput={set('city')} />
            <Field id="pt-zip" label="Postal code" value={f.zip} onInput={set('zip')} />
            <Field id="pt-country" label="Country" value={f.country} onInput={set('country')} />
          </div>
        </fieldset>
      )}
      {support && <Field id="pt-ticket" label="Message for support" value={f.ticket} onInput={set('ticket')} required={false} />}
      <button type="submit" class="btn btn-primary" disabled={res.fetching}>
        {res.fetching ? 'Starting…' : `Start transition to ${plan.title}`}
      </button>
      <Refusal error={res.error} userErrors={payload?.userErrors} title="The transition was refused" />
      {t && (
        <div class="result" role="status" data-testid="transition-result">
          Transition {t.transitionId} to {t.targetPlan}: <Badge value={t.state} />
          {t.failureReason && <span class="field-error"> {t.failureReason}</span>}
          {t.state === 'WAITING_FOR_APPROVAL' && <span class="muted"> — an operator approves or rejects it</span>}
        </div>
      )}
    </form>
  );
}

export function PlanPage() {
  const v = useViewer();
  const [res, refetch] = useQuery({ query: PlanDocument });
  const [target, setTarget] = useState<string | null>(null);
  const [subRes, subscribe] = useMutation(SubscribeDocument);
  const [unsubRes, unsubscribe] = useMutation(UnsubscribeDocument);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <>
      <PageHeader title="Plan" />
      <QueryState {...res}>
        {(d) => {
          const plans = d.plans ?? [];
          const chosen = plans.find((p) => p.name === target);
          const addons = (d.addons ?? []).filter((a) => a.allowed || a.included || a.subscribed);
          return (
            <>
              <div class="plans">
                {plans.map((p) => (
                  <Card key={p.name} class={p.current ? 'plan current' : 'plan'} title={p.title}>
                    <p class="muted small">{p.subtitle}</p>
                    <p class="kpi-value">
                      <Money cents={p.flatPriceCents} currency={p.currency} />
                      <span class="muted small"> / {periodUnit(p.renewalPeriodUnit)}</span>
                    </p>
                    <p class="small">
                      {p.rateCard.length} metered usage types · {p.transitionFlow.requiresManualApproval ? 'needs approval' : 'self-service'}
                    </p>
                    {p.current ? (
                      <span class="badge badge-good">Current plan</span>
                    ) : (
                      v.canAdmin && (
                        <button type="button" class="btn btn-secondary" data-write aria-pressed={target === p.name} onClick={() => setTarget(p.name)}>
                          Choose {p.title}
                        </button>
                      )
                    )}
                  </Card>
                ))}
              </div>
              {chosen && v.canAdmin && <Card>{<TransitionForm plan={chosen} onDone={reload} />}</Card>}
              <Card title="Plan transitions">
                {!d.planTransitions || d.planTransitions.length === 0 ? (
                  <Empty>No plan transition yet.</Empty>
                ) : (
                  <table class="table">
                    <thead>
                      <tr>
                        <th scope="col">Started</th>
                        <th scope="col">Change</th>
                        <th scope="col">State</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.planTransitions.map((t) => (
                        <tr key={t.transitionId}>
                          <td>
                            <Time at={t.createdAt} />
                          </td>
                          <td>
                            {t.fromPlan ?? '—'} → {t.targetPlan}
                          </td>
                          <td>
                            <Badge value={t.state} />
                            {t.failureReason && <span class="muted small"> {t.failureReason}</span>}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
              <Card title="Add-ons">
                <Refusal error={subRes.error} userErrors={subRes.data?.subscribeAddon?.userErrors} title="The subscription was refused" />
                <Refusal error={unsubRes.error} userErrors={unsubRes.data?.unsubscribeAddon?.userErrors} title="The unsubscription was refused" />
                {addons.length === 0 ? (
                  <Empty>The current plan allows no add-on.</Empty>
                ) : (
                  <table class="table">
                    <thead>
                      <tr>
                        <th scope="col">Add-on</th>
                        <th scope="col" class="num">
                          Price
                        </th>
                        <th scope="col">Status</th>
                        {v.canAdmin && (
                          <th scope="col">
                            <span class="sr-only">Actions</span>
                          </th>
                        )}
                      </tr>
                    </thead>
                    <tbody>
                      {addons.map((a) => (
                        <tr key={a.name}>
                          <td>
                            {a.displayName}
                            <div class="muted small">
                              <code>{a.name}</code>
                            </div>
                          </td>
                          <td class="num">
                            <Money cents={a.monthlyPriceCents} currency={a.currency} />
                            <span class="muted small"> / month</span>
                          </td>
                          <td>{a.included ? <Badge value="INCLUDED" /> : a.subscribed ? <Badge value="SUBSCRIBED" /> : <span class="muted">Not subscribed</span>}</td>
                          {v.canAdmin && (
                            <td class="right">
                              {!a.included &&
                                (a.subscribed ? (
                                  <button type="button" class="btn btn-ghost" data-write aria-label={`Unsubscribe from ${a.displayName}`} onClick={async () => (await unsubscribe({ name: a.name }), reload())}>
                                    Unsubscribe
                                  </button>
                                ) : (
                                  <button type="button" class="btn btn-secondary" data-write aria-label={`Subscribe to ${a.displayName}`} onClick={async () => (await subscribe({ name: a.name }), reload())}>
                                    Subscribe
                                  </button>
                                ))}
                            </td>
                          )}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
            </>
          );
        }}
      </QueryState>
    </>
  );
}
