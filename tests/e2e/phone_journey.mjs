// What the tests of the phone, the email and Security info share: a tessera whose [phone] points
// at the tests' Twilio-shaped gateway (twilio_gateway.mjs) and, where asked, whose [email] points at
// a real SMTP server (smtp_sink.mjs); and the pages a person goes through with them — pages that
// look again by themselves while a text, call or email is on its way, the authenticator app
// registered by its QR code, the phone's pages, "Sign in another way".
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  bodyText, clickAndWait, currentStep, decodeQr, expectHeading, field, pageState, totp, withServer,
} from './tessera.mjs';
import { signInWithPassword } from './journey.mjs';
import { startSmtpSink } from './smtp_sink.mjs';
import { codeOf, startTwilioGateway } from './twilio_gateway.mjs';

export const PASSWORD = 'Correct-Horse-Battery-9';
export const TENANT = 'tessera';  // [tenant] name's default
export const FROM = 'tessera@example.org';
export const UK = 'United Kingdom (+44)';
// The phone most tests register: as typed on "Phone", as sent to the gateway, as Security info
// shows it, and as a sign-in shows it.
export const PHONE = { typed: '07400 123456', e164: '+447400123456', shown: '+44 7400 123456', masked: '+XX XXXXXXXX56' };
export const APP_WAY = 'Use a verification code from my authenticator app';
export const APP_CODE_TEXT = 'Enter the code displayed in the authenticator app on your mobile device.';
export const WRONG_CODE = "That code didn't work. Check the code and try again.";
export const CALL_DONE = 'Thank you. You can go back to your screen now. Goodbye.';
export const MINUTE = 60;
// A page waiting for its text, call or email looks again every 2 s; allow a few of those.
export const MOVES_ON_WITHIN_MS = 15000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- the server

/**
 * Runs body({server, clock, gateway, sink, context, page, shot}) with a Twilio-shaped gateway, an
 * SMTP sink when `smtp` is true, and a tessera of `browser` (withServer) whose [phone] (and
 * [email]) point at them. The user's password is PASSWORD and their MFA state Enabled unless
 * serverOptions say otherwise; `clock: true` runs the server on a test clock that starts now and
 * stands still until the test moves it (clock is then server.clock). `delivery` joins [delivery]
 * (retry_backoff_ms = 0), `gateway` is the gateway's options, `config` ({section: {key: value}})
 * more configuration.
 */
export async function withGatewayServer(browser, name, {
  smtp = false, delivery = {}, gateway: gatewayOptions = {}, config = {}, ...serverOptions
} = {}, body) {
  const sink = smtp ? await startSmtpSink() : undefined;
  try {
    const gateway = await startTwilioGateway(gatewayOptions);
    try {
      const { server: moreServer = {}, delivery: moreDelivery = {}, ...moreSections } = config;
      await withServer(browser, name, {
        password: PASSWORD,
        mfaState: 'enabled',
        ...serverOptions,
        config: ({ baseUrl }) => ({
          ...moreSections,
          server: { public_url: baseUrl, ...moreServer },
          phone: gateway.phoneConfig(),
          ...(sink ? { email: sink.emailConfig(FROM) } : {}),
          delivery: { retry_backoff_ms: 0, ...delivery, ...moreDelivery },
        }),
      }, (args) => body({ ...args, clock: args.server.clock, gateway, sink }));
    } finally {
      await gateway.close();
    }
  } finally {
    await sink?.close();
  }
}

/** Adds a user with the password PASSWORD (unless given) and the MFA state `mfaState`. */
export async function addUser(server, upn, displayName, mfaState = 'enabled', password = PASSWORD) {
  for (const args of [['user', 'add', upn, '--display-name', displayName, '--password', password],
    ['mfa', 'set', upn, mfaState]]) {
    const r = await server.cli(args);
    assert.equal(r.code, 0, `tessera ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  }
}

// ---------------------------------------------------------------- pages that look again

/** Whether the page looks again by itself (it has a meta refresh). */
export const refreshes = async (page) => (await page.locator('meta[http-equiv="refresh"]').count()) > 0;

/** Waits until the page no longer looks again by itself (its text, call or email has gone out). */
export async function untilSettled(page, timeoutMs = MOVES_ON_WITHIN_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await page.waitForLoadState('load');
      if (!await refreshes(page)) return;
    } catch {
      // the page was replaced by its refresh while we looked
    }
    if (Date.now() > deadline) assert.fail(`the page still refreshes itself after ${timeoutMs} ms: ${await pageState(page)}`);
    await sleep(200);
  }
}

/**
 * Waits for the page to look again by itself (its meta refresh, a GET), as a person would. Not
 * page.reload(): that would send again the POST the page answered, which tessera refuses as a replay.
 */
export async function afterItsRefresh(page, what) {
  // Asked between two of its refreshes, the page may be half replaced: look at a loaded one.
  let looksAgain = false;
  for (let i = 0; i < 10 && !looksAgain; i++) {
    try {
      await page.waitForLoadState('load');
      looksAgain = await refreshes(page);
    } catch {
      // replaced by its refresh while we looked
    }
    if (!looksAgain) await sleep(100);
  }
  assert.ok(looksAgain, `${what} should look again by itself: ${await pageState(page)}`);
  await page.waitForNavigation({ waitUntil: 'load', timeout: 10000 });
}

// ---------------------------------------------------------------- reading and moving on

export async function expectText(page, expected, what) {
  const text = await bodyText(page);
  assert.ok(text.includes(expected), `${what} should say ${JSON.stringify(expected)}; page text: ${text}`);
}

/** Follows a link and waits for the page it leads to. */
export async function followLink(page, name) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('link', { name, exact: true }).click(),
  ]);
}

export async function signOut(page) {
  await clickAndWait(page, 'Sign out');
  await expectHeading(page, 'Sign in');
}

// ---------------------------------------------------------------- the authenticator app

/** Screenshots the QR code on "Set up your authenticator app", reads it, returns its secret. */
export async function scanQr(page, shot, name = 'qr-app') {
  await expectHeading(page, 'Set up your authenticator app');
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app', exact: true });
  const qrFile = path.join(shot.dir, `${name}.png`);
  await qr.screenshot({ path: qrFile });
  const uri = await decodeQr(qrFile);
  assert.match(uri, /^otpauth:\/\/totp\//, `the QR code should hold an otpauth://totp/ URI, got ${uri}`);
  const secret = new URL(uri).searchParams.get('secret');
  assert.ok(secret, `the QR code should carry the app's secret: ${uri}`);
  return secret;
}

/**
 * On "Set up your authenticator app": scans, Next, types the code of the time step of `clock` (a
 * testClock; without one, the wall clock's), Verify. Ends on the page after Verify; returns the
 * app's secret.
 */
export async function setUpApp(page, clock, shot, name) {
  const secret = await scanQr(page, shot, name);
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Enter code');
  await field(page, 'Code').fill(await totp(secret, clock ? clock.step() : currentStep()));
  await clickAndWait(page, 'Verify');
  return secret;
}

/**
 * From "More information required" through the app's "Enter code": chooses the authenticator
 * app, scans its QR code and verifies (setUpApp). Ends on the page after Verify; returns the secret.
 */
export async function registerApp(page, clock, shot, name = 'qr-app') {
  await expectHeading(page, 'More information required');
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Keep your account secure');
  await page.getByRole('radio', { name: 'Authenticator app', exact: true }).check();
  await clickAndWait(page, 'Next');
  return setUpApp(page, clock, shot, name);
}

/** Signs in with the password to the app's "Enter code" (the default), nothing sent. */
export async function signInToAppCode(page, server, gateway) {
  const before = gateway ? gateway.texts.length + gateway.calls.length : 0;
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  await expectHeading(page, 'Enter code');
  await expectText(page, APP_CODE_TEXT, 'the app\'s "Enter code"');
  if (gateway) {
    assert.equal(gateway.texts.length + gateway.calls.length, before, 'asking for the app\'s code sends nothing');
  }
}

// ---------------------------------------------------------------- the phone

/** From "More information required" to the "Phone" page. */
export async function choosePhone(page, shot) {
  await expectHeading(page, 'More information required');
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Keep your account secure');
  await page.getByRole('radio', { name: 'Phone', exact: true }).check();
  if (shot) await shot(page, 'keep-your-account-secure-phone');
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Phone');
}

/** On "Phone" (or "Alternate phone"): picks the region, types the number, chooses the way, Next. */
export async function enterPhone(page, {
  number = PHONE.typed, way = 'Text me a code', heading = 'Phone', shot,
} = {}) {
  await expectHeading(page, heading);
  await page.getByLabel('Country or region', { exact: true }).selectOption({ label: UK });
  await field(page, 'Phone number').fill(number);
  await page.getByRole('radio', { name: way, exact: true }).check();
  if (shot) await shot(page, `${heading}-${way}`.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  await clickAndWait(page, 'Next');
}

/** A texted verification code to `to` after the first `since` texts. */
export async function nextCode(gateway, since, to = PHONE.e164) {
  return codeOf(await gateway.waitForText(to, { since }));
}

// ---------------------------------------------------------------- "Sign in another way"

/** The ways "Verify your identity" offers, as written on its buttons. */
export async function waysOffered(page) {
  await expectHeading(page, 'Verify your identity');
  const list = page.getByRole('list', { name: 'Sign-in methods', exact: true });
  return (await list.getByRole('button').allInnerTexts()).map((t) => t.trim());
}

/** On a challenge's page: "Sign in another way"; returns the ways offered, as written. */
export async function otherWays(page) {
  await followLink(page, 'Sign in another way');
  return waysOffered(page);
}

/** On a challenge's page: "Sign in another way", then the way named `way`. */
export async function signInAnotherWay(page, way, shot) {
  await followLink(page, 'Sign in another way');
  await expectHeading(page, 'Verify your identity');
  if (shot) await shot(page, 'verify-your-identity');
  await clickAndWait(page, way);
}
