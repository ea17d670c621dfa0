import { useMutation, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { graphql } from '../gql';
import { Card, PageHeader } from '../components/Layout';
import { ErrorBox, QueryState } from '../components/states';
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
      allowedAddons
      includedAddons
      transitionFlow {
        method
        requiredFields
        requiresManualApproval
      }
    }
    subscriptions(current: true) {
      id
      kind
      name
      title
      start
    }
  }
`);

const InitiateDocument = graphql(`
  mutation InitiatePlanTransition($input: InitiatePlanTransitionInput!) {
    initiatePlanTransition(input: $input) {
      id
      state
      targetPlan
      requiresManualApproval
      failureReason
      createdAt
    }
  }
`);

const SubscribeDocument = graphql(`
  mutation SubscribeAddon($name: String!) {
    subscribeAddon(name: $name) {
      id
    }
  }
`);

const UnsubscribeDocument = graphql(`
  mutation UnsubscribeAddon($name: String!) {
    unsubscribeAddon(name: $name) {
      id
    }
  }
`);

type PlanT = {
  name: string;
  title: string;
  transitionFlow: { method: string; requiredFields: string[]; requiresManualApproval: boolean };
};

const has = (p: PlanT, f: string) => p.transitionFlow.requiredFields.some((r) => r.endsWith(f));

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
// reason, or waiting for an operator's approval).
function TransitionForm({ plan, onDone }: { plan: PlanT; onDone: () => void }) {
  const [f, setF] = useState({ token: '', domain: '', address1: '', city: '', country: '', zip: '', ticket: '' });
  const [res, run] = useMutation(InitiateDocument);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const contact = { address1: f.address1, city: f.city, country: f.country, zipCode: f.zip };
  const t = res.data?.initiatePlanTransition;
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
            paymentProviderToken: has(plan, 'PAYMENT_TOKEN') ? f.token : undefined,
            domain: has(plan, 'DOMAIN') ? f.domain : undefined,
            billingAddress: has(plan, 'CONTACTS') ? contact : undefined,
            paymentAddress: has(plan, 'CONTACTS') ? contact : undefined,
            createSupportTicket: plan.transitionFlow.method.endsWith('SUPPORT') ? true : undefined,
            supportTicketInfo: plan.transitionFlow.method.endsWith('SUPPORT') ? f.ticket : undefined,
          },
        });
        if (!r.error) onDone();
      }}
    >
      <h3>Move to {plan.title}</h3>
      {plan.transitionFlow.requiresManualApproval && <p class="note">This plan needs an operator's approval: the transition waits until then.</p>}
      {has(plan, 'PAYMENT_TOKEN') && <Field id="pt-token" label="Payment provider token" value={f.token} onInput={set('token')} />}
      {has(plan, 'DOMAIN') && <Field id="pt-domain" label="Domain" value={f.domain} onInput={set('domain')} />}
      {has(plan, 'CONTACTS') && (
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
      {plan.transitionFlow.method.endsWith('SUPPORT') && <Field id="pt-ticket" label="Message for support" value={f.ticket} onInput={set('ticket')} required={false} />}
      <button type="submit" class="btn btn-primary" disabled={res.fetching}>
        {res.fetching ? 'Starting…' : `Start transition to ${plan.title}`}
      </button>
      {res.error && <ErrorBox error={res.error} title="The transition was refused" />}
      {t && (
        <div class="result" role="status" data-testid="transition-result">
          Transition {t.id} to {t.targetPlan}: <Badge value={t.state} />
          {t.failureReason && <span class="field-error"> {t.failureReason}</span>}
          {t.requiresManualApproval && <span class="muted"> — waiting for an operator's approval</span>}
        </div>
      )}
    </form>
  );
}

export function PlanPage() {
  const v = useViewer();
  const [res, refetch] = useQuery({ query: PlanDocument });
  const [target, setTarget] = useState<string | null>(null);
  const [addonRes, subscribe] = useMutation(SubscribeDocument);
  const [unsubRes, unsubscribe] = useMutation(UnsubscribeDocument);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <>
      <PageHeader title="Plan" />
      <QueryState {...res}>
        {(d) => {
          const current = d.plans.find((p) => p.current);
          const addons = d.subscriptions.filter((s) => s.kind.toUpperCase().includes('ADDON'));
          const chosen = d.plans.find((p) => p.name === target);
          return (
            <>
              <div class="plans">
                {d.plans.map((p) => (
                  <Card key={p.name} class={p.current ? 'plan current' : 'plan'} title={p.title}>
                    <p class="muted">{p.subtitle}</p>
                    <p class="kpi-value">
                      <Money cents={p.flatPriceCents} currency={p.currency} />
                      <span class="muted small"> / {periodUnit(p.renewalPeriodUnit)}</span>
                    </p>
                    <p class="small">{p.transitionFlow.requiresManualApproval ? 'Needs approval' : 'Self-service'}</p>
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
              <Card title="Add-ons">
                {(addonRes.error || unsubRes.error) && <ErrorBox error={(addonRes.error || unsubRes.error)!} title="The add-on change was refused" />}
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Add-on</th>
                      <th scope="col">Status</th>
                      {v.canAdmin && (
                        <th scope="col">
                          <span class="sr-only">Actions</span>
                        </th>
                      )}
                    </tr>
                  </thead>
                  <tbody>
                    {(current?.allowedAddons ?? []).map((a) => {
                      const sub = addons.find((s) => s.name === a);
                      const included = current?.includedAddons.includes(a);
                      return (
                        <tr key={a}>
                          <td>{a}</td>
                          <td>{included ? 'Included' : sub ? <>Since <Time at={sub.start} dateOnly /></> : 'Not subscribed'}</td>
                          {v.canAdmin && (
                            <td class="right">
                              {!included &&
                                (sub ? (
                                  <button type="button" class="btn btn-ghost" data-write onClick={async () => (await unsubscribe({ name: a }), reload())}>
                                    Unsubscribe
                                  </button>
                                ) : (
                                  <button type="button" class="btn btn-secondary" data-write onClick={async () => (await subscribe({ name: a }), reload())}>
                                    Subscribe
                                  </button>
                                ))}
                            </td>
                          )}
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </Card>
            </>
          );
        }}
      </QueryState>
    </>
  );
}
