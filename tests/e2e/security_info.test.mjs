// Security info: adding an authenticator app, deleting methods with confirmation, and what
// deleting the last method means for an Enforced user.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  bodyText, clickAndWait, currentStep, decodeQr, expectHeading, field, launchBrowser,
  startTessera, totp, withServer,
} from './tessera.mjs';
import { registerAuthenticator, signInWithPassword, staySignedIn } from './journey.mjs';

const PASSWORD = 'Correct-Horse-Battery-9';
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const methodList = (page) => page.getByRole('list', { name: 'Sign-in methods', exact: true });

test('a user adds a second authenticator app, deletes both, and must register again at next sign-in',
  { timeout: 180000 }, async (t) => {
    await withServer(browser, t.name, { password: PASSWORD, mfaState: 'enabled' }, async ({ server, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD, shot);
      await registerAuthenticator(page, server.upn, shot);
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      assert.equal(await methodList(page).getByRole('listitem').count(), 1);

      // Add a second app: the same QR → code wizard, with Cancel back to Security info.
      await clickAndWait(page, 'Add sign-in method');
      await expectHeading(page, 'Keep your account secure');
      await page.getByRole('radio', { name: 'Authenticator app', exact: true }).check();
      await shot(page, 'add-a-method');
      await clickAndWait(page, 'Add');
      await expectHeading(page, 'Set up your authenticator app');
      const qr = page.getByRole('img', { name: 'QR code for your authenticator app', exact: true });
      const qrFile = path.join(shot.dir, 'qr-second-app.png');
      await qr.screenshot({ path: qrFile });
      const secret = new URL(await decodeQr(qrFile)).searchParams.get('secret');
      assert.ok(secret, 'the second QR code should carry a secret');
      await clickAndWait(page, 'Next');
      await expectHeading(page, 'Enter code');
      await field(page, 'Code').fill('000000' === await totp(secret, currentStep()) ? '111111' : '000000');
      await clickAndWait(page, 'Verify');
      await expectHeading(page, 'Enter code');
      assert.match(await bodyText(page), /That code didn't work/);
      await field(page, 'Code').fill(await totp(secret, currentStep()));
      await clickAndWait(page, 'Verify');
      await expectHeading(page, 'Security info');
      assert.equal(await methodList(page).getByRole('listitem').count(), 2,
        'Security info should list both authenticator apps');
      await shot(page, 'two-methods');

      // Delete asks first; Cancel changes nothing.
      await methodList(page).getByRole('button', { name: /^Delete\b/ }).first().click();
      await expectHeading(page, 'Delete authenticator app?');
      await shot(page, 'delete-confirmation');
      await page.getByRole('link', { name: 'Cancel' }).click();
      await expectHeading(page, 'Security info');
      assert.equal(await methodList(page).getByRole('listitem').count(), 2);

      for (const remaining of [1, 0]) {
        await methodList(page).getByRole('button', { name: /^Delete\b/ }).first().click();
        await expectHeading(page, 'Delete authenticator app?');
        if (remaining === 0) {
          assert.match(await bodyText(page), /only sign-in method/,
            'deleting the last method should warn that it is the only one');
        }
        await clickAndWait(page, 'OK');
        await expectHeading(page, 'Security info');
        assert.equal(await methodList(page).getByRole('listitem').count(), remaining);
      }
      assert.match(await bodyText(page), /You have no sign-in methods registered/);
      await shot(page, 'no-methods');

      const shown = await server.cli(['mfa', 'show', server.upn]);
      assert.match(shown.stdout, /enforced/, `the user stays Enforced: ${shown.stdout}`);
      const audit = await server.cli(['log', 'audit']);
      assert.match(audit.stdout, /method\.delete/, `deletions are audited: ${audit.stdout}`);

      // Signed out, the next sign-in goes through registration again.
      await clickAndWait(page, 'Sign out');
      await expectHeading(page, 'Sign in');
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'More information required');
      await shot(page, 'registration-again');
    });
  });

test('Security info needs a session', async () => {
  const server = await startTessera({ password: PASSWORD, mfaState: 'disabled' });
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${server.baseUrl}/security-info`);
    await expectHeading(page, 'Sign in');
    const response = await page.request.post(`${server.baseUrl}/security-info/delete`, {
      form: { method: 'x', csrf: 'x' }, maxRedirects: 0,
    });
    assert.equal(response.status(), 303, 'a POST without a session is sent to Sign in');
    assert.equal(response.headers().location, '/signin');
  } finally {
    await context.close();
    await server.stop();
  }
});

test('after a sign-in that skipped MFA (trusted IP), changing security info asks for a code first',
  { timeout: 120000 }, async (t) => {
    await withServer(browser, t.name, { password: PASSWORD, mfaState: 'enabled' }, async ({ server, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD, shot);
      const { secret, step } = await registerAuthenticator(page, server.upn, shot);
      await staySignedIn(page, 'No');
      await clickAndWait(page, 'Sign out');
      const policy = await server.cli(['policy', 'set', 'trusted_ip_ranges', '127.0.0.0/8']);
      assert.equal(policy.code, 0, policy.stderr);

      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await staySignedIn(page, 'No');  // no code was asked: the IP is trusted
      await expectHeading(page, 'Security info');
      await methodList(page).getByRole('button', { name: /^Delete\b/ }).first().click();
      await clickAndWait(page, 'OK');
      await expectHeading(page, 'Security info');
      assert.match(await bodyText(page), /first verify it's you/);
      assert.equal(await methodList(page).getByRole('listitem').count(), 1, 'nothing was deleted');
      await shot(page, 'verify-first');

      await page.getByRole('link', { name: 'Verify with a code from your authenticator app' }).click();
      await expectHeading(page, 'Enter code');
      // A step after the one that registered the app, still within the accepted ±1 step.
      await field(page, 'Code').fill(await totp(secret, Math.max(step + 1, currentStep())));
      await clickAndWait(page, 'Verify');
      await expectHeading(page, 'Security info');
      await methodList(page).getByRole('button', { name: /^Delete\b/ }).first().click();
      await clickAndWait(page, 'OK');
      await expectHeading(page, 'Security info');
      assert.equal(await methodList(page).getByRole('listitem').count(), 0, 'deleted after the code');
      await shot(page, 'deleted-after-verifying');
    });
  });
