import { afterEach, describe, expect, it } from 'vitest';
import { clearToken, loadToken, saveToken } from './auth';

describe('token storage', () => {
  afterEach(() => {
    clearToken();
    localStorage.clear();
    sessionStorage.clear();
  });
  it('keeps the token in sessionStorage, never in localStorage', () => {
    saveToken('secret-1');
    expect(loadToken()).toBe('secret-1');
    expect(sessionStorage.length).toBe(1);
    expect(localStorage.length).toBe(0);
  });
  it('forgets the token on sign-out', () => {
    saveToken('secret-2');
    clearToken();
    expect(loadToken()).toBeNull();
    expect(sessionStorage.length).toBe(0);
  });
});
