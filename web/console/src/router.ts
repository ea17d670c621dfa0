import { useEffect, useState } from 'preact/hooks';

// A minimal history router: billingd answers index.html for every path
// under /console/, so deep links and reloads work.
export const BASE = '/console';

export function currentPath(): string {
  const p = window.location.pathname;
  const rest = p.startsWith(BASE) ? p.slice(BASE.length) : p;
  return rest === '' ? '/' : rest;
}

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  window.history.pushState(null, '', BASE + to);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

export function useQueryParam(name: string): string {
  usePath();
  return new URLSearchParams(window.location.search).get(name) ?? '';
}
