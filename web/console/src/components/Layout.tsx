import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { navigate, usePath } from '../router';
import { useViewer } from '../viewer';
import { humanize } from '../format';

type NavItem = { to: string; label: string; tenantWide?: boolean };

const NAV: NavItem[] = [
  { to: '/', label: 'Overview' },
  { to: '/namespaces', label: 'Namespaces' },
  { to: '/invoices', label: 'Invoices', tenantWide: true },
  { to: '/plan', label: 'Plan', tenantWide: true },
  { to: '/payment-methods', label: 'Payment methods', tenantWide: true },
  { to: '/audit', label: 'Audit log', tenantWide: true },
];

// Link navigates inside the console without a page load, and stays a real
// link (middle click, copy address, keyboard).
export function Link({
  to,
  children,
  class: cls,
  onClick,
  ...rest
}: {
  to: string;
  children: ComponentChildren;
  class?: string;
  onClick?: () => void;
  [k: string]: unknown;
}) {
  return (
    <a
      href={`/console${to}`}
      class={cls}
      {...rest}
      onClick={(e) => {
        onClick?.();
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

function active(path: string, to: string): boolean {
  return to === '/' ? path === '/' : path === to || path.startsWith(to + '/');
}

export function Layout({ children, onSignOut }: { children: ComponentChildren; onSignOut: () => void }) {
  const path = usePath();
  const v = useViewer();
  const [open, setOpen] = useState(false);
  const items = NAV.filter((n) => !n.tenantWide || v.tenantWide).filter((n) => n.to !== '/audit' || v.canAudit);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={open}
          aria-controls="nav"
          onClick={() => setOpen(!open)}
        >
          <span aria-hidden="true">☰</span>
          <span class="sr-only">Menu</span>
        </button>
        <span class="brand">
          <span class="brand-mark" aria-hidden="true">b</span> billingd <span class="brand-sub">console</span>
        </span>
        <div class="who" data-testid="who">
          <span class="who-tenant">{v.tenant}</span>
          <span class="badge badge-muted">{humanize(v.role)}</span>
          {v.namespace && <span class="badge badge-info">namespace {v.namespace}</span>}
          <button type="button" class="btn btn-ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <div class="body">
        <nav id="nav" class={open ? 'nav open' : 'nav'} aria-label="Console">
          <ul>
            {items.map((n) => (
              <li key={n.to}>
                <Link to={n.to} class={active(path, n.to) ? 'active' : ''} aria-current={active(path, n.to) ? 'page' : undefined} onClick={() => setOpen(false)}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <h1>{title}</h1>
      {children && <div class="page-actions">{children}</div>}
    </div>
  );
}

export function Card({ title, children, class: cls = '' }: { title?: string; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${cls}`} aria-label={title}>
      {title && <h2>{title}</h2>}
      {children}
    </section>
  );
}
