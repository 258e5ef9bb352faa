// Two real relying parties in front of tessera, from Debian's packages, used by a person in a
// browser: nginx asking /auth/verify about every request (auth_request, Authelia's convention),
// and Apache with mod_auth_openidc signing people in with OpenID Connect. The servers' configs are
// the templates in relying_parties/; each test starts its own on free ports of 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import {
  bodyText, clickAndWait, currentHeading, currentStep, expectHeading, launchBrowser, pageState,
  startTessera, totp, waitForStepAfter, withContext,
} from './tessera.mjs';
import {
  registerAuthenticator, sessionCookie, staySignedIn, submitCode, submitPassword, submitUsername,
} from './journey.mjs';
import { apachePort, startApache, startNginx } from './relying_parties/servers.mjs';

const GOOD_PASSWORD = 'Correct-Horse-Battery-9';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// Percent-encoding of everything but RFC 3986's unreserved characters, as tessera writes rd=.
const encodeStrictly = (text) => encodeURIComponent(text)
  .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Runs body(servers) and always stops them (last started first); their logs join a failure. */
async function withServers(starts, body) {
  const started = [];
  try {
    for (const start of starts) started.push(await start(started));
    await body(started);
  } catch (e) {
    const logs = [];
    for (const server of started) {
      const text = server.output ? await server.output() : server.serverOutput?.();
      if (text) logs.push(`--- ${server.url ?? server.baseUrl}\n${text.slice(-2000)}`);
    }
    if (logs.length > 0 && e instanceof Error) {
      // The runner prints the stack, which already holds the message.
      const more = `\n\nserver output (last lines):\n${logs.join('\n')}`;
      e.message += more;
      if (typeof e.stack === 'string') e.stack += more;
    }
    throw e;
  } finally {
    for (const server of started.reverse()) await server.stop().catch(() => {});
  }
}

/** The text of the element with data-testid `id` on the page. */
const shown = async (page, id) => (await page.getByTestId(id).innerText()).trim();

/** The user's id as `tessera user show` prints it (the ID token's sub). */
async function userId(server, upn) {
  const r = await server.cli(['user', 'show', upn]);
  assert.equal(r.code, 0, `tessera user show ${upn} failed:\n${r.stdout}${r.stderr}`);
  const m = r.stdout.match(/^id\s+(\S+)$/m);
  assert.ok(m, `tessera user show printed no "id" line:\n${r.stdout}`);
  return m[1];
}

/**
 * Runs `step`, the last page of a sign-in, whose answer sends the browser back to the app at
 * `where`; fails saying so when the browser refuses that (a Content Security Policy of tessera's
 * page that does not allow the form's redirect to the app's origin).
 */
async function backToTheApp(page, where, step) {
  const refusals = [];
  const listen = (message) => {
    if (/Content Security Policy/i.test(message.text())) refusals.push(message.text());
  };
  page.on('console', listen);
  try {
    await step();
  } catch (e) {
    await new Promise((r) => setTimeout(r, 200));
    if (refusals.length === 0) throw e;
  } finally {
    page.off('console', listen);
  }
  if (refusals.length > 0) {
    assert.fail(`the browser was not let back to ${where} from tessera's last sign-in page: ` +
      `${refusals.join(' | ')} — the Content-Security-Policy of tessera's sign-in pages ` +
      `(form-action) must allow the redirect that answers the form, to the app's origin ` +
      `(${await pageState(page)})`);
  }
}

/** Waits until the browser is on a page whose URL starts with `prefix`. */
async function expectAt(page, prefix, what) {
  try {
    await page.waitForURL((url) => url.href.startsWith(prefix), { timeout: 5000 });
  } catch {
    assert.fail(`expected ${what} (${prefix}...), but the page is: ${await pageState(page)}`);
  }
}

// ---------------------------------------------------------------- nginx, auth_request

test('nginx with auth_request sends a person to tessera to sign in, and back to the page, which shows their UPN',
  { timeout: 120000 }, async (t) => {
    await withServers([
      () => startTessera({
        password: GOOD_PASSWORD, mfaState: 'enabled',
        config: { forward_auth: { allowed_hosts: ['127.0.0.1'] } },
      }),
      ([tessera]) => startNginx({ tesseraUrl: tessera.baseUrl }),
    ], async ([tessera, nginx]) => {
      const wiki = `${nginx.url}/wiki/Start?tab=history&lang=en`;
      const signInOf = (url) => `${tessera.baseUrl}/signin?rd=${encodeStrictly(url)}`;

      // Without a session, nginx answers the 401 of /auth/verify with a redirect to tessera's
      // sign-in, which carries the whole address back.
      const anonymous = await fetch(wiki, { redirect: 'manual' });
      assert.equal(anonymous.status, 302, `nginx without a session cookie should redirect (302), got ${anonymous.status}`);
      assert.equal(anonymous.headers.get('location'), signInOf(wiki),
        'nginx should send the browser to tessera\'s /signin?rd=<the URL, percent-encoded>');

      // Straight to tessera: without X-Original-URL and X-Original-Method it cannot answer.
      const bare = await fetch(`${tessera.baseUrl}/auth/verify`, { redirect: 'manual' });
      assert.equal(bare.status, 400, `GET /auth/verify without the X-Original-* headers should be 400, got ${bare.status}`);
      const noMethod = await fetch(`${tessera.baseUrl}/auth/verify`,
        { redirect: 'manual', headers: { 'X-Original-URL': wiki } });
      assert.equal(noMethod.status, 400, `GET /auth/verify without X-Original-Method should be 400, got ${noMethod.status}`);
      const notAUrl = await fetch(`${tessera.baseUrl}/auth/verify`,
        { redirect: 'manual', headers: { 'X-Original-URL': '/wiki/Start', 'X-Original-Method': 'GET' } });
      assert.equal(notAUrl.status, 400, `GET /auth/verify with a relative X-Original-URL should be 400, got ${notAUrl.status}`);
      const elsewhere = await fetch(`${tessera.baseUrl}/auth/verify`, {
        redirect: 'manual',
        headers: { 'X-Original-URL': 'http://intranet.example.org/', 'X-Original-Method': 'GET' },
      });
      assert.equal(elsewhere.status, 403,
        `GET /auth/verify for a host not in allowed_hosts should be 403, got ${elsewhere.status}`);

      await withContext(browser, t.name, async ({ context, page, shot }) => {
        await page.goto(wiki);
        await expectAt(page, signInOf(wiki).split('?')[0], 'tessera\'s sign-in');
        assert.ok(page.url().startsWith(`${tessera.baseUrl}/`), `the wiki should send the person to tessera: ${page.url()}`);
        await submitUsername(page, tessera.upn, shot);
        await submitPassword(page, tessera.upn, GOOD_PASSWORD, shot);
        // MFA is enabled and nothing is registered yet: the authenticator app first.
        await registerAuthenticator(page, tessera.upn, shot);
        await shot(page, 'stay-signed-in');
        await backToTheApp(page, wiki, () => staySignedIn(page, 'No'));

        await expectHeading(page, 'Intranet');
        assert.equal(page.url(), wiki, 'after signing in the browser should be back at the address it first asked for');
        assert.equal(await shown(page, 'remote-user'), tessera.upn, 'the page should show Remote-User, the UPN');
        assert.equal(await shown(page, 'remote-name'), tessera.displayName, 'the page should show Remote-Name');
        assert.equal(await shown(page, 'remote-email'), tessera.upn, 'the page should show Remote-Email');
        await shot(page, 'team-wiki-signed-in');

        // Cookies are per host, not per port: tessera's cookie is what nginx passed on.
        const cookie = await sessionCookie(context, tessera.baseUrl);
        const withCookie = await fetch(`${nginx.url}/wiki/Other`,
          { redirect: 'manual', headers: { cookie: `${cookie.name}=${cookie.value}` } });
        assert.equal(withCookie.status, 200, `nginx with the session cookie should serve the page, got ${withCookie.status}`);
        assert.match(await withCookie.text(), new RegExp(`Signed in as <strong data-testid="remote-user">${tessera.upn}</strong>`));

        // Another page of the wiki: no sign-in this time.
        await page.goto(`${nginx.url}/wiki/Other`);
        await expectHeading(page, 'Intranet');
        assert.equal(await shown(page, 'remote-user'), tessera.upn);

        // Signed out at tessera, the wiki sends the person to sign in again.
        await page.goto(`${tessera.baseUrl}/`);
        await expectHeading(page, 'Security info');
        await clickAndWait(page, 'Sign out');
        await expectHeading(page, 'Sign in');
        await page.goto(wiki);
        await expectAt(page, `${tessera.baseUrl}/`, 'tessera\'s sign-in after signing out');
        await expectHeading(page, 'Sign in');
        await shot(page, 'sign-in-again-after-sign-out');
        const after = await fetch(wiki,
          { redirect: 'manual', headers: { cookie: `${cookie.name}=${cookie.value}` } });
        assert.equal(after.status, 302, `the signed-out session's cookie should no longer pass nginx, got ${after.status}`);
      });
    });
  });

// Two apps behind one nginx, on two names of 127.0.0.1 (chromium's host resolver maps them), with
// tessera on a third: the session cookie is shared through [server] cookie_domain, as in
// production, so the same session is asked about by a host that needs MFA and one that does not.
test('a host in mfa_hosts sends a password-only session back to sign in with a code',
  { timeout: 150000 }, async (t) => {
    const mappedBrowser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run',
        '--host-resolver-rules=MAP *.example.test 127.0.0.1'],
    });
    try {
      await withServers([
        () => startTessera({
          password: GOOD_PASSWORD, mfaState: 'enabled',
          config: ({ port }) => ({
            server: { public_url: `http://auth.example.test:${port}`, cookie_domain: 'example.test' },
            forward_auth: {
              allowed_hosts: ['wiki.example.test', 'payroll.example.test'],
              mfa_hosts: ['payroll.example.test'],
            },
          }),
        }),
        ([tessera]) => startNginx({ tesseraUrl: tessera.baseUrl }),
      ], async ([tessera, nginx]) => {
        const auth = `http://auth.example.test:${new URL(tessera.baseUrl).port}`;
        const wiki = `http://wiki.example.test:${nginx.port}/`;
        const payroll = `http://payroll.example.test:${nginx.port}/payslips/2026-11`;
        const verify = (url, cookie) => fetch(`${tessera.baseUrl}/auth/verify`, {
          redirect: 'manual',
          headers: { 'X-Original-URL': url, 'X-Original-Method': 'GET', ...(cookie ? { cookie } : {}) },
        });

        // Without a session, the MFA host's sign-in asks for MFA.
        const anonymous = await verify(payroll);
        assert.equal(anonymous.status, 401);
        assert.equal(anonymous.headers.get('location'), `${auth}/signin?rd=${encodeStrictly(payroll)}&acr=mfa`,
          'a host in mfa_hosts should send people to /signin?rd=URL&acr=mfa');

        await withContext(mappedBrowser, t.name, async ({ context, page, shot }) => {
          // First sign-in, through the wiki: password and the authenticator app's registration.
          await page.goto(wiki);
          await expectAt(page, `${auth}/`, 'tessera\'s sign-in');
          await submitUsername(page, tessera.upn, shot);
          await submitPassword(page, tessera.upn, GOOD_PASSWORD, shot);
          const registration = await registerAuthenticator(page, tessera.upn, shot);
          await backToTheApp(page, wiki, () => staySignedIn(page, 'No'));
          await expectHeading(page, 'Intranet');
          assert.equal(page.url(), wiki);
          assert.equal(await shown(page, 'remote-user'), tessera.upn);
          await shot(page, 'wiki-signed-in');
          const cookie = await sessionCookie(context, auth);
          assert.equal(cookie.domain.replace(/^\./, ''), 'example.test',
            `the session cookie should have Domain=example.test (cookie_domain), got ${cookie.domain}`);
          await page.goto(`${auth}/`);
          await expectHeading(page, 'Security info');
          await clickAndWait(page, 'Sign out');
          await expectHeading(page, 'Sign in');

          // Now from a trusted network the password alone signs in.
          const trusted = await tessera.cli(['policy', 'set', 'trusted_ip_ranges', '127.0.0.0/8']);
          assert.equal(trusted.code, 0, `policy set trusted_ip_ranges failed: ${trusted.stdout}${trusted.stderr}`);
          await page.goto(wiki);
          await expectAt(page, `${auth}/`, 'tessera\'s sign-in');
          await submitUsername(page, tessera.upn);
          await backToTheApp(page, wiki, async () => {
            await submitPassword(page, tessera.upn, GOOD_PASSWORD, shot);
            if (await currentHeading(page) === 'Stay signed in?') await staySignedIn(page, 'No');
          });
          await expectHeading(page, 'Intranet');
          assert.equal(await shown(page, 'remote-user'), tessera.upn,
            'from a trusted network the password alone should sign in to the wiki');
          await shot(page, 'wiki-password-only');

          const session = await sessionCookie(context, auth);
          const header = `${session.name}=${session.value}`;
          const wikiAnswer = await verify(wiki, header);
          assert.equal(wikiAnswer.status, 200, `the password-only session should pass the wiki, got ${wikiAnswer.status}`);
          assert.equal(wikiAnswer.headers.get('remote-user'), tessera.upn);
          const payrollAnswer = await verify(payroll, header);
          assert.equal(payrollAnswer.status, 401,
            `the password-only session should not pass payroll (mfa_hosts), got ${payrollAnswer.status}`);
          assert.equal(payrollAnswer.headers.get('location'), `${auth}/signin?rd=${encodeStrictly(payroll)}&acr=mfa`);

          // Payroll sends the person back to tessera, which now asks for the code.
          await waitForStepAfter(registration.step);
          await page.goto(payroll);
          await expectAt(page, `${auth}/`, 'tessera\'s sign-in for payroll');
          await shot(page, 'payroll-sends-to-sign-in');
          const heading = await currentHeading(page);
          if (heading === 'Sign in') await submitUsername(page, tessera.upn);
          if (await currentHeading(page) === 'Enter password') await submitPassword(page, tessera.upn, GOOD_PASSWORD);
          await expectHeading(page, 'Enter code');
          await shot(page, 'enter-code-for-payroll');
          await backToTheApp(page, payroll, async () => {
            await submitCode(page, await totp(registration.secret, currentStep()));
            if (await currentHeading(page) === 'Stay signed in?') await staySignedIn(page, 'No');
          });
          await expectHeading(page, 'Intranet');
          assert.equal(page.url(), payroll, 'after the code the browser should be back at payroll\'s address');
          assert.equal(await shown(page, 'host'), 'payroll.example.test');
          assert.equal(await shown(page, 'remote-user'), tessera.upn);
          await shot(page, 'payroll-signed-in-with-mfa');

          const withMfa = await sessionCookie(context, auth);
          const again = await verify(payroll, `${withMfa.name}=${withMfa.value}`);
          assert.equal(again.status, 200, `after the code the session should pass payroll, got ${again.status}`);
        });
      });
    } finally {
      await mappedBrowser.close();
    }
  });

// ---------------------------------------------------------------- Apache, mod_auth_openidc

async function apacheSignsIn(t, idTokenAlg) {
  const port = await apachePort();
  const redirectUri = `http://127.0.0.1:${port}/protected/redirect_uri`;
  await withServers([
    () => startTessera({ upn: 'frank@example.com', displayName: 'Frank', password: GOOD_PASSWORD, mfaState: 'disabled' }),
    async ([tessera]) => {
      const args = ['client', 'add', 'Expense reports', '--redirect-uri', redirectUri];
      if (idTokenAlg !== 'ES256') args.push('--id-token-alg', idTokenAlg);
      const added = await tessera.cli(args);
      assert.equal(added.code, 0, `tessera client add failed:\n${added.stdout}${added.stderr}`);
      const clientId = added.stdout.match(/^client_id:\s*(\S+)$/m)?.[1];
      const clientSecret = added.stdout.match(/^client_secret:\s*(\S+)$/m)?.[1];
      assert.ok(clientId && clientSecret, `tessera client add printed no client_id/client_secret:\n${added.stdout}`);
      const apache = await startApache({ port, tesseraUrl: tessera.baseUrl, clientId, clientSecret });
      return { ...apache, clientId };
    },
  ], async ([tessera, apache]) => {
    const expectedSub = await userId(tessera, tessera.upn);
    const page = `${apache.url}/protected/claims`;
    const subs = [];
    // Two sign-ins, each in a browser that has seen nothing yet.
    for (const round of [1, 2]) {
      await withContext(browser, `apache ${idTokenAlg} sign-in ${round}`, async ({ page: tab, shot }) => {
        await tab.goto(page);
        await expectAt(tab, `${tessera.baseUrl}/`, 'tessera\'s sign-in');
        await submitUsername(tab, tessera.upn, shot);
        await backToTheApp(tab, apache.redirectUri, async () => {
          await submitPassword(tab, tessera.upn, GOOD_PASSWORD, shot);
          if (await currentHeading(tab) === 'Stay signed in?') await staySignedIn(tab, 'No');
        });
        await expectHeading(tab, 'Expense reports');
        assert.equal(tab.url(), page, 'after signing in the browser should be back on the protected page');
        await shot(tab, 'expense-reports-signed-in');

        const sub = await shown(tab, 'sub');
        assert.ok(sub !== '', `the page should show OIDC_CLAIM_sub: ${await bodyText(tab)}`);
        assert.equal(sub, expectedSub, 'OIDC_CLAIM_sub should be the user\'s id (tessera user show)');
        assert.equal(await shown(tab, 'email'), tessera.upn, 'OIDC_CLAIM_email');
        assert.equal(await shown(tab, 'name'), tessera.displayName, 'OIDC_CLAIM_name');

        const token = await shown(tab, 'id-token');
        const [header, payload] = token.split('.').slice(0, 2)
          .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
        assert.equal(header.alg, idTokenAlg, `the ID token should be signed with ${idTokenAlg}`);
        assert.equal(payload.sub, sub, 'the ID token\'s sub should be the one the page shows');
        assert.equal(payload.iss, tessera.baseUrl, 'the ID token\'s iss');
        assert.equal(payload.aud === apache.clientId || (Array.isArray(payload.aud) && payload.aud.includes(apache.clientId)),
          true, `the ID token's aud should be the client id, got ${JSON.stringify(payload.aud)}`);
        assert.ok(typeof payload.nonce === 'string' && payload.nonce !== '',
          'the ID token should carry the nonce mod_auth_openidc sent');
        assert.deepEqual(JSON.parse(await shown(tab, 'id-token-payload')).sub, sub);
        subs.push(sub);
      });
    }
    assert.equal(subs[1], subs[0], 'the sub should be the same at every sign-in');
  });
}

test('Apache with mod_auth_openidc signs a person in with tessera (ES256) and shows their sub',
  { timeout: 120000 }, async (t) => { await apacheSignsIn(t, 'ES256'); });

test('Apache with mod_auth_openidc signs a person in with tessera (RS256 client) and shows their sub',
  { timeout: 120000 }, async (t) => { await apacheSignsIn(t, 'RS256'); });
