// Two things a person does after a challenge, in the browser.
//
// "Don't ask again for N days" (policy remember_mfa_days, 0 = off): ticked on "Stay signed in?"
// after a challenge, it sets the tessera_device cookie, and the next sign-in in that browser goes
// from the password straight on, logged as decided by `remembered_device` — until the N days pass,
// the password changes, the user's MFA sessions are revoked (by an admin, or by the user on
// Security info), or the policy turns it off. It vouches only for the user who ticked it.
//
// Fraud reports: a sign-in the person did not start, reported by pressing 0# on its call or by
// "This wasn't me" in its code email. Every sign-in of the user under way ends, the sign-in log
// says `fraud_reported`, the user is blocked (policy fraud_block_user) and an address is emailed
// (fraud_notify_email); the user is told at their next sign-in.
//
// Time is the test's (startTessera's `clock`): the server and the CLI read it from a file that only
// moves when a test moves it, so the N days pass without waiting, and the authenticator's codes are
// those of the test clock's time step (each sign-in moves the clock to a new step first, a step's
// code working once). Calls go to the tests' Twilio-shaped gateway, emails to a real SMTP server.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  bodyText, clickAndWait, expectAlert, expectHeading, field, launchBrowser, pageState,
  screenshotter, totp,
} from './tessera.mjs';
import { enterUsername, signInWithPassword, staySignedIn, submitCode, updatePassword } from './journey.mjs';
import {
  addUser, APP_WAY, CALL_DONE, enterPhone, expectText, followLink, MOVES_ON_WITHIN_MS, PASSWORD,
  otherWays, PHONE, registerApp, signInAnotherWay, signInToAppCode, signOut, TENANT, untilSettled,
  withGatewayServer,
} from './phone_journey.mjs';
import { emailCodeOf } from './smtp_sink.mjs';

const DAY = 24 * 3600;
const SOC = 'soc@contoso.com';
const ADDRESS = 'alice@example.net';
const EMAIL_WAY = 'Email al*****@example.net';
const CALL_WAY = `Call ${PHONE.masked}`;
const WITH_EMAIL = 'app_code,text_message,phone_call,email';
const CODE_SUBJECT = `${TENANT} verification code`;
const WRONG_PASSWORD = 'Your account or password is incorrect.';
const NEW_PASSWORD = 'Another-Staple-Horse-42';
const rememberLabel = (days) => `Don't ask again for ${days} ${days === 1 ? 'day' : 'days'}`;
const ONE_DEVICE = '1 device doesn\'t ask you for MFA because you chose "Don\'t ask again".';
// RFC 3339 in UTC to the second, as the pages write times.
const rfc3339 = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const blockedMessage = (time) => 'Your account has been blocked because you reported a sign-in you didn\'t start ' +
  `(${time}). Contact your administrator to unblock it.`;
const bannerStart = (time) => `On ${time} you reported a sign-in you didn't start, and we stopped it`;

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/**
 * Runs body({server, clock, gateway, sink, context, page, shot}) with a tessera on a test clock,
 * the Twilio-shaped gateway and the SMTP sink; the user alice (password PASSWORD) is Enabled.
 */
const withRememberServer = (name, serverOptions, body) =>
  withGatewayServer(browser, name, { smtp: true, clock: true, ...serverOptions }, body);

// ---------------------------------------------------------------- the CLI and the logs

async function must(server, args) {
  const r = await server.cli(args);
  assert.equal(r.code, 0, `tessera ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The sign-in log as JSON objects, newest first. */
async function signInLog(server, limit = 50) {
  const out = await must(server, ['log', 'sign-ins', '--limit', String(limit), '--format', 'json']);
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

const describeLog = (entries) => entries.map((e) =>
  `${e.time} ${e.upn} ${e.app} ${e.result} ${e.failure_reason || '-'} ${e.decided_by} ${e.method || '-'}`).join('\n');

/** The newest sign-in log entry of `upn`. */
async function newestEntry(server, upn = server.upn) {
  const entries = await signInLog(server);
  const entry = entries.find((e) => e.upn === upn);
  assert.ok(entry, `the sign-in log should have an entry of ${upn}:\n${describeLog(entries)}`);
  return { entry, entries };
}

async function userStatus(server, upn = server.upn) {
  const out = await must(server, ['user', 'show', upn]);
  const m = /^status\s+(\S+)/m.exec(out);
  assert.ok(m, `tessera user show should print a status line:\n${out}`);
  return m[1];
}

async function auditActions(server) {
  const out = await must(server, ['log', 'audit']);
  return { out, has: (action) => new RegExp(`\\s${action.replace('.', '\\.')}\\s`).test(out) };
}

// ---------------------------------------------------------------- remembered devices

const rememberBox = (page, days = 14) => page.getByRole('checkbox', { name: rememberLabel(days), exact: true });
const anyRememberBox = (page) => page.getByRole('checkbox', { name: /^Don't ask again/ });

/**
 * Alice's first sign-in: the password, then the authenticator app registered by its QR code. A
 * first registration is not a challenge: "Stay signed in?" does not offer "Don't ask again".
 * Answers No, ends signed out; returns the app's secret.
 */
async function registerAlicesApp(page, server, clock, shot) {
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  const secret = await registerApp(page, clock, shot);
  await expectHeading(page, 'Stay signed in?');
  assert.equal(await anyRememberBox(page).count(), 0,
    `"Don't ask again" should not be offered after a first registration: ${await pageState(page)}`);
  await staySignedIn(page, 'No');
  await expectHeading(page, 'Security info');
  await signOut(page);
  return secret;
}

/**
 * Signs in with the password and the app's code of a new time step (the clock moves 30 s first);
 * ends on "Stay signed in?".
 */
async function signInWithApp(page, server, clock, secret, { upn = server.upn, password = PASSWORD, shot } = {}) {
  await clock.advance(30);
  await signInWithPassword(page, server.baseUrl, upn, password);
  await expectHeading(page, 'Enter code');
  if (shot) await shot(page, 'challenged');
  await submitCode(page, await totp(secret, clock.step()));
  await expectHeading(page, 'Stay signed in?');
}

/** On "Stay signed in?" after a challenge: ticks "Don't ask again for N days", answers No. */
async function rememberThisDevice(page, { days = 14, shot } = {}) {
  await expectHeading(page, 'Stay signed in?');
  const box = rememberBox(page, days);
  assert.equal(await box.count(), 1, `"${rememberLabel(days)}" should be offered: ${await pageState(page)}`);
  assert.equal(await box.isChecked(), false, 'it is not ticked until the person ticks it');
  await box.check();
  if (shot) await shot(page, 'dont-ask-again');
  await clickAndWait(page, 'No');
  await expectHeading(page, 'Security info');
}

/**
 * Signs in with the password only, expecting the remembered device to vouch: no challenge, the
 * next page is "Stay signed in?" (without "Don't ask again": nothing was asked), and the sign-in
 * log says remembered_device. Answers No, ends on Security info.
 */
async function signInRemembered(page, server, { upn = server.upn, password = PASSWORD, shot } = {}) {
  await signInWithPassword(page, server.baseUrl, upn, password);
  await expectHeading(page, 'Stay signed in?');
  assert.equal(await anyRememberBox(page).count(), 0,
    `"Don't ask again" is only offered after a challenge: ${await pageState(page)}`);
  if (shot) await shot(page, 'remembered-no-challenge');
  const { entry, entries } = await newestEntry(server, upn);
  assert.equal(entry.result, 'success', describeLog(entries));
  assert.equal(entry.decided_by, 'remembered_device', `the remembered device decided:\n${describeLog(entries)}`);
  await staySignedIn(page, 'No');
  await expectHeading(page, 'Security info');
}

/**
 * Signs in with the password, expecting the challenge (the app's "Enter code"), and no sign-in
 * logged as decided by a remembered device meanwhile (a challenged sign-in is logged once it ends).
 */
async function expectChallenged(page, server, what, { upn = server.upn, password = PASSWORD } = {}) {
  const before = (await signInLog(server, 1000)).length;
  await signInWithPassword(page, server.baseUrl, upn, password);
  await expectHeading(page, 'Enter code');
  const text = await bodyText(page);
  assert.ok(text.includes('authenticator app'), `${what}: the app's code should be asked for; page text: ${text}`);
  const entries = await signInLog(server, 1000);
  const since = entries.slice(0, entries.length - before);
  assert.ok(since.every((e) => e.decided_by !== 'remembered_device'),
    `${what}: no sign-in should be decided by a remembered device:\n${describeLog(since)}`);
}

async function deviceCookie(context, server) {
  return (await context.cookies(server.baseUrl)).find((c) => /(^|-)tessera_device$/.test(c.name));
}

/** Goes to the app's "Enter code" by a new time step and finishes the sign-in there. */
async function finishWithApp(page, clock, secret) {
  await clock.advance(30);
  await submitCode(page, await totp(secret, clock.step()));
  await expectHeading(page, 'Stay signed in?');
}

test('"Don\'t ask again for 14 days" after a challenge: an HttpOnly tessera_device cookie for 14 days, kept only hashed, and the next sign-in skips the challenge',
  { timeout: 90000 }, async (t) => {
    await withRememberServer(t.name, { policies: { remember_mfa_days: 14 } }, async ({ server, clock, context, page, shot }) => {
      const secret = await registerAlicesApp(page, server, clock, shot);
      assert.equal(await deviceCookie(context, server), undefined, 'no device cookie before it is asked for');

      await signInWithApp(page, server, clock, secret, { shot });
      await expectText(page, "Don't show this again", '"Stay signed in?"');
      await rememberThisDevice(page, { shot });
      const rememberedAt = clock.now();
      const cookie = await deviceCookie(context, server);
      assert.ok(cookie, `"Don't ask again" should set a tessera_device cookie: ${JSON.stringify(await context.cookies())}`);
      assert.equal(cookie.httpOnly, true, 'the device cookie is HttpOnly');
      assert.ok(Math.abs(cookie.expires - (rememberedAt + 14 * DAY)) <= 5,
        `the device cookie should expire 14 days on (${rfc3339(rememberedAt + 14 * DAY)}), expires ${rfc3339(cookie.expires)}`);
      assert.ok(cookie.value.length >= 20, `the device token should be long and random: ${cookie.value.length} characters`);

      // The server keeps only a hash of it: the token appears nowhere in its database files.
      const files = (await fs.readdir(server.dir)).filter((f) => f.startsWith('tessera.db'));
      for (const file of files) {
        const bytes = await fs.readFile(path.join(server.dir, file));
        assert.equal(bytes.indexOf(Buffer.from(cookie.value)), -1, `the device token is stored in ${file} as it is`);
      }
      await expectText(page, 'Remembered devices', 'Security info');
      await expectText(page, ONE_DEVICE, 'Security info');
      await shot(page, 'security-info-remembered-device');
      await signOut(page);

      // The next sign-in in this browser: the password, then no challenge.
      await signInRemembered(page, server, { shot });
      await shot(page, 'signed-in-without-challenge');
    });
  });

test('without ticking "Don\'t ask again", the next sign-in is challenged', { timeout: 90000 }, async (t) => {
  await withRememberServer(t.name, { policies: { remember_mfa_days: 14 } }, async ({ server, clock, context, page, shot }) => {
    const secret = await registerAlicesApp(page, server, clock, shot);
    await signInWithApp(page, server, clock, secret);
    assert.equal(await rememberBox(page).count(), 1, `"${rememberLabel(14)}" is offered: ${await pageState(page)}`);
    await shot(page, 'stay-signed-in-not-ticked');
    await staySignedIn(page, 'Yes');
    await expectHeading(page, 'Security info');
    assert.equal(await deviceCookie(context, server), undefined, 'no device cookie without "Don\'t ask again"');
    assert.doesNotMatch(await bodyText(page), /doesn't ask you for MFA/, 'no device is remembered');
    await signOut(page);
    await expectChallenged(page, server, 'not ticked');
    await shot(page, 'challenged-again');
  });
});

for (const days of [14, 1]) {
  test(`a remembered device stops vouching once ${days} ${days === 1 ? 'day has' : 'days have'} passed`, { timeout: 90000 }, async (t) => {
    await withRememberServer(t.name, { policies: { remember_mfa_days: days } }, async ({ server, clock, page, shot }) => {
      const secret = await registerAlicesApp(page, server, clock, shot);
      await signInWithApp(page, server, clock, secret);
      await rememberThisDevice(page, { days, shot });
      await signOut(page);

      // A minute before the N days are up it still vouches.
      await clock.advance(days * DAY - 60);
      await signInRemembered(page, server);
      await signOut(page);

      // A minute after, the challenge is back (the cookie is still in the browser: the server says no).
      await clock.advance(120);
      await expectChallenged(page, server, `${days} days on`);
      await shot(page, 'challenged-after-expiry');
      await finishWithApp(page, clock, secret);
      assert.equal(await rememberBox(page, days).count(), 1, 'and "Don\'t ask again" is offered again');
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
    });
  });
}

test('a password change ends a remembered device: reset by an admin, the temporary password updated at sign-in, the challenge is back',
  { timeout: 90000 }, async (t) => {
    await withRememberServer(t.name, { policies: { remember_mfa_days: 14 } }, async ({ server, clock, page, shot }) => {
      const secret = await registerAlicesApp(page, server, clock, shot);
      await signInWithApp(page, server, clock, secret);
      await rememberThisDevice(page);
      await signOut(page);
      await signInRemembered(page, server);
      await signOut(page);

      await clock.advance(60);
      const reset = await must(server, ['user', 'reset-password', server.upn]);
      const temporary = /Temporary password[^:\n]*:\s*(\S+)/.exec(reset)?.[1];
      assert.ok(temporary, `reset-password prints the temporary password:\n${reset}`);
      const logged = (await signInLog(server, 1000)).length;
      await signInWithPassword(page, server.baseUrl, server.upn, temporary);
      await shot(page, 'update-your-password');
      await updatePassword(page, temporary, NEW_PASSWORD);
      await expectHeading(page, 'Enter code');
      await shot(page, 'challenged-after-password-change');
      const entries = await signInLog(server, 1000);
      const since = entries.slice(0, entries.length - logged);
      assert.ok(since.every((e) => e.decided_by !== 'remembered_device'), describeLog(since));

      // Remembered again with the new password, the device vouches again.
      await finishWithApp(page, clock, secret);
      await rememberThisDevice(page);
      await signOut(page);
      await signInRemembered(page, server, { password: NEW_PASSWORD });
    });
  });

test('a password change ends a remembered device: "Forgot my password", proved by the email\'s code, the challenge is back',
  { timeout: 90000 }, async (t) => {
    await withRememberServer(t.name, { policies: { remember_mfa_days: 14 } }, async ({ server, clock, sink, page, shot }) => {
      const secret = await appAndEmail(page, server, clock, sink, shot);
      await must(server, ['policy', 'set', 'sspr_enabled', 'true']);
      await signInWithApp(page, server, clock, secret);
      await rememberThisDevice(page);
      await signOut(page);
      await signInRemembered(page, server);
      await signOut(page);

      // In this browser, a self-service reset of the password.
      await clock.advance(60);
      await enterUsername(page, server.baseUrl, server.upn);
      await followLink(page, 'Forgot my password');
      await expectHeading(page, 'Get back into your account');
      await field(page, 'Email or username').fill(server.upn);
      await clickAndWait(page, 'Next');
      await expectHeading(page, 'Get back into your account');
      await page.getByRole('radio', { name: 'Email a code to my authentication email', exact: true }).check();
      await field(page, 'Email address or phone number').fill(ADDRESS);
      const since = (await sink.messages()).length;
      await shot(page, 'get-back-into-your-account');
      await clickAndWait(page, 'Send code');
      await expectHeading(page, 'Enter code');
      const message = await sink.waitForMessage({ to: ADDRESS, since });
      await untilSettled(page);
      await submitCode(page, emailCodeOf(message));
      await expectHeading(page, 'Choose a new password');
      await field(page, 'New password').fill(NEW_PASSWORD);
      await field(page, 'Confirm password').fill(NEW_PASSWORD);
      await clickAndWait(page, 'Reset password');
      await expectHeading(page, 'Your password was reset');
      await shot(page, 'your-password-was-reset');

      await expectChallenged(page, server, 'after "Forgot my password"', { password: NEW_PASSWORD });
      await shot(page, 'challenged-after-reset');
    });
  });

test('tessera mfa revoke-sessions: every remembered device of the user asks for MFA again', { timeout: 90000 }, async (t) => {
  await withRememberServer(t.name, { policies: { remember_mfa_days: 14 } }, async ({ server, clock, page, shot }) => {
    const secret = await registerAlicesApp(page, server, clock, shot);
    await signInWithApp(page, server, clock, secret);
    await rememberThisDevice(page);
    await signOut(page);

    // A second browser of alice's, remembered too.
    const laptop = await browser.newContext();
    try {
      const other = await laptop.newPage();
      await signInWithApp(other, server, clock, secret);
      await rememberThisDevice(other);
      await expectText(other, '2 devices don\'t ask you for MFA because you chose "Don\'t ask again".', 'Security info');
      await signOut(other);

      const out = await must(server, ['mfa', 'revoke-sessions', server.upn]);
      assert.equal(out.trim(), `Revoked MFA sessions of ${server.upn}: 2 remembered devices will ask for MFA again.`);
      const audit = await auditActions(server);
      assert.ok(audit.has('mfa.revoke_sessions'), `the revocation is audited:\n${audit.out}`);

      await expectChallenged(page, server, 'this browser after revoke-sessions');
      await shot(page, 'challenged-after-revoke');
      await expectChallenged(other, server, 'the other browser after revoke-sessions');
      const again = await must(server, ['mfa', 'revoke-sessions', server.upn]);
      assert.equal(again.trim(), `Revoked MFA sessions of ${server.upn}: 0 remembered devices will ask for MFA again.`);
    } finally {
      await laptop.close();
    }
  });
});

test('"Revoke MFA sessions" on Security info: the device asks for MFA again', { timeout: 90000 }, async (t) => {
  await withRememberServer(t.name, { policies: { remember_mfa_days: 14 } }, async ({ server, clock, page, shot }) => {
    const secret = await registerAlicesApp(page, server, clock, shot);
    await signInWithApp(page, server, clock, secret);
    await rememberThisDevice(page);
    await signOut(page);
    await signInRemembered(page, server);

    await expectHeading(page, 'Security info');
    assert.equal(await page.getByRole('heading', { name: 'Remembered devices', exact: true }).count(), 1,
      `Security info has a "Remembered devices" section: ${await pageState(page)}`);
    await expectText(page, ONE_DEVICE, 'Security info');
    await shot(page, 'remembered-devices');
    await clickAndWait(page, 'Revoke MFA sessions');
    await expectHeading(page, 'Security info');
    assert.equal(await page.getByRole('alert').count(), 0, `revoking needs no step-up: ${await pageState(page)}`);
    assert.doesNotMatch(await bodyText(page), /devices? doesn't ask you for MFA|devices don't ask you for MFA/,
      'no device skips MFA any more');
    assert.equal(await page.getByRole('button', { name: 'Revoke MFA sessions', exact: true }).count(), 0,
      'nothing is left to revoke');
    await shot(page, 'revoked');
    const audit = await auditActions(server);
    assert.ok(audit.has('mfa.revoke_sessions'), `the revocation is audited:\n${audit.out}`);
    await signOut(page);
    await expectChallenged(page, server, 'after "Revoke MFA sessions"');
  });
});

test('a remembered device vouches only for its user: bob signing in in alice\'s browser is challenged', { timeout: 120000 }, async (t) => {
  await withRememberServer(t.name, { policies: { remember_mfa_days: 14 } }, async ({ server, clock, page, shot }) => {
    await addUser(server, 'bob@example.com', 'Bob');
    // Bob registers his app in his own browser.
    let bobSecret;
    const bobs = await browser.newContext();
    try {
      const bobPage = await bobs.newPage();
      await signInWithPassword(bobPage, server.baseUrl, 'bob@example.com', PASSWORD);
      bobSecret = await registerApp(bobPage, clock, await screenshotter(`${t.name} bob`), 'qr-bob');
      await staySignedIn(bobPage, 'No');
      await expectHeading(bobPage, 'Security info');
    } finally {
      await bobs.close();
    }

    const secret = await registerAlicesApp(page, server, clock, shot);
    await signInWithApp(page, server, clock, secret);
    await rememberThisDevice(page);
    await signOut(page);

    // Bob in alice's browser, which holds her device cookie: his code is asked for.
    await expectChallenged(page, server, 'bob in alice\'s browser', { upn: 'bob@example.com' });
    await shot(page, 'bob-challenged');
    await finishWithApp(page, clock, bobSecret);
    await staySignedIn(page, 'No');
    await expectHeading(page, 'Security info');
    await signOut(page);

    // Alice's device still vouches for her.
    await signInRemembered(page, server);
  });
});

test('with remember_mfa_days 0 "Don\'t ask again" is not offered, and a device remembered before no longer vouches', { timeout: 90000 }, async (t) => {
  await withRememberServer(t.name, { policies: { remember_mfa_days: 14 } }, async ({ server, clock, page, shot }) => {
    const secret = await registerAlicesApp(page, server, clock, shot);
    await signInWithApp(page, server, clock, secret);
    await rememberThisDevice(page);
    await signOut(page);

    await must(server, ['policy', 'set', 'remember_mfa_days', '0']);
    await expectChallenged(page, server, 'with the policy off');
    await finishWithApp(page, clock, secret);
    assert.equal(await anyRememberBox(page).count(), 0, `"Don't ask again" is not offered: ${await pageState(page)}`);
    assert.equal(await page.getByRole('checkbox', { name: "Don't show this again", exact: true }).count(), 1,
      '"Don\'t show this again" still is');
    await shot(page, 'stay-signed-in-policy-off');
    await staySignedIn(page, 'No');
    await expectHeading(page, 'Security info');
  });
});

// ---------------------------------------------------------------- fraud reports

/**
 * Alice registers the app at her first sign-in and adds her phone with "Call me" on Security info
 * (the call answered with #); ends signed out. Returns the app's secret.
 */
async function appAndCallingPhone(page, server, clock, gateway, shot) {
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  const secret = await registerApp(page, clock, shot);
  await staySignedIn(page, 'No');
  await expectHeading(page, 'Security info');
  await clickAndWait(page, 'Add sign-in method');
  await page.getByRole('radio', { name: 'Phone', exact: true }).check();
  await clickAndWait(page, 'Add');
  const before = gateway.calls.length;
  await enterPhone(page, { way: 'Call me' });
  await expectHeading(page, 'Approve sign in request');
  const call = await gateway.waitForCall(PHONE.e164, { since: before });
  const answered = await gateway.answer(call, '#');
  assert.deepEqual(answered.finalTwiml?.says, [CALL_DONE], `the registration call's answer: ${answered.final?.body}`);
  await expectHeading(page, 'Security info', MOVES_ON_WITHIN_MS);
  await signOut(page);
  return secret;
}

/** Alice registers the app at her first sign-in and adds her email on Security info; ends signed out. */
async function appAndEmail(page, server, clock, sink, shot) {
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  const secret = await registerApp(page, clock, shot);
  await staySignedIn(page, 'No');
  await expectHeading(page, 'Security info');
  await clickAndWait(page, 'Add sign-in method');
  await page.getByRole('radio', { name: 'Email', exact: true }).check();
  await clickAndWait(page, 'Add');
  await expectHeading(page, 'Email');
  await field(page, 'Email address').fill(ADDRESS);
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Enter code');
  const registration = await sink.waitForMessage({ to: ADDRESS, subject: CODE_SUBJECT });
  assert.doesNotMatch(registration.text, /This wasn't me/, 'a registration\'s email has no "This wasn\'t me"');
  await submitCode(page, emailCodeOf(registration));
  await expectText(page, `Email ${ADDRESS}`, 'Security info');
  await signOut(page);
  return secret;
}

/**
 * Signs in to the app's "Enter code", then "Sign in another way" by email; returns the code email
 * with its "This wasn't me" URL (checked in both parts).
 */
async function signInByEmail(page, server, sink, shot) {
  const since = (await sink.messages()).length;
  await signInToAppCode(page, server);
  await signInAnotherWay(page, EMAIL_WAY, shot);
  await expectHeading(page, 'Enter code');
  const message = await sink.waitForMessage({ to: ADDRESS, subject: CODE_SUBJECT, since });
  await untilSettled(page);
  assert.match(message.text, /Someone is signing in to your tessera account\./, message.text);
  const line = /^This wasn't me: (\S+)$/m.exec(message.text);
  assert.ok(line, `the text part should have a line "This wasn't me: URL": ${JSON.stringify(message.text)}`);
  const url = line[1];
  assert.match(url, new RegExp(`^${server.baseUrl.replace(/[.]/g, '\\.')}/report\\?t=[A-Za-z0-9_-]{20,}$`),
    `the link should be PUBLIC_URL/report?t=TOKEN: ${url}`);
  return { message, url, code: emailCodeOf(message) };
}

/** The HTML part as a person's mail app shows it: its "This wasn't me" link leads to `url`. */
async function expectHtmlLink(context, message, url, shot) {
  const inbox = await context.newPage();
  try {
    await inbox.setContent(message.html, { waitUntil: 'load' });
    const link = inbox.getByRole('link', { name: "This wasn't me", exact: true });
    assert.equal(await link.count(), 1, `the HTML part should have a "This wasn't me" link: ${message.html}`);
    assert.equal(await link.getAttribute('href'), url, 'the HTML link and the text part\'s URL are the same');
    await shot(inbox, 'code-email-with-report-link');
  } finally {
    await inbox.close();
  }
}

/** Asserts the newest log entry of alice is a fraud report from `source`. */
async function expectFraudLogged(server, source) {
  const { entry, entries } = await newestEntry(server);
  assert.equal(entry.result, 'failure', describeLog(entries));
  assert.equal(entry.failure_reason, 'fraud_reported', describeLog(entries));
  assert.equal(entry.decided_by, 'fraud_reported', describeLog(entries));
  assert.equal(entry.app, `Fraud report (${source})`, describeLog(entries));
  return entry;
}

test('0# on a sign-in call reports fraud: the waiting sign-in is ended, the user blocked and the SOC emailed, and told why at the next sign-in',
  { timeout: 120000 }, async (t) => {
    await withRememberServer(t.name, { policies: { fraud_notify_email: SOC } }, async ({ server, clock, gateway, sink, page, shot }) => {
      const secret = await appAndCallingPhone(page, server, clock, gateway, shot);

      // Someone with alice's password asks for a call.
      await clock.advance(30);
      await signInToAppCode(page, server, gateway);
      assert.deepEqual(await otherWays(page), [APP_WAY, `Text ${PHONE.masked}`, CALL_WAY]);
      const before = gateway.calls.length;
      await clickAndWait(page, CALL_WAY);
      await expectHeading(page, 'Approve sign in request');
      await shot(page, 'calling');
      const call = await gateway.waitForCall(PHONE.e164, { since: before });

      // Alice, who did not start it, presses 0 and then #.
      const reportedAt = clock.now();
      const answered = await gateway.answer(call, '0#');
      assert.equal(answered.digits, '0', 'Twilio posts the 0 of 0# (numDigits="1")');
      assert.equal(answered.final?.status, 200, `the answer's TwiML: ${answered.final?.body}`);
      assert.deepEqual(answered.finalTwiml.says, ['Thank you. Your report has been received. Goodbye.'],
        'the call says the report was received (docs/pages.md, Fraud reports)');
      assert.ok(answered.finalTwiml.hangsUp, `the call hangs up: ${answered.final.body}`);
      // The calling page, looking again by itself, is sent back to Sign in.
      await expectHeading(page, 'Sign in', MOVES_ON_WITHIN_MS);
      await shot(page, 'sign-in-after-report');

      await expectFraudLogged(server, 'call');
      assert.equal(await userStatus(server), 'blocked', 'fraud_block_user (default true) blocks the user');
      const audit = await auditActions(server);
      assert.ok(audit.has('user.fraud_report'), `the report is audited:\n${audit.out}`);
      assert.ok(audit.has('user.block'), `the block is audited:\n${audit.out}`);
      const notice = await sink.waitForMessage({ to: SOC, subject: `${TENANT}: fraud reported by ${server.upn}` });
      assert.equal(notice.subject, `${TENANT}: fraud reported by ${server.upn}`);
      assert.ok(notice.text.includes(server.upn), `the SOC's email names the user: ${notice.text}`);

      // At the next sign-in: a wrong password says only what it always says; the right one says why.
      await clock.advance(60);
      await signInWithPassword(page, server.baseUrl, server.upn, 'Not-Her-Password-1');
      await expectAlert(page, WRONG_PASSWORD);
      assert.doesNotMatch(await bodyText(page), /reported/, 'a wrong password tells nothing of the report');
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      const alerts = await expectAlert(page, blockedMessage(rfc3339(reportedAt)));
      await shot(page, 'blocked-after-report');
      assert.equal(alerts.length, 1, JSON.stringify(alerts));

      // Unblocked by an admin: the next sign-in tells her once, in a banner, then never again.
      await must(server, ['user', 'unblock', server.upn]);
      await signInToAppCode(page, server, gateway);
      const banner = page.getByRole('status');
      assert.equal(await banner.count(), 1, `a banner after the right password: ${await pageState(page)}`);
      const said = (await banner.innerText()).replace(/\s+/g, ' ').trim();
      assert.ok(said.startsWith(bannerStart(rfc3339(reportedAt))), `the banner says: ${said}`);
      await shot(page, 'banner-after-unblock');
      await finishWithApp(page, clock, secret);
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await signOut(page);
      await signInToAppCode(page, server, gateway);
      assert.equal(await page.getByRole('status').count(), 0, `the banner is shown once: ${await pageState(page)}`);
      await shot(page, 'no-banner-the-next-time');
    });
  });

test('"This wasn\'t me" in a sign-in code email: the link asks, only its POST reports, and it works once',
  { timeout: 120000 }, async (t) => {
    await withRememberServer(t.name, { policies: { allowed_methods: WITH_EMAIL } }, async ({ server, clock, sink, context, page, shot }) => {
      await appAndEmail(page, server, clock, sink, shot);
      await clock.advance(30);
      const { message, url, code } = await signInByEmail(page, server, sink, shot);
      await expectHtmlLink(context, message, url, shot);
      const reports = async () => (await signInLog(server)).filter((e) => e.decided_by === 'fraud_reported').length;

      // Alice opens the link on her phone: a page that asks; opening it reports nothing.
      const phone = await browser.newContext();
      try {
        const mail = await phone.newPage();
        const opened = await mail.goto(url);
        assert.equal(opened.status(), 200);
        await expectHeading(mail, 'Report a sign-in');
        assert.equal(await mail.getByRole('link', { name: 'It was me', exact: true }).count(), 1, await pageState(mail));
        assert.equal(await mail.getByRole('button', { name: "This wasn't me", exact: true }).count(), 1, await pageState(mail));
        await shot(mail, 'report-a-sign-in');
        assert.equal(await reports(), 0, 'opening the link reports nothing');
        assert.equal(await userStatus(server), 'active');
        await followLink(mail, 'It was me');
        await expectHeading(mail, 'Sign in');
        assert.equal(await reports(), 0, '"It was me" reports nothing');
        assert.equal(await userStatus(server), 'active');

        // Opened again (a GET does not use it up), "This wasn't me" reports.
        await mail.goto(url);
        await expectHeading(mail, 'Report a sign-in');
        await clickAndWait(mail, "This wasn't me");
        await expectHeading(mail, 'Thank you for reporting it');
        await shot(mail, 'thank-you-for-reporting-it');
        await expectFraudLogged(server, 'email');
        assert.equal(await reports(), 1, 'one report');
        assert.equal(await userStatus(server), 'blocked');
        const audit = await auditActions(server);
        assert.ok(audit.has('user.fraud_report') && audit.has('user.block'), `audited:\n${audit.out}`);

        // The link works once.
        const again = await mail.goto(url);
        assert.equal(again.status(), 404, 'a used link is 404');
        await expectHeading(mail, 'This link has expired');
        await shot(mail, 'this-link-has-expired');
        assert.equal(await reports(), 1, 'a used link reports nothing more');
      } finally {
        await phone.close();
      }

      // The sign-in that was reported is over: its code leads back to Sign in.
      await submitCode(page, code);
      await expectHeading(page, 'Sign in');
      const { entry, entries } = await newestEntry(server);
      assert.notEqual(entry.result, 'success', `the reported sign-in never succeeded:\n${describeLog(entries)}`);
      assert.equal((await signInLog(server)).filter((e) => e.result === 'success' && e.method === 'email').length, 0,
        'nobody signed in with the emailed code');
    });
  });

test('with fraud_block_user false a report ends every sign-in under way but does not block; the banner is shown once',
  { timeout: 120000 }, async (t) => {
    await withRememberServer(t.name, { policies: { allowed_methods: WITH_EMAIL, fraud_block_user: false } },
      async ({ server, clock, sink, page, shot }) => {
        const secret = await appAndEmail(page, server, clock, sink, shot);
        await clock.advance(30);
        const { url, code } = await signInByEmail(page, server, sink, shot);

        // Another sign-in of alice's is under way in another browser, at the app's code.
        const second = await browser.newContext();
        try {
          const other = await second.newPage();
          await signInToAppCode(other, server);

          const mail = await second.newPage();
          await mail.goto(url);
          await expectHeading(mail, 'Report a sign-in');
          const reportedAt = clock.now();
          await clickAndWait(mail, "This wasn't me");
          await expectHeading(mail, 'Thank you for reporting it');
          await expectFraudLogged(server, 'email');
          assert.equal(await userStatus(server), 'active', 'fraud_block_user false: not blocked');
          const audit = await auditActions(server);
          assert.ok(audit.has('user.fraud_report'), `the report is audited:\n${audit.out}`);
          assert.ok(!audit.has('user.block'), `nobody blocked the user:\n${audit.out}`);

          // Both sign-ins under way are over.
          await submitCode(page, code);
          await expectHeading(page, 'Sign in');
          await submitCode(other, await totp(secret, clock.step()));
          await expectHeading(other, 'Sign in');
          await shot(other, 'other-sign-in-ended');

          // The next sign-in: the banner once.
          await clock.advance(30);
          await signInToAppCode(page, server);
          const banner = page.getByRole('status');
          assert.equal(await banner.count(), 1, `a banner after the right password: ${await pageState(page)}`);
          const said = (await banner.innerText()).replace(/\s+/g, ' ').trim();
          assert.ok(said.startsWith(bannerStart(rfc3339(reportedAt))), `the banner says: ${said}`);
          await shot(page, 'banner');
          await finishWithApp(page, clock, secret);
          await staySignedIn(page, 'No');
          await expectHeading(page, 'Security info');
          await signOut(page);
          await signInToAppCode(page, server);
          assert.equal(await page.getByRole('status').count(), 0, `the banner is shown once: ${await pageState(page)}`);
        } finally {
          await second.close();
        }
      });
  });
