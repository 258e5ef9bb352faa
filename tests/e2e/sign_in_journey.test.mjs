// The sign-in journey through the pages of docs/pages.md, as users go through it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  bodyText, clickAndWait, currentHeading, currentStep, expectAlert, expectHeading, field,
  launchBrowser, totp, waitForStepAfter, wrongCode, describeRows,
  withServer as withServerOf,
} from './tessera.mjs';
import {
  enterUsername, newestSignIn, registerAuthenticator, sessionCookie, signInWithPassword,
  staySignedIn, submitCode, updatePassword,
} from './journey.mjs';

const GOOD_PASSWORD = 'Correct-Horse-Battery-9';
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const withServer = (...args) => withServerOf(browser, ...args);

async function expectSecurityInfo(page) {
  await expectHeading(page, 'Security info');
  const text = await bodyText(page);
  assert.ok(text.includes('Default sign-in method: Authenticator app – code'),
    `Security info should say "Default sign-in method: Authenticator app – code" (en dash); page text: ${text}`);
  const methods = page.getByRole('list', { name: 'Sign-in methods', exact: true });
  assert.equal(await methods.getByRole('listitem').count(), 1, 'the "Sign-in methods" list should have one item');
  assert.equal(await methods.getByRole('button', { name: /^Delete\b/ }).count(), 1,
    'the one sign-in method should have a Delete button');
}

test('a new user signs in, changes the temporary password, registers an authenticator app, and signs in with codes',
  { timeout: 180000 }, async (t) => {
    await withServer(t.name, { mfaState: 'enabled' }, async ({ server, context, page, shot }) => {
      const upn = server.upn;
      const temp = server.temporaryPassword;
      assert.match(temp, /^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/, 'temporary password format XXXX-XXXX-XXXX-XXXX');

      await signInWithPassword(page, server.baseUrl, upn, temp, shot);
      await expectHeading(page, 'Update your password');
      await shot(page, 'update-your-password');

      await updatePassword(page, temp, 'password');
      await expectHeading(page, 'Update your password');
      await expectAlert(page, /most commonly used|at least 8 characters/);
      await shot(page, 'update-your-password-weak');

      await updatePassword(page, temp, GOOD_PASSWORD, `${GOOD_PASSWORD}x`);
      await expectHeading(page, 'Update your password');
      await expectAlert(page, "The passwords don't match.");
      await shot(page, 'update-your-password-mismatch');

      await updatePassword(page, temp, GOOD_PASSWORD);
      const registration = await registerAuthenticator(page, upn, shot);

      await expectHeading(page, 'Stay signed in?');
      await shot(page, 'stay-signed-in');
      await staySignedIn(page, 'Yes', { dontShowAgain: true });
      await expectSecurityInfo(page);
      await shot(page, 'security-info');

      const cookie = await sessionCookie(context, server.baseUrl);
      assert.equal(cookie.httpOnly, true, 'the session cookie should be HttpOnly');
      assert.equal(cookie.sameSite, 'Lax', 'the session cookie should be SameSite=Lax');
      assert.ok(cookie.expires > Date.now() / 1000,
        `after "Yes" the session cookie should be persistent (have an expiry), got expires=${cookie.expires}`);

      const show = await server.cli(['mfa', 'show', upn]);
      assert.equal(show.code, 0, `mfa show failed: ${show.stderr}`);
      assert.match(show.stdout, /enforced/i, `after registration the MFA state should be enforced:\n${show.stdout}`);

      await clickAndWait(page, 'Sign out');
      await expectHeading(page, 'Sign in');
      await shot(page, 'signed-out');

      // Second sign-in: a code of a step after the one used at registration.
      await waitForStepAfter(registration.step);
      const step = currentStep();
      const code = await totp(registration.secret, step);
      await signInWithPassword(page, server.baseUrl, upn, GOOD_PASSWORD);
      await expectHeading(page, 'Enter code');
      assert.equal(await page.getByRole('link', { name: 'Sign in another way', exact: true }).count(), 1,
        '"Enter code" should have the link "Sign in another way"');
      await shot(page, 'enter-code');
      await submitCode(page, code);
      // "Don't show this again" was ticked: no "Stay signed in?" this time.
      await expectSecurityInfo(page);
      await clickAndWait(page, 'Sign out');
      await expectHeading(page, 'Sign in');

      // Third sign-in: the same code (same step, or the previous one if the step has changed).
      await signInWithPassword(page, server.baseUrl, upn, GOOD_PASSWORD);
      assert.ok(currentStep() <= step + 1, 'the test was too slow to replay a code within the time skew');
      await submitCode(page, code);
      await expectHeading(page, 'Enter code');
      await expectAlert(page, 'That code has already been used. Wait for the next code in your app.');
      await shot(page, 'enter-code-already-used');

      await submitCode(page, await wrongCode(registration.secret));
      await expectHeading(page, 'Enter code');
      await expectAlert(page, "That code didn't work. Check the code and try again.");
      await shot(page, 'enter-code-wrong');

      const rows = await server.signIns();
      assert.ok(rows.some((r) => r.UPN === upn && r.RESULT === 'success' && r.METHOD === 'authenticator_app'),
        `the sign-in log should have a success row for ${upn} with METHOD authenticator_app:\n${describeRows(rows)}`);
      assert.ok(rows.some((r) => r.UPN === upn && r.RESULT === 'failure'),
        `the sign-in log should have failure rows for the refused codes:\n${describeRows(rows)}`);
    });
  });

test('"No" on Stay signed in? gives a cookie for the browser session only', { timeout: 120000 }, async (t) => {
  await withServer(t.name, { upn: 'bob@example.com', displayName: 'Bob', password: GOOD_PASSWORD, mfaState: 'enabled' },
    async ({ server, context, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, GOOD_PASSWORD, shot);
      await registerAuthenticator(page, server.upn, shot);
      await shot(page, 'stay-signed-in');
      await staySignedIn(page, 'No');
      await expectSecurityInfo(page);
      await shot(page, 'security-info');
      const cookie = await sessionCookie(context, server.baseUrl);
      assert.equal(cookie.expires, -1,
        `after "No" the session cookie should have no expiry (browser session), got expires=${cookie.expires}`);
      assert.equal(cookie.httpOnly, true, 'the session cookie should be HttpOnly');
      assert.equal(cookie.sameSite, 'Lax', 'the session cookie should be SameSite=Lax');
    });
});

test('a user whose MFA is disabled is asked no code', { timeout: 60000 }, async (t) => {
  await withServer(t.name, { upn: 'carol@example.com', displayName: 'Carol', password: GOOD_PASSWORD, mfaState: 'disabled' },
    async ({ server, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, GOOD_PASSWORD, shot);
      await expectHeading(page, 'Stay signed in?');
      await shot(page, 'stay-signed-in');
      await staySignedIn(page, 'Yes');
      await expectHeading(page, 'Security info');
      await shot(page, 'security-info');
      const { rows, row } = await newestSignIn(server, server.upn);
      assert.ok(row, `the sign-in log should have a row for ${server.upn}:\n${describeRows(rows)}`);
      assert.equal(row.RESULT, 'success', `newest row should be a success:\n${describeRows(rows)}`);
      assert.equal(row['DECIDED BY'], 'mfa_not_required', `newest row DECIDED BY:\n${describeRows(rows)}`);
    });
});

test('a trusted IP skips the code for a registered user, but never the registration', { timeout: 120000 }, async (t) => {
  await withServer(t.name, { upn: 'dave@example.com', displayName: 'Dave', password: GOOD_PASSWORD, mfaState: 'enabled' },
    async ({ server, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, GOOD_PASSWORD, shot);
      await registerAuthenticator(page, server.upn, shot);
      await staySignedIn(page, 'Yes');
      await expectHeading(page, 'Security info');
      await clickAndWait(page, 'Sign out');
      await expectHeading(page, 'Sign in');

      const set = await server.cli(['policy', 'set', 'trusted_ip_ranges', '127.0.0.0/8']);
      assert.equal(set.code, 0, `policy set trusted_ip_ranges failed: ${set.stdout}${set.stderr}`);

      await signInWithPassword(page, server.baseUrl, server.upn, GOOD_PASSWORD);
      const heading = await currentHeading(page);
      await shot(page, 'after-password-trusted-ip');
      assert.ok(['Stay signed in?', 'Security info'].includes(heading),
        `from a trusted IP the password should lead to "Stay signed in?" or "Security info", not "${heading}"`);
      const { rows, row } = await newestSignIn(server, server.upn);
      assert.ok(row, `the sign-in log should have a row for ${server.upn}:\n${describeRows(rows)}`);
      assert.equal(row.RESULT, 'success', `newest row should be a success:\n${describeRows(rows)}`);
      assert.equal(row['DECIDED BY'], 'trusted_ip', `newest row DECIDED BY:\n${describeRows(rows)}`);
    });
});

test('a new user on a trusted IP still has to register', { timeout: 60000 }, async (t) => {
  await withServer(t.name, { upn: 'erin@example.com', displayName: 'Erin', password: GOOD_PASSWORD, mfaState: 'enabled',
    policies: { trusted_ip_ranges: '127.0.0.0/8' } },
  async ({ server, page, shot }) => {
    await signInWithPassword(page, server.baseUrl, server.upn, GOOD_PASSWORD, shot);
    await expectHeading(page, 'More information required');
    await shot(page, 'more-information-required');
  });
});

test('the sign-in pages fit a 360 px wide screen', { timeout: 60000 }, async (t) => {
  await withServer(t.name, {}, async ({ server, page, shot }) => {
    const fits = async (what) => {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${what} is ${width} px wide at a 360 px viewport (horizontal scrolling)`);
    };
    await page.goto(`${server.baseUrl}/`);
    await expectHeading(page, 'Sign in');
    await fits('"Sign in"');
    await shot(page, 'sign-in-360');
    await field(page, 'Email or username').fill(server.upn);
    await clickAndWait(page, 'Next');
    await expectHeading(page, 'Enter password');
    await field(page, 'Password').fill('wrong-password-for-sure');
    await clickAndWait(page, 'Sign in');
    await expectHeading(page, 'Enter password');
    await expectAlert(page, 'Your account or password is incorrect.');
    await fits('"Enter password" with an error');
    await shot(page, 'enter-password-error-360');
  }, { viewport: { width: 360, height: 740 } });
});

test('the sign-in pages work without JavaScript', { timeout: 60000 }, async (t) => {
  await withServer(t.name, {}, async ({ server, page, shot }) => {
    await enterUsername(page, server.baseUrl, server.upn, shot);
    await shot(page, 'enter-password');
    await field(page, 'Password').fill(server.temporaryPassword);
    await clickAndWait(page, 'Sign in');
    await expectHeading(page, 'Update your password');
    await shot(page, 'update-your-password');
  }, { javaScriptEnabled: false });
});
