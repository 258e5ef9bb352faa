// Steps of the sign-in journey shared by the tests, written as a person goes through the pages.
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  bodyText, clickAndWait, currentStep, decodeQr, expectHeading, field, resultsDir, totp,
} from './tessera.mjs';

const noShot = async () => {};

/** On "Sign in" (wherever it was reached from): submits the username; ends on "Enter password". */
export async function submitUsername(page, upn, shot = noShot) {
  await expectHeading(page, 'Sign in');
  await shot(page, 'sign-in');
  await field(page, 'Email or username').fill(upn);
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Enter password');
}

/** From anywhere: open the start page and submit the username; ends on "Enter password". */
export async function enterUsername(page, baseUrl, upn, shot = noShot) {
  await page.goto(`${baseUrl}/`);
  await submitUsername(page, upn, shot);
}

/**
 * On "Enter password": checks that it shows the UPN, types the password and presses Sign in; ends
 * on whatever page comes after it.
 */
export async function submitPassword(page, upn, password, shot = noShot) {
  await expectHeading(page, 'Enter password');
  const text = await bodyText(page);
  assert.ok(text.includes(upn), `"Enter password" should show the UPN ${upn} above the field; page text: ${text}`);
  await shot(page, 'enter-password');
  await field(page, 'Password').fill(password);
  return clickAndWait(page, 'Sign in');
}

/** Signs in with username and password; ends on whatever page comes after "Enter password". */
export async function signInWithPassword(page, baseUrl, upn, password, shot = noShot) {
  await enterUsername(page, baseUrl, upn, shot);
  return submitPassword(page, upn, password, shot);
}

/** On "Update your password": fills the three fields and submits. */
export async function updatePassword(page, current, next, confirm = next) {
  await expectHeading(page, 'Update your password');
  await field(page, 'Current password').fill(current);
  await field(page, 'New password').fill(next);
  await field(page, 'Confirm password').fill(confirm);
  return clickAndWait(page, 'Update password and sign in');
}

/**
 * From "More information required" through "Enter code" of the registration: reads the QR code
 * from a screenshot of the image, checks the secret written under "Can't scan the image?", and
 * verifies with the current code. Ends on the page after Verify. Returns {secret, uri, step}.
 */
export async function registerAuthenticator(page, upn, shot = noShot) {
  await expectHeading(page, 'More information required');
  const info = await bodyText(page);
  assert.ok(info.includes('Your organization needs more information to keep your account secure'),
    `"More information required" should explain why; page text: ${info}`);
  await shot(page, 'more-information-required');
  await clickAndWait(page, 'Next');

  await expectHeading(page, 'Keep your account secure');
  await page.getByRole('radio', { name: 'Authenticator app', exact: true }).check();
  await shot(page, 'keep-your-account-secure');
  await clickAndWait(page, 'Next');

  await expectHeading(page, 'Set up your authenticator app');
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app', exact: true });
  await qr.waitFor();
  const qrFile = path.join(shot.dir ?? resultsDir, `qr-${Date.now()}.png`);
  await qr.screenshot({ path: qrFile });
  const uri = await decodeQr(qrFile);
  assert.match(uri, /^otpauth:\/\/totp\//, `the QR code should hold an otpauth://totp/ URI, got ${uri}`);
  const parsed = new URL(uri);
  const secret = parsed.searchParams.get('secret');
  assert.ok(secret && /^[A-Z2-7]+=*$/i.test(secret), `the otpauth URI should have a base32 secret: ${uri}`);
  assert.ok(decodeURIComponent(parsed.pathname).includes(upn), `the otpauth label should name ${upn}: ${uri}`);

  await page.getByText("Can't scan the image?", { exact: true }).click();
  const shown = page.getByTestId('totp-secret');
  await shown.waitFor({ state: 'visible' });
  const shownText = (await shown.innerText()).trim();
  assert.match(shownText, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})*$/,
    `the secret under "Can't scan the image?" should be groups of 4 separated by spaces, got ${JSON.stringify(shownText)}`);
  assert.equal(shownText.replace(/\s+/g, ''), secret.toUpperCase().replace(/=+$/, ''),
    'the secret under "Can\'t scan the image?" should equal the QR code\'s secret');
  const detailsText = await bodyText(page);
  assert.ok(detailsText.includes(upn), `"Can't scan the image?" should show the account name ${upn}`);
  await shot(page, 'set-up-authenticator-app');
  await clickAndWait(page, 'Next');

  await expectHeading(page, 'Enter code');
  const step = currentStep();
  await field(page, 'Code').fill(await totp(secret, step));
  await shot(page, 'enter-code-registration');
  await clickAndWait(page, 'Verify');
  return { secret, uri, step };
}

/** On "Enter code": fills Code and presses Verify. */
export async function submitCode(page, code) {
  await expectHeading(page, 'Enter code');
  await field(page, 'Code').fill(code);
  return clickAndWait(page, 'Verify');
}

/** On "Stay signed in?": optionally ticks "Don't show this again", then Yes or No. */
export async function staySignedIn(page, answer, { dontShowAgain = false } = {}) {
  await expectHeading(page, 'Stay signed in?');
  if (dontShowAgain) await page.getByRole('checkbox', { name: "Don't show this again", exact: true }).check();
  return clickAndWait(page, answer);
}

/** The session cookie of the context (tessera_session or __Host-tessera_session). */
export async function sessionCookie(context, baseUrl) {
  const cookies = await context.cookies(baseUrl);
  const found = cookies.find((c) => /^(__Host-)?tessera_session/.test(c.name));
  assert.ok(found, `a tessera_session cookie should be set; cookies: ${cookies.map((c) => c.name).join(', ')}`);
  return found;
}

/** The newest sign-in log row of `upn`. */
export async function newestSignIn(server, upn) {
  const rows = await server.signIns();
  return { rows, row: rows.find((r) => r.UPN === upn) };
}
