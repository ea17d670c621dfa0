// What the browser checks of e2e/webconsole_test.go share: the required
// environment, one line per check, headless Chromium launched the one way
// this machine allows, and a guard that aborts (and records) any request
// that would leave 127.0.0.1.
import { chromium } from 'playwright-core';

// requireEnv exits with status 2 when a variable the script needs is unset.
export function requireEnv(names) {
  for (const k of names) {
    if (!process.env[k]) {
      console.error(`missing ${k}`);
      process.exit(2);
    }
  }
}

// checks prints each check as one line; finish prints the verdict and
// exits 1 when one failed.
export function checks(what) {
  const failures = [];
  return {
    check(ok, line) {
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
      if (!ok) failures.push(line);
    },
    finish() {
      if (failures.length > 0) {
        console.log(`${failures.length} ${what} check(s) failed`);
        process.exit(1);
      }
      console.log(`all ${what} checks passed`);
    },
  };
}

// launch starts headless Chromium from CHROMIUM (default /usr/bin/chromium).
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

// stayLocal aborts every request of ctx that is not for 127.0.0.1 (or a
// data: or blob: URL) and records its URL in external.
export async function stayLocal(ctx, external) {
  await ctx.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.hostname === '127.0.0.1') return route.continue();
    external.push(route.request().url());
    return route.abort();
  });
}

// externalLine is the check line of the requests stayLocal aborted.
export function externalLine(external) {
  return `no request left 127.0.0.1 (${external.length} tried${external.length ? ': ' + external.slice(0, 5).join(', ') : ''})`;
}
