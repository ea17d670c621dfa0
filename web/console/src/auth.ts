// The API token lives in memory and sessionStorage only (never
// localStorage): it is gone when the tab closes, and signing out removes it
// at once. sessionStorage keeps it across a reload of the tab.
const KEY = 'billingd.console.token';
let memory: string | null = null;

export function loadToken(): string | null {
  if (memory) return memory;
  try {
    memory = sessionStorage.getItem(KEY);
  } catch {
    // storage disabled: memory only
  }
  return memory;
}

export function saveToken(token: string): void {
  memory = token;
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token stays in memory for this page only
  }
}

export function clearToken(): void {
  memory = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
