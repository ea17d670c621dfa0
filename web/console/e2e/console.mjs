// End-to-end checks of the billingd console in headless Chromium, run by
// e2e/webconsole_test.go against a real billingd with seeded data. Every check
// prints one line; any failure makes the exit status 1. Screenshots of each
// page go to SHOTS_DIR.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checks, externalLine, launch, requireEnv, stayLocal } from './harness.mjs';

const env = process.env;
requireEnv(['CONSOLE_URL', 'ADMIN_TOKEN', 'VIEWER_TOKEN', 'EDITOR_TOKEN', 'EDITOR_NAMESPACE', 'NAMESPACE', 'INVOICE', 'SHOTS_DIR']);
const BASE = env.CONSOLE_URL; // http://127.0.0.1:port/console/
const origin = new URL(BASE).origin;
const { check, finish } = checks('console');

const axeSource = readFileSync(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

const browser = await launch();

// Every request of every page is recorded; anything not on 127.0.0.1 is
// a failure (and is aborted, so it cannot leave even once).
const external = [];
const consoleErrors = [];
async function newContext(width = 1280, height = 860) {
  const ctx = await browser.newContext({ viewport: { width, height }, acceptDownloads: true, locale: 'en-US', timezoneId: 'Europe/Paris' });
  await stayLocal(ctx, external);
  ctx.on('page', (p) => watch(p));
  return ctx;
}
function watch(page) {
  // the 401 of the bad-token check is the only error the browser may log
  page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && consoleErrors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
}

async function axe(page, name) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) console.log(`     axe ${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  check(bad.length === 0, `${name}: axe-core finds no serious or critical violation`);
}

async function shot(page, name) {
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await page.waitForTimeout(150); // let the chart's resize settle before the picture (not an assertion)
  await page.screenshot({ path: join(env.SHOTS_DIR, `${name}.png`), fullPage: true });
}

// chartDrawn counts pixels of the first series' colour (blue, 37 99 235) on
// the chart canvas, anti-aliased shades included: a one-bucket spike of an
// hourly chart is a line one pixel wide, which lands between two pixel
// columns at some times of day and is then drawn only in lighter blues (an
// exact-colour count found 0 pixels at 00:30 UTC). Grey grid and text, and
// the other series' colours, are not blue-dominant.
async function chartDrawn(page, scope = 'main') {
  const canvas = page.locator(`${scope} [data-testid=usage-chart] canvas`).first();
  await canvas.waitFor();
  return canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 150 && d[i + 2] - d[i] > 50 && d[i + 2] - d[i + 1] > 30 && d[i + 3] > 60) n++;
    return n;
  });
}

async function signIn(page, token) {
  await page.goto(BASE);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

async function nav(page, label, heading) {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading ?? label }).waitFor();
  await page.locator('.state-loading').first().waitFor({ state: 'detached' });
}

const writeControls = (page) => page.locator('main [data-write]').count();

try {
  // --- admin, 1280 px -------------------------------------------------
  const ctx = await newContext();
  const page = await ctx.newPage();
  await page.goto(BASE);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement?.id)) === 'token', 'sign-in: the token field is the first stop of the keyboard');
  await axe(page, 'sign-in');
  await shot(page, 'signin');

  await page.getByLabel('API token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const refused = page.getByRole('alert');
  await refused.waitFor();
  check(/not accepted/.test((await refused.textContent()) ?? '') && (await page.evaluate(() => sessionStorage.length)) === 0, `sign-in: a bad token is refused and forgotten (${((await refused.textContent()) ?? '').trim()})`);
  await page.getByRole('button', { name: 'Sign in again' }).click();

  await signIn(page, env.ADMIN_TOKEN);
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  const storage = await page.evaluate(() => ({ s: sessionStorage.length, l: localStorage.length }));
  check(storage.s === 1 && storage.l === 0, `sign-in: the token is in sessionStorage only (session ${storage.s}, local ${storage.l})`);
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement?.textContent)) === 'Skip to content', 'shell: the first Tab reaches "Skip to content"');

  await page.locator('.state-loading').first().waitFor({ state: 'detached' });
  check((await chartDrawn(page)) > 200, 'overview: the daily usage chart is drawn');
  const mtd = (await page.getByTestId('mtd').textContent()) ?? '';
  check(/\$\d/.test(mtd), `overview: month-to-date cost in dollars (${mtd})`);
  const forecast = (await page.getByTestId('forecast').textContent()) ?? '';
  check(/\$\d/.test(forecast), `overview: a forecast to month end (${forecast})`);
  check((await page.locator('main [data-testid=usage-chart]').count()) >= 4, 'overview: a cost chart and one usage chart per usage type');
  await axe(page, 'overview');
  await shot(page, 'overview');

  await nav(page, 'Namespaces');
  const row = page.locator('tr', { has: page.getByRole('link', { name: env.NAMESPACE, exact: true }) });
  check((await row.getByTestId('quota-bar').count()) > 0, `namespaces: ${env.NAMESPACE} shows a quota bar`);
  check((await page.locator('tbody tr').count()) >= 3, 'namespaces: the seeded namespaces are listed');
  await page.getByRole('searchbox', { name: 'Search namespaces' }).fill(env.NAMESPACE);
  check((await page.locator('tbody tr').count()) === 1, 'namespaces: search narrows the table');
  await axe(page, 'namespaces');
  await page.getByRole('searchbox', { name: 'Search namespaces' }).fill('');
  await shot(page, 'namespaces');

  await row.getByRole('link', { name: env.NAMESPACE, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: env.NAMESPACE }).waitFor();
  await page.locator('.state-loading').first().waitFor({ state: 'detached' });
  const bar = page.getByTestId('quota-bar').filter({ hasText: '3 / 4' });
  check((await bar.count()) === 1, 'namespace: the quota bar shows 3 of 4 load balancers');
  check((await chartDrawn(page)) > 200, 'namespace: the usage chart is drawn');
  await page.getByRole('button', { name: 'Hourly, 48 h' }).click();
  await page.locator('.state-loading').first().waitFor({ state: 'detached' });
  const hourlyPx = await chartDrawn(page);
  check(hourlyPx > 50, `namespace: the hourly chart is drawn (${hourlyPx} px)`);
  await page.getByRole('button', { name: 'Daily, 30 days' }).click();
  await page.locator('.state-loading').first().waitFor({ state: 'detached' });
  await axe(page, 'namespace');
  await shot(page, 'namespace');

  await nav(page, 'Invoices');
  const runningRow = page.locator('main tbody tr').first();
  const runningTotal = ((await runningRow.locator('td.num').last().textContent()) ?? '').trim();
  check(runningTotal === mtd.trim(), `overview: month to date equals the running invoice (${mtd} vs ${runningTotal})`);
  await page.getByRole('link', { name: env.INVOICE, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: `Invoice ${env.INVOICE}` }).waitFor();
  check((await page.locator('main table tbody tr').count()) > 0, 'invoice: its lines are listed');
  const history = (await page.getByTestId('status-history').textContent()) ?? '';
  check(/Issued\s*→\s*Paid/.test(history), `invoice: the status history shows ISSUED → PAID (${history.trim()})`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download PDF of ${env.INVOICE}` }).click()]);
  const pdf = readFileSync(await download.path());
  check(pdf.subarray(0, 5).toString() === '%PDF-' && download.suggestedFilename() === `${env.INVOICE}.pdf`, `invoice: the PDF downloads (${pdf.length} bytes)`);
  await axe(page, 'invoice');
  await shot(page, 'invoice');

  await nav(page, 'Plan');
  check((await writeControls(page)) > 0, 'plan: an admin sees the write controls');
  await page.getByRole('button', { name: 'Subscribe to AppStack Standard' }).click();
  await page.getByRole('button', { name: 'Unsubscribe from AppStack Standard' }).waitFor();
  check(true, 'plan: an add-on is subscribed');
  await page.getByRole('button', { name: 'Choose Organization' }).click();
  const form = page.getByRole('form', { name: 'Move to Organization' });
  await form.getByRole('button', { name: /Start transition/ }).click();
  const result = page.getByTestId('transition-result');
  await result.waitFor();
  const resultText = (await result.textContent()) ?? '';
  check(/Waiting for approval/i.test(resultText), `plan: the transition starts and waits for approval (${resultText.trim()})`);
  await page.getByRole('cell', { name: 'team → organization' }).waitFor();
  check(true, 'plan: the transition is listed, waiting for approval');
  await axe(page, 'plan');
  await shot(page, 'plan');

  await nav(page, 'Payment methods');
  check((await writeControls(page)) > 0, 'payment methods: an admin sees the write controls');
  await page.getByLabel('Payment provider token').fill('tok_mastercard_5454');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.locator('main tbody tr').nth(1).waitFor();
  check((await page.locator('main tbody tr').count()) === 2, 'payment methods: a new method is added');
  // the primary method of a paid plan cannot be deleted: the server's refusal is shown
  page.once('dialog', (d) => d.accept());
  const primaryRow = page.locator('main tbody tr', { has: page.locator('.badge', { hasText: 'Primary' }) }).first();
  await primaryRow.getByRole('button', { name: /^Delete / }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'refused' });
  await refusal.waitFor();
  check(/CONFLICT/.test((await refusal.textContent()) ?? ''), `payment methods: deleting the primary is refused with the server's message (${((await refusal.textContent()) ?? '').trim()})`);
  await axe(page, 'payment methods');
  await shot(page, 'payment-methods');

  await nav(page, 'Audit log');
  check((await page.locator('main tbody tr').count()) > 0, 'audit log: records are listed');
  await page.getByLabel('Action').selectOption('payment_method.create');
  await page.locator('main tbody tr').first().waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('main tbody tr td:nth-child(2)')].every((td) => td.textContent === 'payment_method.create'));
  const filtered = await page.locator('main tbody tr td:nth-child(2)').allTextContents();
  check(filtered.length === 2, `audit log: the action filter keeps the 2 payment method creations (${filtered.length})`);
  await page.getByLabel('Action').selectOption('');
  await axe(page, 'audit log');
  await shot(page, 'audit');

  // --- 390 px: no sideways scrolling, menu behind a button ---------------
  await page.setViewportSize({ width: 390, height: 844 });
  check(!(await page.getByRole('navigation', { name: 'Console' }).isVisible()), '390 px: the menu hides behind its button');
  await page.getByRole('button', { name: 'Menu' }).click();
  await nav(page, 'Overview');
  await page.locator('.state-loading').first().waitFor({ state: 'detached' });
  await shot(page, 'overview-mobile');
  for (const [label, heading] of [['Overview'], ['Namespaces'], ['Invoices'], ['Plan'], ['Payment methods'], ['Audit log']]) {
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav(page, label, heading);
    const { overflow, culprits } = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      culprits: [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .filter((el) => {
          for (let p = el.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return false;
          return true;
        })
        .slice(0, 3)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
    }));
    check(overflow <= 0, `390 px: ${label} does not scroll sideways (${overflow} px${overflow > 0 ? ': ' + culprits.join(', ') : ''})`);
  }
  await page.setViewportSize({ width: 1280, height: 860 });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  check((await page.evaluate(() => sessionStorage.length + localStorage.length)) === 0, 'sign-out: the token is gone');
  await ctx.close();

  // --- viewer: no write control anywhere --------------------------------
  const vctx = await newContext();
  const vpage = await vctx.newPage();
  await signIn(vpage, env.VIEWER_TOKEN);
  for (const [label, heading] of [['Overview'], ['Namespaces'], ['Invoices'], ['Plan'], ['Payment methods']]) {
    await nav(vpage, label, heading);
    check((await writeControls(vpage)) === 0, `viewer: no write control on ${label}`);
  }
  await shot(vpage, 'plan-viewer');
  await vctx.close();

  // --- editor bound to one namespace: sees only it ----------------------
  const ectx = await newContext();
  const epage = await ectx.newPage();
  await signIn(epage, env.EDITOR_TOKEN);
  await nav(epage, 'Namespaces');
  const names = await epage.locator('main tbody tr td:first-child a').allTextContents();
  check(names.length === 1 && names[0] === env.EDITOR_NAMESPACE, `bound editor: sees only ${env.EDITOR_NAMESPACE} (${names.join(', ')})`);
  const links = await epage.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();
  check(!links.includes('Invoices') && !links.includes('Payment methods'), `bound editor: no tenant-wide pages in the menu (${links.join(', ')})`);
  await ectx.close();
} catch (e) {
  check(false, `unexpected error: ${e.stack ?? e}`);
} finally {
  await browser.close();
}

check(external.length === 0, externalLine(external));
check(consoleErrors.length === 0, `no error in the browser console${consoleErrors.length ? ': ' + consoleErrors.slice(0, 5).join(' | ') : ''}`);
console.log(`origin ${origin}`);
finish();
