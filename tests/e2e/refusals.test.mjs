// What the pages refuse: wrong codes, unknown users, skipped or replayed steps, missing CSRF tokens.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  clickAndWait, currentHeading, describeRows, expectAlert, expectHeading, field, launchBrowser,
  pageState, postFormFromPage, wrongCode,
  withServer as withServerOf,
} from './tessera.mjs';
import {
  enterUsername, registerAuthenticator, signInWithPassword, staySignedIn, submitCode,
} from './journey.mjs';

const GOOD_PASSWORD = 'Correct-Horse-Battery-9';
const INTERRUPTED = 'Your sign-in session expired or was interrupted. Sign in again.';
const LATER_PAGES = ['Enter password', 'Update your password', 'More information required', 'Keep your account secure',
  'Set up your authenticator app', 'Enter code', 'Stay signed in?', 'Security info'];

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const withServer = (...args) => withServerOf(browser, ...args);

const csrfOf = (page) => page.locator('input[name="csrf"]').first().inputValue();

test('too many wrong codes end the challenge, then lock the user', { timeout: 120000 }, async (t) => {
  await withServer(t.name, { password: GOOD_PASSWORD, mfaState: 'enabled' }, async ({ server, page, shot }) => {
    await signInWithPassword(page, server.baseUrl, server.upn, GOOD_PASSWORD);
    const { secret } = await registerAuthenticator(page, server.upn);
    await staySignedIn(page, 'No');
    await expectHeading(page, 'Security info');
    await clickAndWait(page, 'Sign out');

    let wrong = 0;
    // First challenge: five wrong codes, and the fifth sends the user back to "Sign in".
    await signInWithPassword(page, server.baseUrl, server.upn, GOOD_PASSWORD);
    await expectHeading(page, 'Enter code');
    for (let i = 1; i <= 5; i++) {
      await submitCode(page, await wrongCode(secret, wrong));
      wrong += 1;
      if (i < 5) {
        await expectHeading(page, 'Enter code');
        await expectAlert(page, "That code didn't work. Check the code and try again.");
      }
    }
    await expectHeading(page, 'Sign in');
    await expectAlert(page, 'Too many attempts. Sign in again.');
    await shot(page, 'too-many-attempts');

    // Second challenge: wrong codes until the per-user limit (10 in total) locks the account.
    await signInWithPassword(page, server.baseUrl, server.upn, GOOD_PASSWORD);
    await expectHeading(page, 'Enter code');
    const locked = /Too many wrong codes\. Your account is locked for \d+ minutes?\./;
    let lockedAt = 0;
    for (let i = 1; i <= 5 && !lockedAt; i++) {
      await submitCode(page, await wrongCode(secret, wrong));
      wrong += 1;
      const alerts = (await page.getByRole('alert').allInnerTexts()).join(' ');
      if (locked.test(alerts)) lockedAt = wrong;
      else if (i < 5) await expectHeading(page, 'Enter code');
    }
    assert.equal(lockedAt, 10,
      `the lockout message should appear at the 10th wrong code in total; ${lockedAt ? `it came at ${lockedAt}` :
        `it never came (page: ${await pageState(page)})`}`);
    await expectAlert(page, locked);
    const n = Number((await page.getByRole('alert').allInnerTexts()).join(' ').match(/locked for (\d+) minute/)[1]);
    assert.ok(n >= 1, `the lockout should last at least 1 minute, says ${n}`);
    await shot(page, 'locked');

    const rows = await server.signIns();
    assert.ok(rows.some((r) => r.UPN === server.upn && r.RESULT === 'failure'),
      `the sign-in log should record the failed code challenges:\n${describeRows(rows)}`);
  });
});

test('an unknown user gets the same answer as a wrong password', { timeout: 60000 }, async (t) => {
  await withServer(t.name, { password: GOOD_PASSWORD }, async ({ server, page, shot }) => {
    await signInWithPassword(page, server.baseUrl, 'nobody@example.com', 'Some-Password-1', shot);
    await expectHeading(page, 'Enter password');
    await expectAlert(page, 'Your account or password is incorrect.');
    await shot(page, 'unknown-user');

    await signInWithPassword(page, server.baseUrl, server.upn, 'Not-The-Password-1');
    await expectHeading(page, 'Enter password');
    await expectAlert(page, 'Your account or password is incorrect.');
    await shot(page, 'wrong-password');

    const rows = await server.signIns();
    const unknown = rows.find((r) => r.UPN === 'nobody@example.com');
    assert.ok(unknown && unknown.RESULT === 'failure' && unknown['DECIDED BY'] === 'unknown_user',
      `the log should have a failure row for nobody@example.com decided by unknown_user:\n${describeRows(rows)}`);
    const wrongPw = rows.find((r) => r.UPN === server.upn);
    assert.ok(wrongPw && wrongPw.RESULT === 'failure' && wrongPw['DECIDED BY'] === 'wrong_password',
      `the log should have a failure row for ${server.upn} decided by wrong_password:\n${describeRows(rows)}`);
  });
});

test('steps cannot be skipped or replayed', { timeout: 90000 }, async (t) => {
  await withServer(t.name, {}, async ({ server, context, page, shot }) => {
    const base = server.baseUrl;
    const expectNotAdvanced = async (what) => {
      const h = await currentHeading(page);
      assert.ok(!LATER_PAGES.includes(h), `${what} should not get past "Sign in", but shows "${h}" (${await pageState(page)})`);
    };

    // No flow at all: POSTs to later steps, and a GET of the code page.
    await page.goto(`${base}/healthz`);
    let res = await postFormFromPage(page, '/signin/password', { csrf: 'x', password: server.password });
    await expectNotAdvanced('POST /signin/password without a flow');
    if (res.status() < 400) await expectHeading(page, 'Sign in');
    await shot(page, 'no-flow-password');

    await page.goto(`${base}/healthz`);
    res = await postFormFromPage(page, '/signin/code', { csrf: 'x', code: '123456' });
    await expectNotAdvanced('POST /signin/code without a flow');
    if (res.status() < 400) await expectHeading(page, 'Sign in');

    res = await page.goto(`${base}/signin/code`);
    await expectNotAdvanced('GET /signin/code without a flow');
    await shot(page, 'no-flow-get-code');

    // A flow at "Enter password": jumping to the code step restarts at "Sign in".
    await enterUsername(page, base, server.upn);
    let csrf = await csrfOf(page);
    await postFormFromPage(page, '/signin/code', { csrf, code: '123456' });
    await expectHeading(page, 'Sign in');
    await expectAlert(page, INTERRUPTED);
    await shot(page, 'skipped-to-code');

    // Replaying the password POST (every field as sent) after the flow moved on restarts at "Sign in".
    await enterUsername(page, base, server.upn);
    await field(page, 'Password').fill(server.password);
    const sent = await page.locator('form:has(input[name="csrf"])').first()
      .evaluate((form) => Object.fromEntries(new FormData(form)));
    await clickAndWait(page, 'Sign in');
    await expectHeading(page, 'Update your password');
    await postFormFromPage(page, '/signin/password', sent);
    await expectHeading(page, 'Sign in');
    await expectAlert(page, INTERRUPTED);
    await shot(page, 'replayed-password');

    // A form without its csrf field is not accepted.
    await enterUsername(page, base, server.upn);
    await page.locator('input[name="csrf"]').evaluateAll((inputs) => inputs.forEach((i) => i.remove()));
    await field(page, 'Password').fill(server.password);
    res = await clickAndWait(page, 'Sign in');
    const h = await currentHeading(page);
    assert.ok(res.status() === 403 || h === 'Sign in',
      `a POST without csrf should get 403 or go back to "Sign in", got status ${res.status()} (${await pageState(page)})`);
    assert.ok(!LATER_PAGES.includes(h) || h === 'Enter password',
      `a POST without csrf should not advance the flow (${await pageState(page)})`);
    assert.notEqual(h, 'Update your password', 'a POST without csrf must not accept the password');
    await shot(page, 'missing-csrf');

    assert.equal((await context.cookies(base)).filter((c) => /tessera_session/.test(c.name)).length, 0,
      'none of these attempts should have produced a session cookie');
  });
});

test("another browser's flow id gets you back to Sign in, never into that flow", { timeout: 60000 }, async (t) => {
  await withServer(t.name, { password: GOOD_PASSWORD, mfaState: 'disabled' }, async ({ server, page, shot }) => {
    // alice's browser is at "Enter password".
    await enterUsername(page, server.baseUrl, server.upn);
    await expectHeading(page, 'Enter password');
    const aliceFlow = (await page.context().cookies(server.baseUrl))
      .find((c) => /tessera_flow$/.test(c.name));
    assert.ok(aliceFlow, 'alice has a flow cookie');

    // Someone else, in another browser, at the same step of their own flow, swaps in alice's id.
    const other = await browser.newContext();
    try {
      const otherPage = await other.newPage();
      await enterUsername(otherPage, server.baseUrl, 'mallory@example.com');
      await expectHeading(otherPage, 'Enter password');
      await other.addCookies([{ ...aliceFlow, domain: '127.0.0.1', path: '/' }]);
      await field(otherPage, 'Password').fill(GOOD_PASSWORD);
      await clickAndWait(otherPage, 'Sign in');
      await expectHeading(otherPage, 'Sign in');
      await expectAlert(otherPage, INTERRUPTED);
      await shot(otherPage, 'foreign-flow-id');
      const cookies = await other.cookies(server.baseUrl);
      assert.ok(!cookies.some((c) => /tessera_session$/.test(c.name)), 'no session for the other browser');
    } finally {
      await other.close();
    }
  });
});
