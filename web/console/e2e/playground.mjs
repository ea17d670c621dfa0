// The GraphQL playground (/playground, GraphiQL served by billingd itself)
// in headless Chromium, run by e2e/webconsole_test.go against a real
// billingd: it renders from the embedded assets with no other site, a query
// typed with the token runs and shows the viewer, the token and headers are
// never written to the browser's storage, and the schema's documentation
// opens (introspection). Every check prints one line; a failure makes the
// exit status 1. A screenshot goes to SHOTS_DIR.
import { join } from 'node:path';
import { checks, externalLine, launch, requireEnv, stayLocal } from './harness.mjs';

const env = process.env;
requireEnv(['PLAYGROUND_URL', 'ADMIN_TOKEN', 'SHOTS_DIR']);
const { check, finish } = checks('playground');

const browser = await launch();
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
const external = [];
const errors = [];
await stayLocal(ctx, external);
const page = await ctx.newPage();
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
const graphql = [];
page.on('request', (r) => r.url().endsWith('/graphql') && r.method() === 'POST' && graphql.push(r));

try {
  await page.goto(env.PLAYGROUND_URL, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  check(true, 'GraphiQL renders from the embedded assets');
  // Without a token the page says what is missing and sends nothing.
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(() => /API token/.test(document.querySelector('.graphiql-response')?.innerText || ''), null, { timeout: 20000 });
  check(graphql.length === 0, 'without a token a run explains what is missing and sends no request');

  // A new token mounts GraphiQL again, which loads the schema with it.
  const schema = page.waitForResponse((r) => r.url().endsWith('/graphql') && /IntrospectionQuery/.test(r.request().postData() || ''), { timeout: 20000 });
  await page.fill('#token', env.ADMIN_TOKEN);
  await page.dispatchEvent('#token', 'change');
  check((await schema).status() === 200, 'the schema loads with the typed token');
  // The query editor holds the default query (the viewer); run it.
  // (GraphiQL ignores a run until its new instance has taken the schema.)
  for (let i = 0; i < 20 && !graphql.some((r) => (r.postData() || '').includes('viewer')); i++) {
    await page.click('.graphiql-execute-button');
    await page.waitForTimeout(500);
  }
  const result = page.locator('.graphiql-response .CodeMirror, .result-window');
  await page.waitForFunction(() => /"viewer"/.test(document.querySelector('.graphiql-response')?.innerText || ''), null, { timeout: 20000 });
  const text = await result.first().innerText();
  check(/"role"\s*:\s*"ADMIN"/i.test(text), 'the default query runs with the typed token and shows the viewer');
  const sent = graphql.find((r) => (r.postData() || '').includes('viewer'));
  check(!!sent && /^APIToken /.test(sent.headers()['authorization'] || ''), 'the query was sent with the APIToken header');

  const stored = await page.evaluate(() => {
    const all = [];
    for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) all.push(s.key(i) + '=' + s.getItem(s.key(i)));
    return all.join('\n');
  });
  check(!stored.includes(env.ADMIN_TOKEN) && !/authorization/i.test(stored), `neither the token nor headers are in the browser's storage (${stored.length} bytes stored)`);
  const cookies = await ctx.cookies();
  check(cookies.length === 0, 'no cookie is set');

  // Introspection: the documentation explorer lists the root query type.
  await page.click('button[aria-label="Show Documentation Explorer"]');
  await page.waitForFunction(() => /Query/.test(document.querySelector('.graphiql-doc-explorer')?.innerText || ''), null, { timeout: 20000 });
  check(true, 'the documentation explorer shows the schema (introspection)');
  await page.screenshot({ path: join(env.SHOTS_DIR, 'playground.png') });
} catch (e) {
  check(false, `playground: ${e.message.split('\n')[0]}`);
  console.log(`     response pane: ${JSON.stringify(await page.evaluate(() => document.querySelector('.graphiql-response')?.innerText ?? null))}; ${graphql.length} POST /graphql: ${graphql.map((r) => (r.postData() || '').slice(0, 60)).join(' | ')}`);
  await page.screenshot({ path: join(env.SHOTS_DIR, 'playground-failure.png') }).catch(() => {});
}
check(external.length === 0, externalLine(external));
check(errors.length === 0, `no script error${errors.length ? ': ' + errors.slice(0, 3).join(' | ') : ''}`);
await browser.close();
finish();
