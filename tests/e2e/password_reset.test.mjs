// Self-service password reset (SSPR) in the browser. With the policy's sspr_enabled on, a user
// with fewer password reset methods (the email outside the organization, the phone by text) than
// sspr_methods_required gets "Keep your account secure" after the password (and after MFA), and
// registers them there, with "Skip for now" only during the first registration_grace_days days
// after the page first asked. "Forgot my password" ("Get back into your account") proves each
// required method with a code sent to a destination typed in full, then sets a new password:
// every session and remembered device of the user ends, a password lockout is lifted, and the user
// is told by email and by text. A name that is no user, a blocked user and a destination that is
// not the user's get the same pages, and nothing is sent for them.
//
// Emails go over SMTP to a real SMTP server (smtp_sink.mjs), texts to the tests' Twilio-shaped
// gateway (twilio_gateway.mjs). Time is the test's (startTessera's `clock`): grace days pass and
// authenticator steps move only when a test moves the clock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  bodyText, clickAndWait, currentHeading, expectAlert, expectHeading, field, launchBrowser, pageState,
  postFormFromPage, screenshotter, startTessera, totp,
} from './tessera.mjs';
import { enterUsername, signInWithPassword, submitCode } from './journey.mjs';
import {
  FROM, PASSWORD, PHONE, WRONG_CODE, addUser, enterPhone, expectText, followLink, refreshes,
  registerApp, signOut, untilSettled,
} from './phone_journey.mjs';
import { emailCodeOf, startSmtpSink } from './smtp_sink.mjs';
import { codeOf, startTwilioGateway } from './twilio_gateway.mjs';

const NEW_PASSWORD = 'Lantern-Meadow-Quartz-47';
const ADDRESS = 'alice@example.net';
const MASKED_ADDRESS = 'al*****@example.net';
const E164 = PHONE.e164;
const IN_FULL = PHONE.shown;  // as "Forgot my password" wants it typed, and as it is shown
const MASKED_PHONE = PHONE.masked;
const STRANGER_IP = '198.51.100.7';  // a network the user never signed in from
const DAY = 24 * 60 * 60;
const TOTP_STEP = 30;

const KEEP_SECURE = 'Keep your account secure';
const GET_BACK = 'Get back into your account';
const TEXT_WAY = 'Text a code to my authentication phone';
const EMAIL_WAY = 'Email a code to my authentication email';
const DESTINATION = 'Email address or phone number';
const WRONG_PASSWORD = 'Your account or password is incorrect.';
const RESET_NOTICE = "Your password was reset. If this wasn't you, contact your IT department now.";
const NOT_SET_UP = 'Self-service password reset is not set up for your organization. ' +
  'Contact your administrator to reset your password.';
const ONE_MORE = 'Set up one more method before you finish.';
const TWO_MORE = 'Set up two methods before you finish.';

const requires = (n) => `Your organization requires you to set up ${n === 2 ? 'two ways' : 'a way'} ` +
  'of proving who you are to reset your password if you forget it.';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const oneLine = (text) => text.replace(/\s+/g, ' ').trim();

/**
 * Runs body({server, clock, sink, gateway, page, context, open, shot}) with an SMTP sink, a
 * Twilio-shaped gateway and a tessera on a test clock whose [email] and [phone] point at them.
 * The user (PASSWORD) is Disabled unless serverOptions say otherwise. open(contextOptions) makes
 * another browser context (another device) and returns {context, page}. On failure every open
 * page is screenshotted, and the newest sign-in log rows and the end of the server's output are
 * added to the error.
 */
async function withResetServer(name, serverOptions, body) {
  const shot = await screenshotter(name);
  const sink = await startSmtpSink();
  let gateway;
  let server;
  const contexts = [];
  try {
    gateway = await startTwilioGateway();
    server = await startTessera({
      password: PASSWORD,
      mfaState: 'disabled',
      clock: true,
      ...serverOptions,
      config: ({ baseUrl }) => ({
        server: { public_url: baseUrl },
        phone: gateway.phoneConfig(),
        email: sink.emailConfig(FROM),
        delivery: { retry_backoff_ms: 0 },
      }),
    });
    const open = async (contextOptions = {}) => {
      const context = await browser.newContext(contextOptions);
      contexts.push(context);
      return { context, page: await context.newPage() };
    };
    const { context, page } = await open();
    await body({ server, clock: server.clock, sink, gateway, context, page, open, shot });
  } catch (e) {
    let n = 0;
    for (const context of contexts) {
      for (const page of context.pages()) {
        n += 1;
        await shot(page, `failure-page-${n}`).catch(() => {});
      }
    }
    if (server && e && typeof e === 'object') {
      const signIns = await server.cli(['log', 'sign-ins', '--limit', '12']).catch(() => ({ stdout: '' }));
      const more = `\n--- the newest sign-in log rows ---\n${signIns.stdout}` +
        `--- end of the tessera server's output ---\n${server.serverOutput().slice(-3000)}`;
      try {
        e.message += more;
        // An AssertionError's stack (what the reporter prints) was written with the old message.
        if (typeof e.stack === 'string' && !e.stack.includes(more)) e.stack += more;
      } catch { /* an error that cannot be changed stays as it is */ }
    }
    throw e;
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
    await server?.stop();
    await gateway?.close();
    await sink.close();
  }
}

async function must(server, args) {
  const r = await server.cli(args);
  assert.equal(r.code, 0, `tessera ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function mfaStateOf(server, upn) {
  const shown = await must(server, ['mfa', 'show', upn]);
  const m = /\b(disabled|enabled|enforced)\b/i.exec(shown);
  assert.ok(m, `"tessera mfa show ${upn}" should name the MFA state:\n${shown}`);
  return m[1].toLowerCase();
}

/** The audit log as JSON (`tessera log audit --format json`), as an array of entries. */
async function auditEntries(server) {
  const out = await must(server, ['log', 'audit', '--format', 'json']);
  const text = out.trim();
  if (text.startsWith('[')) return JSON.parse(text);
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text);
      return Array.isArray(parsed.entries) ? parsed.entries : [parsed];
    } catch {
      // one object a line
    }
  }
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

const button = (page, name) => page.getByRole('button', { name, exact: true });

/** On "Stay signed in?": optionally ticks "Don't ask again for N days", then presses `answer`. */
async function answerStaySignedIn(page, answer, { rememberDays } = {}) {
  await expectHeading(page, 'Stay signed in?');
  if (rememberDays) {
    await page.getByRole('checkbox', { name: `Don't ask again for ${rememberDays} days`, exact: true }).check();
  }
  await clickAndWait(page, answer);
}

/** The sign-in methods Security info lists, one line of text each. */
async function securityInfoMethods(page) {
  await expectHeading(page, 'Security info');
  const items = page.getByRole('list', { name: 'Sign-in methods', exact: true }).getByRole('listitem');
  return (await items.allInnerTexts()).map(oneLine);
}

// ---------------------------------------------------------------- "Keep your account secure"

const resetMethodList = (page) => page.getByRole('list', { name: 'Password reset methods', exact: true });

/**
 * Checks the "Keep your account secure" page: its heading and sentence (for `required` methods),
 * one item per reset method kind (Phone and Email), each registered one (a key of `registered`,
 * with the label it must show) with its label and "Set up" and no button, each other one with
 * the button "Set it up now" named "Set up <kind>"; "Finish", and "Skip for now" iff `skippable`.
 */
async function expectKeepSecure(page, { required, skippable, registered = {} }) {
  await expectHeading(page, KEEP_SECURE);
  await expectText(page, requires(required), `"${KEEP_SECURE}"`);
  const list = resetMethodList(page);
  assert.equal(await list.count(), 1, `"${KEEP_SECURE}" should have the list "Password reset methods": ${await pageState(page)}`);
  const items = await list.getByRole('listitem').all();
  const kinds = [];
  for (const item of items) {
    const text = oneLine(await item.innerText());
    const kind = text.split(' ')[0];
    kinds.push(kind);
    const setUp = item.getByRole('button', { name: `Set up ${kind}`, exact: true });
    if (registered[kind] !== undefined) {
      assert.ok(text.includes(registered[kind]), `the registered ${kind} should show ${JSON.stringify(registered[kind])}: ${JSON.stringify(text)}`);
      assert.ok(text.endsWith('Set up'), `the registered ${kind} should say "Set up": ${JSON.stringify(text)}`);
      assert.equal(await item.getByRole('button').count(), 0, `the registered ${kind} should have no button: ${JSON.stringify(text)}`);
    } else {
      assert.equal(await setUp.count(), 1, `the unregistered ${kind} should have a button "Set up ${kind}": ${JSON.stringify(text)}`);
      assert.equal(oneLine(await setUp.innerText()), 'Set it up now', `the button "Set up ${kind}" should read "Set it up now"`);
    }
  }
  assert.deepEqual([...kinds].sort(), ['Email', 'Phone'],
    `"Password reset methods" should list Phone and Email (the authenticator app cannot reset a password): ${JSON.stringify(kinds)}`);
  assert.equal(await button(page, 'Finish').count(), 1, `"${KEEP_SECURE}" should have "Finish"`);
  assert.equal(await button(page, 'Skip for now').count(), skippable ? 1 : 0,
    `"${KEEP_SECURE}" should ${skippable ? '' : 'not '}offer "Skip for now": ${await pageState(page)}`);
}

/** On "Keep your account secure": "Set up Email" through its pages, back to the list. Returns the code email. */
async function setUpEmail(page, sink, address, shot) {
  await clickAndWait(page, 'Set up Email');
  await expectHeading(page, 'Email');
  const since = (await sink.messages()).length;
  await field(page, 'Email address').fill(address);
  await shot(page, 'reset-info-email-address');
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Enter code');
  await expectText(page, `We just sent a code to ${address}. Enter the code below.`, 'the email\'s "Enter code"');
  const message = await sink.waitForMessage({ to: address, since });
  await untilSettled(page);
  await shot(page, 'reset-info-email-code');
  await submitCode(page, emailCodeOf(message));
  await expectHeading(page, KEEP_SECURE);
  return message;
}

/** On "Keep your account secure": "Set up Phone" by text through its pages, back to the list. */
async function setUpPhone(page, gateway, shot) {
  await clickAndWait(page, 'Set up Phone');
  const since = gateway.texts.length;
  await enterPhone(page, { way: 'Text me a code', shot });
  await expectHeading(page, 'Enter code');
  const text = await gateway.waitForText(E164, { since });
  await untilSettled(page);
  await shot(page, 'reset-info-phone-code');
  await submitCode(page, codeOf(text));
  await expectHeading(page, KEEP_SECURE);
  return text;
}

// ---------------------------------------------------------------- "Forgot my password"

/** From "Enter password" of `upn`: the link "Forgot my password"; ends on "Get back into your account". */
async function forgotFromSignIn(page, baseUrl, upn, shot) {
  await enterUsername(page, baseUrl, upn);
  await followLink(page, 'Forgot my password');
  await expectHeading(page, GET_BACK);
  await shot(page, 'get-back-into-your-account');
}

/** On "Get back into your account": types the name, Next. Returns the response. */
async function submitResetName(page, name) {
  await expectHeading(page, GET_BACK);
  await field(page, 'Email or username').fill(name);
  return clickAndWait(page, 'Next');
}

const contactMethods = (page) => page.getByRole('group', { name: 'Contact method', exact: true });

/** The contact methods the step page offers, of TEXT_WAY and EMAIL_WAY; no other radio. */
async function offeredWays(page) {
  const group = contactMethods(page);
  assert.equal(await group.count(), 1, `the verification step should have the group "Contact method": ${await pageState(page)}`);
  const offered = [];
  for (const way of [TEXT_WAY, EMAIL_WAY]) {
    if (await group.getByRole('radio', { name: way, exact: true }).count() === 1) offered.push(way);
  }
  assert.equal(await group.getByRole('radio').count(), offered.length,
    `"Contact method" should offer only ${JSON.stringify([TEXT_WAY, EMAIL_WAY])}: ${await pageState(page)}`);
  return offered;
}

/** On the verification step page: chooses `way`, types `destination`, "Send code". Returns the response. */
async function sendCode(page, way, destination) {
  await expectHeading(page, GET_BACK);
  await contactMethods(page).getByRole('radio', { name: way, exact: true }).check();
  await field(page, DESTINATION).fill(destination);
  return clickAndWait(page, 'Send code');
}

/** On "Choose a new password": fills both fields, "Reset password". */
async function chooseNewPassword(page, fresh, confirm = fresh) {
  await expectHeading(page, 'Choose a new password');
  await field(page, 'New password').fill(fresh);
  await field(page, 'Confirm password').fill(confirm);
  return clickAndWait(page, 'Reset password');
}

/** The refused new passwords (each must be refused with its sentence), then `fresh`; ends on "Your password was reset". */
async function resetPasswordTo(page, fresh, shot) {
  await expectHeading(page, 'Choose a new password');
  await shot(page, 'choose-a-new-password');
  await chooseNewPassword(page, fresh, `${fresh}x`);
  await expectHeading(page, 'Choose a new password');
  await expectAlert(page, "The passwords don't match.");
  await chooseNewPassword(page, 'Short1!');
  await expectHeading(page, 'Choose a new password');
  await expectAlert(page, 'Your password must be at least 8 characters long.');
  await chooseNewPassword(page, 'password123');
  await expectHeading(page, 'Choose a new password');
  await expectAlert(page, 'Your password is one of the most commonly used passwords. Choose a different one.');
  await shot(page, 'new-password-refused');
  await chooseNewPassword(page, fresh);
  await expectHeading(page, 'Your password was reset');
  assert.equal(await page.getByRole('link', { name: 'Sign in', exact: true }).count(), 1,
    '"Your password was reset" should have the link "Sign in"');
  await shot(page, 'your-password-was-reset');
}

/** Asserts the audit log has one self-service reset of `upn`. */
async function expectResetAudited(server, upn) {
  const entries = await auditEntries(server);
  const resets = entries.filter((e) => JSON.stringify(e).includes('user.reset_password'));
  assert.equal(resets.length, 1, `the audit log should have one user.reset_password: ${JSON.stringify(entries, null, 1)}`);
  const entry = JSON.stringify(resets[0]);
  assert.ok(entry.includes('self-service password reset') && entry.includes(upn),
    `the audit entry should name ${upn} and say "self-service password reset": ${entry}`);
}

// ================================================================== tests

test('"Forgot my password" says self-service reset is not set up while sspr_enabled is off, and offers it once on',
  { timeout: 60000 }, async (t) => {
    await withResetServer(t.name, {}, async ({ server, page, shot }) => {
      await forgotFromSignIn(page, server.baseUrl, server.upn, shot);
      await expectText(page, NOT_SET_UP, `"${GET_BACK}" with SSPR off`);
      assert.equal(await field(page, 'Email or username').count(), 0, 'with SSPR off there is nothing to fill in');
      assert.equal(await page.getByRole('link', { name: 'Back to sign in', exact: true }).count(), 1);

      await must(server, ['policy', 'set', 'sspr_enabled', 'true']);
      await page.goto(`${server.baseUrl}/signin/forgot`);
      await expectHeading(page, GET_BACK);
      const text = await bodyText(page);
      assert.ok(!text.includes(NOT_SET_UP), `with SSPR on, the page should not say it is not set up: ${text}`);
      assert.equal(await field(page, 'Email or username').count(), 1, 'with SSPR on, "Email or username" is asked');
      assert.equal(await button(page, 'Next').count(), 1);
      await shot(page, 'get-back-into-your-account-on');
    });
  });

test('(a) a signed-in user registers an email and a phone on "Keep your account secure", then Finish',
  { timeout: 120000 }, async (t) => {
    await withResetServer(t.name, {
      policies: { sspr_enabled: true, sspr_methods_required: 2 },
    }, async ({ server, sink, gateway, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD, shot);
      await expectKeepSecure(page, { required: 2, skippable: false });
      await shot(page, 'keep-your-account-secure');

      await clickAndWait(page, 'Finish');
      await expectKeepSecure(page, { required: 2, skippable: false });
      await expectAlert(page, TWO_MORE);

      const email = await setUpEmail(page, sink, ADDRESS, shot);
      assert.equal(email.rcpt.join(','), ADDRESS, 'the code should be emailed to the typed address');
      await expectKeepSecure(page, { required: 2, skippable: false, registered: { Email: ADDRESS } });
      await clickAndWait(page, 'Finish');
      await expectKeepSecure(page, { required: 2, skippable: false, registered: { Email: ADDRESS } });
      await expectAlert(page, ONE_MORE);
      await shot(page, 'finish-with-one');

      await setUpPhone(page, gateway, shot);
      await expectKeepSecure(page, { required: 2, skippable: false, registered: { Email: ADDRESS, Phone: IN_FULL } });
      await shot(page, 'both-set-up');
      await clickAndWait(page, 'Finish');
      await answerStaySignedIn(page, 'No');
      const methods = await securityInfoMethods(page);
      assert.ok(methods.some((m) => m.includes('Email') && m.includes(ADDRESS)), `Security info should list the email: ${JSON.stringify(methods)}`);
      assert.ok(methods.some((m) => m.includes('Phone') && m.includes(IN_FULL)), `Security info should list the phone: ${JSON.stringify(methods)}`);
      await shot(page, 'security-info');
      assert.equal(await mfaStateOf(server, server.upn), 'disabled', 'registering password reset info should not change the MFA state');

      // With both registered, the page never asks again.
      await signOut(page);
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'Stay signed in?');
      await answerStaySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      assert.equal(await mfaStateOf(server, server.upn), 'disabled');
    });
  });

test('(b) "Skip for now" shows only during registration_grace_days from the first ask',
  { timeout: 120000 }, async (t) => {
    await withResetServer(t.name, {
      policies: { sspr_enabled: true, sspr_methods_required: 1, registration_grace_days: 3 },
    }, async ({ server, clock, sink, page, shot }) => {
      const firstAsked = clock.now();
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectKeepSecure(page, { required: 1, skippable: true });
      await shot(page, 'first-ask-skippable');
      await clickAndWait(page, 'Skip for now');
      await answerStaySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await signOut(page);

      // A minute before the grace ends it still asks, and may still be skipped: the days run from
      // the first ask, not from the last.
      await clock.set(firstAsked + 3 * DAY - 60);
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectKeepSecure(page, { required: 1, skippable: true });
      await clickAndWait(page, 'Skip for now');
      await answerStaySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await signOut(page);

      // A minute after, "Skip for now" is gone, and Finish needs a method.
      await clock.set(firstAsked + 3 * DAY + 60);
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectKeepSecure(page, { required: 1, skippable: false });
      await shot(page, 'grace-over');
      // Skipping by hand (the form "Skip for now" would post) does not get the user in either.
      const csrf = await page.locator('input[name="csrf"]').first().inputValue();
      await postFormFromPage(page, '/signin/keep-secure', { csrf, step: 'keep_account_secure', action: 'skip' });
      assert.ok(!['Stay signed in?', 'Security info'].includes(await currentHeading(page)),
        `a skip posted after the grace should not sign the user in: ${await pageState(page)}`);
      await page.goto(`${server.baseUrl}/security-info`);
      await expectHeading(page, 'Sign in');

      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectKeepSecure(page, { required: 1, skippable: false });
      await clickAndWait(page, 'Finish');
      await expectAlert(page, ONE_MORE);
      await setUpEmail(page, sink, ADDRESS, shot);
      await expectKeepSecure(page, { required: 1, skippable: false, registered: { Email: ADDRESS } });
      await clickAndWait(page, 'Finish');
      await answerStaySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await signOut(page);

      // Registered: never asked again.
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'Stay signed in?');
    });
  });

test('(b) with registration_grace_days 0 "Keep your account secure" cannot be skipped at all',
  { timeout: 60000 }, async (t) => {
    await withResetServer(t.name, {
      policies: { sspr_enabled: true, sspr_methods_required: 1, registration_grace_days: 0 },
    }, async ({ server, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectKeepSecure(page, { required: 1, skippable: false });
      await shot(page, 'no-grace');
    });
  });

test('(c) a reset with one method (email): the MFA user\'s sessions and remembered devices end, the user is told, only the new password works',
  { timeout: 180000 }, async (t) => {
    await withResetServer(t.name, {
      mfaState: 'enabled',
      policies: { sspr_enabled: true, sspr_methods_required: 1, remember_mfa_days: 7 },
    }, async ({ server, clock, sink, gateway, page, open, shot }) => {
      // The first sign-in: the authenticator app (MFA), then the reset email (SSPR).
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      const secret = await registerApp(page, clock, shot);
      await expectKeepSecure(page, { required: 1, skippable: false });
      await shot(page, 'keep-your-account-secure-after-mfa');
      await setUpEmail(page, sink, ADDRESS, shot);
      await expectKeepSecure(page, { required: 1, skippable: false, registered: { Email: ADDRESS } });
      await clickAndWait(page, 'Finish');
      await answerStaySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      assert.equal(await mfaStateOf(server, server.upn), 'enforced', 'the app (not the email) makes the user Enforced');
      await signOut(page);

      // A day later (past the 10 minutes in which a user gets at most 3 codes), the second:
      // challenged, and "Don't ask again for 7 days" ticked.
      await clock.advance(DAY);
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'Enter code');
      await submitCode(page, await totp(secret, clock.step()));
      await answerStaySignedIn(page, 'Yes', { rememberDays: 7 });
      await expectHeading(page, 'Security info');
      await signOut(page);

      // The device is remembered: no challenge now. This browser stays signed in.
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'Stay signed in?');
      await answerStaySignedIn(page, 'Yes');
      await expectHeading(page, 'Security info');
      await page.goto(`${server.baseUrl}/security-info`);
      await expectHeading(page, 'Security info');

      // Another browser: "Forgot my password".
      const other = await open();
      const p = other.page;
      await forgotFromSignIn(p, server.baseUrl, server.upn, shot);
      await submitResetName(p, server.upn);
      await expectHeading(p, GET_BACK);
      await expectText(p, 'Verification step 1 of 1: choose how we should send you a code.', 'the verification step');
      assert.deepEqual(await offeredWays(p), [TEXT_WAY, EMAIL_WAY],
        'both contact methods are offered, whatever the user has registered');
      await shot(p, 'verification-step-1-of-1');
      const since = (await sink.messages()).length;
      await sendCode(p, EMAIL_WAY, ADDRESS);
      await expectHeading(p, 'Enter code');
      await expectText(p, `We emailed a code to ${MASKED_ADDRESS}`, 'the reset\'s "Enter code"');
      const message = await sink.waitForMessage({ to: ADDRESS, since });
      const code = emailCodeOf(message);
      await untilSettled(p);
      await shot(p, 'enter-code-emailed');
      await submitCode(p, code.slice(0, 5) + String((Number(code[5]) + 1) % 10));
      await expectHeading(p, 'Enter code');
      await expectAlert(p, WRONG_CODE);
      await submitCode(p, code);
      await resetPasswordTo(p, NEW_PASSWORD, shot);
      await followLink(p, 'Sign in');
      await expectHeading(p, 'Sign in');

      // The user is told by email; there is no phone to text.
      const notice = await sink.waitForMessage({ to: ADDRESS, since: since + 1 });
      assert.ok(oneLine(notice.text ?? '').includes(RESET_NOTICE), `the email should say ${JSON.stringify(RESET_NOTICE)}: ${JSON.stringify(notice.text)}`);
      assert.equal(gateway.texts.length, 0, 'the user has no phone: nothing is texted');
      await expectResetAudited(server, server.upn);

      // The first browser's session ended; its remembered device too.
      await page.goto(`${server.baseUrl}/security-info`);
      await expectHeading(page, 'Sign in');
      await shot(page, 'session-ended');
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'Enter password');
      await expectAlert(page, WRONG_PASSWORD);
      await field(page, 'Password').fill(NEW_PASSWORD);
      await clickAndWait(page, 'Sign in');
      await expectHeading(page, 'Enter code');  // challenged again: the device is no longer remembered
      await shot(page, 'challenged-again');
      await clock.advance(TOTP_STEP);
      await submitCode(page, await totp(secret, clock.step()));
      await answerStaySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
    });
  });

test('(c) a reset with two methods (email, then phone) lifts a lockout and tells the user by email and text',
  { timeout: 180000 }, async (t) => {
    await withResetServer(t.name, {
      trustedProxies: ['127.0.0.1'],
      policies: {
        sspr_enabled: true, sspr_methods_required: 2, lockout_threshold: 3, lockout_duration_seconds: 3600,
      },
    }, async ({ server, clock, sink, gateway, page, open, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectKeepSecure(page, { required: 2, skippable: false });
      await setUpEmail(page, sink, ADDRESS, shot);
      await setUpPhone(page, gateway, shot);
      await clickAndWait(page, 'Finish');
      await answerStaySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await signOut(page);

      // A day later (past the 10 minutes in which a user gets at most 3 codes), signed in with
      // enough reset methods: not asked again. This browser stays signed in.
      await clock.advance(DAY);
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await answerStaySignedIn(page, 'Yes');
      await expectHeading(page, 'Security info');

      // The account is locked twice over with wrong passwords: by a stranger on another network
      // (through the trusted proxy; it counts against the account), and by the user herself in
      // another browser on her own, familiar network (smart lockout: its own counter).
      const lockOut = async (who, label) => {
        for (let i = 1; i <= 3; i++) {
          await signInWithPassword(who, server.baseUrl, server.upn, `Wrong-Password-${i}`);
          await expectHeading(who, 'Enter password');
          await expectAlert(who, /Your account or password is incorrect|Your account is temporarily locked/);
        }
        await signInWithPassword(who, server.baseUrl, server.upn, PASSWORD);
        await expectHeading(who, 'Enter password');
        await expectAlert(who, /Your account is temporarily locked/);
        await shot(who, label);
      };
      const stranger = (await open({ extraHTTPHeaders: { 'X-Forwarded-For': STRANGER_IP } })).page;
      await lockOut(stranger, 'locked-from-a-strangers-network');
      const own = (await open()).page;
      await lockOut(own, 'locked-on-her-own-network');

      const resetter = await open();
      const p = resetter.page;
      await p.goto(`${server.baseUrl}/signin/forgot`);
      await submitResetName(p, server.upn);
      await expectHeading(p, GET_BACK);
      await expectText(p, 'Verification step 1 of 2: choose how we should send you a code.', 'the first verification step');
      assert.deepEqual(await offeredWays(p), [TEXT_WAY, EMAIL_WAY]);
      await shot(p, 'verification-step-1-of-2');
      const emailsBefore = (await sink.messages()).length;
      await sendCode(p, EMAIL_WAY, ADDRESS);
      await expectHeading(p, 'Enter code');
      await expectText(p, `We emailed a code to ${MASKED_ADDRESS}`, 'the reset\'s "Enter code"');
      const emailed = await sink.waitForMessage({ to: ADDRESS, since: emailsBefore });
      await untilSettled(p);
      await submitCode(p, emailCodeOf(emailed));

      await expectHeading(p, GET_BACK);
      await expectText(p, 'Verification step 2 of 2: choose how we should send you a code.', 'the second verification step');
      assert.deepEqual(await offeredWays(p), [TEXT_WAY], 'the second step should not offer the email again');
      await shot(p, 'verification-step-2-of-2');
      const textsBefore = gateway.texts.length;
      await sendCode(p, TEXT_WAY, IN_FULL);
      await expectHeading(p, 'Enter code');
      await expectText(p, `We texted your phone ${MASKED_PHONE}`, 'the reset\'s "Enter code" by text');
      const texted = await gateway.waitForText(E164, { since: textsBefore });
      await untilSettled(p);
      await shot(p, 'enter-code-texted');
      await submitCode(p, codeOf(texted));
      await resetPasswordTo(p, NEW_PASSWORD, shot);

      // Told by email and by text.
      const noticeMail = await sink.waitForMessage({ to: ADDRESS, since: emailsBefore + 1 });
      assert.ok(oneLine(noticeMail.text ?? '').includes(RESET_NOTICE), `the email should say ${JSON.stringify(RESET_NOTICE)}: ${JSON.stringify(noticeMail.text)}`);
      const noticeText = await gateway.waitForText(E164, { since: textsBefore + 1 });
      assert.ok(noticeText.body.includes(RESET_NOTICE), `the text should say ${JSON.stringify(RESET_NOTICE)}: ${JSON.stringify(noticeText.body)}`);
      await expectResetAudited(server, server.upn);

      // The signed-in browser is sent to Sign in.
      await page.goto(`${server.baseUrl}/security-info`);
      await expectHeading(page, 'Sign in');

      // Both lockouts are lifted: the new password signs in at once, from either network...
      for (const [who, where] of [[stranger, 'a stranger\'s network'], [own, 'her own network']]) {
        await signInWithPassword(who, server.baseUrl, server.upn, NEW_PASSWORD);
        assert.equal(await currentHeading(who), 'Stay signed in?',
          `after the reset the new password should sign in on ${where} (the lockout lifted): ${await pageState(who)}`);
        await answerStaySignedIn(who, 'No');
        await expectHeading(who, 'Security info');
        await shot(who, 'signed-in-with-new-password');
        await signOut(who);
      }
      // ...and the old password is only wrong.
      await signInWithPassword(own, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(own, 'Enter password');
      await expectAlert(own, WRONG_PASSWORD);
    });
  });

/**
 * Goes through "Forgot my password" as `name`, choosing `way` and typing `destination`, then
 * typing each of `codes` (all wrong). Returns what a person sees at each step: the status, the
 * heading, the alerts and the visible text, with the typed name replaced by <name>, plus whether
 * the code page looked again by itself. `onCodePage` runs on "Enter code" before any code is
 * typed (to wait for what was sent); it may return the codes to type instead.
 */
async function walkReset(page, baseUrl, name, way, destination, codes, onCodePage = async () => codes) {
  const seen = [];
  const look = async (label, response) => {
    const text = (await bodyText(page)).split(name).join('<name>').trim();
    seen.push({
      label,
      status: response ? response.status() : null,
      heading: (await page.getByRole('heading', { level: 1 }).allInnerTexts()).map(oneLine),
      alerts: (await page.getByRole('alert').allInnerTexts()).map(oneLine),
      text,
    });
  };
  await look('forgot', await page.goto(`${baseUrl}/signin/forgot`));
  await look('after name', await submitResetName(page, name));
  const sent = await sendCode(page, way, destination);
  const refreshed = await refreshes(page).catch(() => false);
  await untilSettled(page);
  const toType = (await onCodePage()) ?? codes;
  await look('code page', sent);
  for (const [i, code] of toType.entries()) {
    await look(`wrong code ${i + 1}`, await submitCode(page, code));
  }
  return { seen, refreshed };
}

function assertSamePages(known, unknown, what) {
  assert.equal(unknown.refreshed, known.refreshed, `${what}: the code page should look again by itself for both or for neither`);
  assert.equal(unknown.seen.length, known.seen.length, `${what}: as many pages`);
  for (let i = 0; i < known.seen.length; i++) {
    assert.deepEqual(unknown.seen[i], known.seen[i], `${what}: the page "${known.seen[i].label}" should be the same`);
  }
}

test('(d) an unknown name, a blocked user and a wrong destination get the same pages, and nothing is sent',
  { timeout: 240000 }, async (t) => {
    await withResetServer(t.name, {
      policies: { sspr_enabled: true, sspr_methods_required: 1 },
    }, async ({ server, clock, sink, gateway, page, open, shot }) => {
      const BOB = 'bob@example.com';
      const BOB_ADDRESS = 'bob@example.net';
      const UNKNOWN = 'nobody@example.com';
      const WRONG_ADDRESS = 'someone@example.net';
      const WRONG_NUMBER = '+44 7400 654321';
      const CODES = ['000000', '999999'];

      // alice registers an email and a phone; bob an email, and is then blocked.
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await setUpEmail(page, sink, ADDRESS, shot);
      await setUpPhone(page, gateway, shot);
      await clickAndWait(page, 'Finish');
      await answerStaySignedIn(page, 'No');
      await signOut(page);
      await addUser(server, BOB, 'Bob', 'disabled');
      await signInWithPassword(page, server.baseUrl, BOB, PASSWORD);
      await setUpEmail(page, sink, BOB_ADDRESS, shot);
      await clickAndWait(page, 'Finish');
      await answerStaySignedIn(page, 'No');
      await signOut(page);
      await must(server, ['user', 'block', BOB]);
      // A day later (past the 10 minutes in which a user gets at most 3 codes).
      await clock.advance(DAY);

      const mailsBefore = (await sink.messages()).length;
      const textsBefore = gateway.texts.length;
      const walk = async (label, name, way, destination, codes = CODES, onCodePage) => {
        const { page: p } = await open();
        const result = await walkReset(p, server.baseUrl, name, way, destination, codes, onCodePage);
        await shot(p, label);
        await p.close();
        return result;
      };

      // Nothing may be sent for any of these.
      const aliceWrongAddress = await walk('alice-wrong-address', server.upn, EMAIL_WAY, WRONG_ADDRESS);
      const unknownWrongAddress = await walk('unknown-wrong-address', UNKNOWN, EMAIL_WAY, WRONG_ADDRESS);
      const unknownAliceAddress = await walk('unknown-alices-address', UNKNOWN, EMAIL_WAY, ADDRESS);
      const bobBlocked = await walk('blocked-bob-his-address', BOB, EMAIL_WAY, BOB_ADDRESS);
      const unknownBobAddress = await walk('unknown-bobs-address', UNKNOWN, EMAIL_WAY, BOB_ADDRESS);
      const aliceWrongNumber = await walk('alice-wrong-number', server.upn, TEXT_WAY, WRONG_NUMBER);
      const unknownWrongNumber = await walk('unknown-wrong-number', UNKNOWN, TEXT_WAY, WRONG_NUMBER);
      const unknownAliceNumber = await walk('unknown-alices-number', UNKNOWN, TEXT_WAY, IN_FULL);
      // Five wrong codes end a reset: the same for a name that is no user.
      const FIVE = ['000000', '111111', '222222', '333333', '444444'];
      const aliceWrongFive = await walk('alice-wrong-address-five-codes', server.upn, EMAIL_WAY, WRONG_ADDRESS, FIVE);
      const unknownFive = await walk('unknown-five-codes', UNKNOWN, EMAIL_WAY, WRONG_ADDRESS, FIVE);

      // alice's own destinations: these are sent (and, being last, show that nothing before was).
      const notThe = (code) => CODES.map((c) => (c === code ? '555555' : c));
      const aliceAddress = await walk('alice-her-address', server.upn, EMAIL_WAY, ADDRESS, CODES, async () => {
        const message = await sink.waitForMessage({ to: ADDRESS, since: mailsBefore });
        return notThe(emailCodeOf(message));
      });
      const aliceNumber = await walk('alice-her-number', server.upn, TEXT_WAY, IN_FULL, CODES, async () => {
        const text = await gateway.waitForText(E164, { since: textsBefore });
        return notThe(codeOf(text));
      });

      const mails = (await sink.messages()).slice(mailsBefore);
      assert.deepEqual(mails.map((m) => m.rcpt.join(',')), [ADDRESS],
        `only alice's own address should get an email: ${JSON.stringify(mails.map((m) => ({ rcpt: m.rcpt, subject: m.subject })))}`);
      const texts = gateway.texts.slice(textsBefore);
      assert.deepEqual(texts.map((x) => x.to), [E164], `only alice's own phone should get a text: ${JSON.stringify(texts)}`);

      // What a person sees at each step.
      const first = aliceWrongAddress.seen;
      assert.equal(first[1].heading[0], GET_BACK);
      assert.ok(first[1].text.includes('Verification step 1 of 1'), `the step page: ${first[1].text}`);
      assert.equal(first[2].heading[0], 'Enter code');
      assert.ok(first[2].text.includes('We emailed a code to so*****@example.net'), `the code page: ${first[2].text}`);
      assert.deepEqual(first[3].alerts, [WRONG_CODE]);
      assert.equal(aliceWrongFive.seen.at(-1).heading[0], GET_BACK, 'the fifth wrong code should end the reset');
      assert.deepEqual(aliceWrongFive.seen.at(-1).alerts, ['Too many attempts. Start again.'],
        'the page that starts again should say why');

      assertSamePages(aliceWrongAddress, unknownWrongAddress, 'alice with a wrong address, and a name that is no user');
      assertSamePages(aliceAddress, unknownAliceAddress, 'alice with her own address, and a name that is no user with it');
      assertSamePages(unknownBobAddress, bobBlocked, 'blocked bob with his own address, and a name that is no user with it');
      assertSamePages(aliceWrongNumber, unknownWrongNumber, 'alice with a wrong number, and a name that is no user');
      assertSamePages(aliceNumber, unknownAliceNumber, 'alice with her own number, and a name that is no user with it');
      assertSamePages(aliceWrongFive, unknownFive, 'five wrong codes');
    });
  });

test('(d) a user\'s own address past the send limit gets the same page as a name that is no user',
  { timeout: 180000 }, async (t) => {
    await withResetServer(t.name, {
      policies: { sspr_enabled: true, sspr_methods_required: 1 },
    }, async ({ server, clock, sink, page, open, shot }) => {
      const UNKNOWN = 'nobody@example.com';
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await setUpEmail(page, sink, ADDRESS, shot);
      await clickAndWait(page, 'Finish');
      await answerStaySignedIn(page, 'No');
      await signOut(page);
      await clock.advance(DAY);

      const walk = async (label, name, onCodePage) => {
        const { page: p } = await open();
        const result = await walkReset(p, server.baseUrl, name, EMAIL_WAY, ADDRESS, [], onCodePage);
        await shot(p, label);
        await p.close();
        return result;
      };
      // Someone tries alice's address three times: three codes go out (a user gets at most 3 in
      // 10 minutes), and a name that is no user with the same address, as often: nothing.
      const mailsBefore = (await sink.messages()).length;
      for (let i = 1; i <= 3; i++) {
        await walk(`alice-try-${i}`, server.upn, async () => {
          await sink.waitForMessage({ to: ADDRESS, since: mailsBefore + i - 1 });
          return [];
        });
        await walk(`unknown-try-${i}`, UNKNOWN);
      }
      // The fourth time, nothing is sent for alice either; the page must not tell that apart.
      const alice = await walk('alice-try-4', server.upn);
      const unknown = await walk('unknown-try-4', UNKNOWN);
      const mails = (await sink.messages()).slice(mailsBefore);
      assert.equal(mails.length, 3, `three codes should have been emailed: ${JSON.stringify(mails.map((m) => m.rcpt))}`);
      assertSamePages(alice, unknown, 'the fourth try: alice with her own address, and a name that is no user with it');
    });
  });
