import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { CombinedError } from '@urql/core';
import { GraphQLError } from 'graphql';
import { QuotaBar } from './QuotaBar';
import { ErrorBox, QueryState } from './states';
import { Badge, Time } from './format';
import { SignIn } from '../pages/SignIn';

let root: HTMLElement;
function mount(node: preact.ComponentChild) {
  root = document.createElement('div');
  document.body.appendChild(root);
  act(() => render(node, root));
  return root;
}
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('QuotaBar', () => {
  it('shows figures, the fill and the layer of the limit', () => {
    const el = mount(<QuotaBar label="HTTP load balancers" current="3" limit="4" source="NAMESPACE" />);
    expect(el.textContent).toContain('HTTP load balancers');
    expect(el.textContent).toContain('75%');
    expect(el.textContent).toContain('limit from the namespace’s quota');
    expect((el.querySelector('.quota-fill') as HTMLElement).style.width).toBe('75%');
    expect(el.querySelector('.quota')!.className).toContain('quota-good');
    const meter = el.querySelector('meter')!;
    expect(meter.getAttribute('aria-label')).toBe('HTTP load balancers: 3 of 4');
  });
  it('caps the bar and warns when over the limit', () => {
    const el = mount(<QuotaBar label="vCPU" current="5" limit="4" />);
    expect((el.querySelector('.quota-fill') as HTMLElement).style.width).toBe('100%');
    expect(el.querySelector('.quota')!.className).toContain('quota-bad');
  });
  it('shows an unlimited key without a bar', () => {
    const el = mount(<QuotaBar label="vCPU" current="5" limit="-1" />);
    expect(el.textContent).toContain('∞');
    expect(el.textContent).toContain('unlimited');
  });
});

describe('states', () => {
  it('shows the server error code', () => {
    const err = new CombinedError({ graphQLErrors: [new GraphQLError('not allowed', { extensions: { code: 'FORBIDDEN' } })] });
    const el = mount(<ErrorBox error={err} />);
    expect(el.querySelector('[role=alert]')!.textContent).toContain('not allowed (FORBIDDEN)');
  });
  it('shows loading, then data with a partial error', () => {
    const el = mount(
      <QueryState fetching={true} data={undefined}>
        {(d: { n: number }) => <p>{d.n}</p>}
      </QueryState>,
    );
    expect(el.querySelector('[role=status]')!.textContent).toContain('Loading');
    const err = new CombinedError({ graphQLErrors: [new GraphQLError('cost failed')] });
    act(() =>
      render(
        <QueryState fetching={false} data={{ n: 7 }} error={err}>
          {(d: { n: number }) => <p>{d.n}</p>}
        </QueryState>,
        root,
      ),
    );
    expect(el.querySelector('p')!.textContent).toBe('7');
    expect(el.querySelector('[role=alert]')!.textContent).toContain('cost failed');
  });
});

describe('format components', () => {
  it('shows times with UTC on hover', () => {
    const el = mount(<Time at="2026-11-26T10:00:00Z" />);
    expect(el.querySelector('time')!.getAttribute('title')).toBe('2026-11-26T10:00:00Z (UTC)');
    expect(el.querySelector('time')!.getAttribute('datetime')).toBe('2026-11-26T10:00:00Z');
  });
  it('colours statuses', () => {
    const el = mount(<Badge value="OVERDUE" />);
    expect(el.querySelector('.badge')!.className).toContain('badge-bad');
    expect(el.textContent).toBe('Overdue');
  });
});

describe('SignIn', () => {
  it('asks for a token and strips an "APIToken " prefix', () => {
    const onSignIn = vi.fn();
    const el = mount(<SignIn onSignIn={onSignIn} />);
    const form = el.querySelector('form')!;
    act(() => {
      form.dispatchEvent(new Event('submit', { cancelable: true }));
    });
    expect(onSignIn).not.toHaveBeenCalled();
    expect(el.querySelector('#token-error')!.textContent).toBe('Enter a token.');
    const input = el.querySelector('input#token') as HTMLInputElement;
    expect(el.querySelector('label[for=token]')!.textContent).toBe('API token');
    expect(input.type).toBe('password');
    act(() => {
      input.value = 'APIToken abc123';
      input.dispatchEvent(new Event('input'));
    });
    act(() => {
      form.dispatchEvent(new Event('submit', { cancelable: true }));
    });
    expect(onSignIn).toHaveBeenCalledWith('abc123');
  });
});
