// Changes on Security info, in the browser: "Change" of the default sign-in method, "Change" of a
// method (registered anew, replacing the old one only once the new one is verified, and keeping
// its default), the notices every add, change, delete and default change sends to the user's
// methods that can carry one, and the step-up with a method that sends (a text, a call) once the
// sign-in's MFA is more than 10 minutes old.
//
// Time is the test's (startTessera's `clock`): the server reads it from a file that only moves
// when a test moves it. Texts and calls go to the tests' Twilio-shaped gateway
// (twilio_gateway.mjs), emails over SMTP to a real SMTP server (smtp_sink.mjs). Notices are sent by
// the server's senders after the change commits; before saying that something was NOT sent, a test
// waits until the server's delivery queue has nothing left to send (settled(), reading the queue's
// table in the server's SQLite file with the sqlite3 tool), so every message is at the gateway or
// the sink by then.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  bodyText, clickAndWait, describeRows, expectAlert, expectHeading, field, launchBrowser,
  pageState, totp,
} from './tessera.mjs';
import { signInWithPassword, staySignedIn, submitCode } from './journey.mjs';
import {
  afterItsRefresh, APP_CODE_TEXT, APP_WAY, CALL_DONE, enterPhone, expectText, followLink, FROM,
  MINUTE, MOVES_ON_WITHIN_MS, PASSWORD, PHONE, registerApp, scanQr, setUpApp, signInToAppCode,
  signOut, TENANT, untilSettled, waysOffered, withGatewayServer, WRONG_CODE,
} from './phone_journey.mjs';
import { emailCodeOf } from './smtp_sink.mjs';
import { codeOf } from './twilio_gateway.mjs';

const CODE_SUBJECT = `${TENANT} verification code`;
const NOTICE_SUBJECT = `${TENANT}: your security info changed`;
const NEW_PHONE = { typed: '07400 654321', e164: '+447400654321', shown: '+44 7400 654321', masked: '+XX XXXXXXXX21' };
const ALTERNATE = { typed: '07400 765432', e164: '+447400765432', shown: '+44 7400 765432' };
const ADDRESS = 'alice@example.net';
const MASKED_ADDRESS = 'al*****@example.net';
const APP_DEFAULT = 'Authenticator app – code';
const WITH_EMAIL = 'app_code,text_message,phone_call,email';
const NEEDS_PROOF = "To change your security info, first verify it's you.";

// What a notice says (security_info_service.cc notice_text), in a text (after the tenant's name)
// and in an email's text part.
const ADDED = 'A sign-in method was added to your account';
const CHANGED = 'A sign-in method on your account was changed';
const REMOVED = 'A sign-in method was removed from your account';
const DEFAULT_CHANGED = 'Your default sign-in method was changed';
const notice = (what, kind) => `${what}: ${kind}. If this wasn't you, contact your IT department now.`;
const noticeText = (what, kind) => `${TENANT}: ${notice(what, kind)}`;
const CODE_TEXT = /^Use verification code \d{6} for tessera authentication\.$/;

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs body({server, clock, gateway, sink, context, page, shot}) with a Twilio-shaped gateway, an
 * SMTP sink and a tessera whose [phone] and [email] point at them, on a test clock that starts now
 * and stands still until the test moves it. The user (password PASSWORD) is Enabled, so the first
 * sign-in registers a method.
 */
const withChangesServer = (name, serverOptions, body) =>
  withGatewayServer(browser, name, { smtp: true, clock: true, ...serverOptions }, body);

// ---------------------------------------------------------------- what went out

function sqlite(db, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-readonly', db, sql], { timeout: 10000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`sqlite3 ${sql} failed: ${stderr || error.message}`));
      else resolve(String(stdout).trim());
    });
  });
}

/**
 * Waits until the server's delivery queue has nothing queued or being sent (every text, call and
 * email has reached the gateway or the SMTP server, or failed), and asserts that none failed.
 */
async function settled(server, timeoutMs = 15000) {
  const db = path.join(server.dir, 'tessera.db');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // DeliveryStatus: 0 queued, 1 sending, 2 sent, 3 failed.
    const unsent = Number(await sqlite(db, 'SELECT count(*) FROM deliveries WHERE status IN (0, 1);'));
    if (unsent === 0) break;
    if (Date.now() > deadline) assert.fail(`the server still had ${unsent} deliveries to send after ${timeoutMs} ms`);
    await sleep(50);
  }
  const failed = Number(await sqlite(db, 'SELECT count(*) FROM deliveries WHERE status = 3;'));
  assert.equal(failed, 0, 'no text, call or email should have failed');
}

/** The bodies of the texts the gateway took for `to`, in order. */
const textsTo = (gateway, to) => gateway.texts.filter((t) => t.to === to).map((t) => t.body);

/** What the SMTP server got, as {to, subject, text} (the text part trimmed), in order. */
async function emails(sink) {
  return (await sink.messages()).map((m) => ({ to: m.rcpt.join(' '), subject: m.subject, text: (m.text ?? '').trim() }));
}

/** Like `textsTo`, but a code text is written as "code" (its digits differ every run). */
const textsToShown = (gateway, to) => textsTo(gateway, to).map((b) => (CODE_TEXT.test(b) ? 'code' : b));
/** Like `emails`, but a verification code email is written as "code". */
async function emailsShown(sink) {
  return (await emails(sink)).map((m) => (m.subject === CODE_SUBJECT ? `code to ${m.to}` : m));
}
const emailNotice = (what, kind) => ({ to: ADDRESS, subject: NOTICE_SUBJECT, text: notice(what, kind) });

// ---------------------------------------------------------------- pages

const oneLine = (text) => text.replace(/\s+/g, ' ').trim();

/**
 * The methods Security info's "Sign-in methods" list names, each as one line without its buttons'
 * words ("Phone +44 7400 123456"); every item has its "Change <kind>" and "Delete <kind>" buttons.
 */
async function listedMethods(page) {
  await expectHeading(page, 'Security info');
  const items = page.getByRole('list', { name: 'Sign-in methods', exact: true }).getByRole('listitem');
  const out = [];
  for (const item of await items.all()) {
    const kind = oneLine(await item.locator('.method-kind').innerText());
    for (const button of [`Change ${kind}`, `Delete ${kind}`]) {
      assert.equal(await item.getByRole('button', { name: button, exact: true }).count(), 1,
        `the ${kind} should have a "${button}" button: ${oneLine(await item.innerText())}`);
    }
    let text = oneLine(await item.innerText());
    for (const button of ['Delete', 'Change']) {
      if (text.endsWith(button)) text = text.slice(0, -button.length).trim();
    }
    out.push(text);
  }
  return out;
}

async function expectDefault(page, label) {
  await expectText(page, `Default sign-in method: ${label} Change`, 'Security info');
}

/** The first sign-in of an Enabled user, registering the authenticator app; ends on Security info. */
async function signInRegisteringApp(page, server, clock, shot) {
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  const secret = await registerApp(page, clock, shot, 'qr-first-app');
  await staySignedIn(page, 'No');
  assert.deepEqual(await listedMethods(page), ['Authenticator app']);
  return secret;
}

/** The first sign-in of an Enabled user, registering PHONE by text; ends on Security info. */
async function signInRegisteringPhone(page, server, gateway) {
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  await expectHeading(page, 'More information required');
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Keep your account secure');
  await page.getByRole('radio', { name: 'Phone', exact: true }).check();
  await clickAndWait(page, 'Next');
  const before = gateway.texts.length;
  await enterPhone(page);
  await expectHeading(page, 'Enter code');
  const code = codeOf(await gateway.waitForText(PHONE.e164, { since: before }));
  await untilSettled(page);
  await submitCode(page, code);
  await staySignedIn(page, 'No');
  assert.deepEqual(await listedMethods(page), [`Phone ${PHONE.shown}`]);
  await expectDefault(page, `Phone – text ${PHONE.shown}`);
}

/**
 * From Security info, a little later (the test clock moves 5 s, so the methods' creation times,
 * and with them the order Security info lists them in, follow the order they were added in):
 * "Add sign-in method", choose `kind`, Add; ends on the method's first page.
 */
async function startAdding(page, clock, kind) {
  await clock.advance(5);
  await clickAndWait(page, 'Add sign-in method');
  await expectHeading(page, 'Keep your account secure');
  await page.getByRole('radio', { name: kind, exact: true }).check();
  await clickAndWait(page, 'Add');
}

/** From Security info, adds PHONE by text with the code the gateway got; ends on Security info. */
async function addPhone(page, clock, gateway) {
  await startAdding(page, clock, 'Phone');
  const before = gateway.texts.length;
  await enterPhone(page);
  await expectHeading(page, 'Enter code');
  await submitCode(page, codeOf(await gateway.waitForText(PHONE.e164, { since: before })));
  assert.ok((await listedMethods(page)).includes(`Phone ${PHONE.shown}`), 'the phone is added');
}

/** From Security info, adds the email ADDRESS with the code the SMTP server got; ends on Security info. */
async function addEmail(page, clock, sink) {
  await startAdding(page, clock, 'Email');
  await expectHeading(page, 'Email');
  const since = (await sink.messages()).length;
  await field(page, 'Email address').fill(ADDRESS);
  await clickAndWait(page, 'Next');
  await expectHeading(page, 'Enter code');
  const message = await sink.waitForMessage({ to: ADDRESS, subject: CODE_SUBJECT, since });
  await submitCode(page, emailCodeOf(message));
  assert.ok((await listedMethods(page)).includes(`Email ${ADDRESS}`), 'the email is added');
}

/** From Security info, adds a phone `number` by a call the gateway answers with #; ends on Security info. */
async function addByCall(page, gateway, { kind, number, e164, shot }) {
  const before = gateway.calls.length;
  await enterPhone(page, { number, way: 'Call me', heading: kind, shot });
  await expectHeading(page, 'Approve sign in request');
  const call = await gateway.waitForCall(e164, { since: before });
  const answered = await gateway.answer(call, '#');
  assert.match(answered.firstTwiml.says.join(' '), /You are adding this phone to your account\./);
  assert.deepEqual(answered.finalTwiml?.says, [CALL_DONE], `the call's answer: ${answered.final?.body}`);
  // Nobody touches the page: it moves on by itself.
  await expectHeading(page, 'Security info', MOVES_ON_WITHIN_MS);
}

/** From Security info: "Delete <kind>", then OK on "Delete <kind>?"; ends on Security info. */
async function deleteMethod(page, kind, shot) {
  await clickAndWait(page, `Delete ${kind}`);
  await expectHeading(page, `Delete ${kind.toLowerCase()}?`);
  if (shot) await shot(page, `delete-${kind.toLowerCase().replace(/ /g, '-')}`);
  await clickAndWait(page, 'OK');
  await expectHeading(page, 'Security info');
}

async function newestSignIn(server) {
  const rows = await server.signIns();
  const row = rows.find((r) => r.UPN === server.upn);
  assert.ok(row, `a sign-in of ${server.upn} should be logged:\n${describeRows(rows)}`);
  return { row, rows };
}

async function audit(server) {
  const r = await server.cli(['log', 'audit']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

// ---------------------------------------------------------------- the tests

test('"Change" of the default sign-in method from the app to the phone: the next sign-in texts a code first',
  { timeout: 60000 }, async (t) => {
    await withChangesServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      await signInRegisteringApp(page, server, clock, shot);
      await addPhone(page, clock, gateway);
      await expectDefault(page, APP_DEFAULT);
      await shot(page, 'security-info-app-default');

      const change = page.getByRole('link', { name: 'Change default sign-in method', exact: true });
      assert.equal((await change.innerText()).trim(), 'Change', 'the link reads "Change"');
      await followLink(page, 'Change default sign-in method');
      await expectHeading(page, 'Change default method');
      const radios = page.getByRole('radio');
      const labels = [];
      for (const radio of await radios.all()) {
        labels.push(oneLine(await page.locator(`label[for="${await radio.getAttribute('id')}"]`).innerText()));
      }
      assert.deepEqual(labels, [APP_DEFAULT, `Phone – text ${PHONE.shown}`], 'one choice per method');
      const appChoice = page.getByRole('radio', { name: APP_DEFAULT, exact: true });
      const phoneChoice = page.getByRole('radio', { name: `Phone – text ${PHONE.shown}`, exact: true });
      assert.ok(await appChoice.isChecked(), 'the present default is chosen');
      assert.ok(!await phoneChoice.isChecked());
      await shot(page, 'change-default-method');

      // Cancel changes nothing.
      await phoneChoice.check();
      await followLink(page, 'Cancel');
      await expectHeading(page, 'Security info');
      await expectDefault(page, APP_DEFAULT);

      const textsBefore = gateway.texts.length;
      await followLink(page, 'Change default sign-in method');
      await page.getByRole('radio', { name: `Phone – text ${PHONE.shown}`, exact: true }).check();
      await shot(page, 'phone-chosen');
      await clickAndWait(page, 'Confirm');
      await expectHeading(page, 'Security info');
      assert.equal(await page.getByRole('alert').count(), 0, `no alert: ${await pageState(page)}`);
      await expectDefault(page, `Phone – text ${PHONE.shown}`);
      await shot(page, 'security-info-phone-default');
      assert.match(await audit(server), /method\.default.*default phone/, 'the change is audited');

      // The phone, a method the user has, hears of it.
      const told = await gateway.waitForText(PHONE.e164, { since: textsBefore });
      assert.equal(told.body, noticeText(DEFAULT_CHANGED, 'Phone'));
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164), ['code', noticeText(DEFAULT_CHANGED, 'Phone')],
        'the phone got its registration code and the notice, nothing else');

      // The next sign-in goes to the phone first: a text, not the app's code.
      await signOut(page);
      const before = gateway.texts.length;
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'Enter code');
      await expectText(page, `We texted your phone ${PHONE.masked}. Please enter the code to sign in.`, '"Enter code"');
      assert.doesNotMatch(await bodyText(page), new RegExp(APP_CODE_TEXT), 'the app is not asked for first');
      const text = await gateway.waitForText(PHONE.e164, { since: before });
      assert.match(text.body, CODE_TEXT);
      await untilSettled(page);
      await shot(page, 'sign-in-texts-first');
      await submitCode(page, codeOf(text));
      await staySignedIn(page, 'No');
      await expectDefault(page, `Phone – text ${PHONE.shown}`);
      const { row, rows } = await newestSignIn(server);
      assert.ok(row.RESULT === 'success' && row.METHOD === 'phone', `signed in by the phone:\n${describeRows(rows)}`);
    });
  });

test('"Change Phone" to a new number: cancelled it leaves the old one; verified by the new number\'s code it replaces it',
  { timeout: 60000 }, async (t) => {
    await withChangesServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      await signInRegisteringPhone(page, server, gateway);
      // The app beside it, so that which one is the default is the server's word, not the only
      // method's (Security info shows the first method when none is the default).
      await startAdding(page, clock, 'Authenticator app');
      await setUpApp(page, clock, shot, 'qr-app');
      assert.deepEqual(await listedMethods(page), [`Phone ${PHONE.shown}`, 'Authenticator app']);
      await expectDefault(page, `Phone – text ${PHONE.shown}`);
      await shot(page, 'security-info-old-phone');
      const appAdded = noticeText(ADDED, 'Authenticator app');

      // A change begun, the new number's code texted, then cancelled: the old phone stays.
      await clickAndWait(page, 'Change Phone');
      await enterPhone(page, { number: NEW_PHONE.typed, shot });
      await expectHeading(page, 'Enter code');
      await expectText(page, `We just sent a 6 digit code to ${NEW_PHONE.shown}. Enter the code below.`, '"Enter code"');
      await gateway.waitForText(NEW_PHONE.e164);
      await followLink(page, 'Cancel');
      assert.deepEqual(await listedMethods(page), [`Phone ${PHONE.shown}`, 'Authenticator app'],
        'the old phone is still there');
      await expectDefault(page, `Phone – text ${PHONE.shown}`);
      await shot(page, 'change-cancelled');
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164), ['code', appAdded], 'a cancelled change tells nobody');

      // The change done, a little later (the new phone is then the newest method, listed last):
      // the new number's code replaces the old phone, which stays the default.
      await clock.advance(5);
      await clickAndWait(page, 'Change Phone');
      const before = gateway.texts.length;
      await enterPhone(page, { number: NEW_PHONE.typed });
      await expectHeading(page, 'Enter code');
      const code = codeOf(await gateway.waitForText(NEW_PHONE.e164, { since: before }));
      await shot(page, 'enter-code-new-number');
      await submitCode(page, code);
      assert.deepEqual(await listedMethods(page), ['Authenticator app', `Phone ${NEW_PHONE.shown}`],
        'the new number is listed, the old one is gone');
      await expectDefault(page, `Phone – text ${NEW_PHONE.shown}`);
      await shot(page, 'security-info-new-phone');
      assert.match(await audit(server), /method\.change.*changed phone on Security info/, 'the change is audited');

      // The old number hears of the change; the new one only got its codes.
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164), ['code', appAdded, noticeText(CHANGED, 'Phone')]);
      assert.deepEqual(textsToShown(gateway, NEW_PHONE.e164), ['code', 'code']);

      // The next sign-in texts the new number (in a new send window: three codes went out).
      await signOut(page);
      await clock.advance(10 * MINUTE);
      const signInBefore = gateway.texts.length;
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'Enter code');
      await expectText(page, `We texted your phone ${NEW_PHONE.masked}. Please enter the code to sign in.`, '"Enter code"');
      const text = await gateway.waitForText(NEW_PHONE.e164, { since: signInBefore });
      await untilSettled(page);
      await shot(page, 'sign-in-texts-new-number');
      await submitCode(page, codeOf(text));
      await staySignedIn(page, 'No');
      assert.deepEqual(await listedMethods(page), ['Authenticator app', `Phone ${NEW_PHONE.shown}`]);
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164), ['code', appAdded, noticeText(CHANGED, 'Phone')],
        'nothing more went to the old number');
      const { row, rows } = await newestSignIn(server);
      assert.ok(row.RESULT === 'success' && row.METHOD === 'phone', `signed in by the phone:\n${describeRows(rows)}`);
    });
  });

test('"Change Authenticator app": the old app works until the new one is verified, then only the new one does',
  { timeout: 60000 }, async (t) => {
    await withChangesServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      const oldSecret = await signInRegisteringApp(page, server, clock, shot);

      // A change cancelled at the QR code.
      await clickAndWait(page, 'Change Authenticator app');
      const cancelledSecret = await scanQr(page, shot, 'qr-cancelled-change');
      assert.notEqual(cancelledSecret, oldSecret, 'a change shows a new secret');
      await shot(page, 'change-app-qr');
      await followLink(page, 'Cancel');
      assert.deepEqual(await listedMethods(page), ['Authenticator app']);

      // A change never verified: the old app's code does not verify the new one.
      await clickAndWait(page, 'Change Authenticator app');
      const unverifiedSecret = await scanQr(page, shot, 'qr-unverified-change');
      assert.notEqual(unverifiedSecret, oldSecret);
      await clickAndWait(page, 'Next');
      await submitCode(page, await totp(oldSecret, clock.step()));
      await expectHeading(page, 'Enter code');
      await expectAlert(page, WRONG_CODE);
      await shot(page, 'old-code-does-not-verify-new-app');
      await followLink(page, 'Cancel');
      assert.deepEqual(await listedMethods(page), ['Authenticator app']);
      await expectDefault(page, APP_DEFAULT);

      // The old app still signs in; the unverified new one does not.
      await signOut(page);
      await clock.advance(30);
      await signInToAppCode(page, server, gateway);
      await submitCode(page, await totp(unverifiedSecret, clock.step()));
      await expectAlert(page, WRONG_CODE);
      await submitCode(page, await totp(oldSecret, clock.step()));
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');

      // The change verified: the new app replaces the old one and stays the default.
      await clickAndWait(page, 'Change Authenticator app');
      const newSecret = await setUpApp(page, clock, shot, 'qr-new-app');
      assert.notEqual(newSecret, oldSecret);
      assert.deepEqual(await listedMethods(page), ['Authenticator app'], 'one app, the new one');
      await expectDefault(page, APP_DEFAULT);
      await shot(page, 'security-info-new-app');
      assert.match(await audit(server), /method\.change.*changed authenticator_app on Security info/,
        'the change is audited');

      // At the next sign-in the old app's code is refused and the new one's is taken.
      await signOut(page);
      await clock.advance(30);
      if (await totp(oldSecret, clock.step()) === await totp(newSecret, clock.step())) await clock.advance(30);
      await signInToAppCode(page, server, gateway);
      await submitCode(page, await totp(oldSecret, clock.step()));
      await expectHeading(page, 'Enter code');
      await expectAlert(page, WRONG_CODE);
      await shot(page, 'old-app-refused');
      let { row, rows } = await newestSignIn(server);
      assert.ok(row.RESULT === 'failure' && row.REASON === 'wrong_code', `the old code fails:\n${describeRows(rows)}`);
      await submitCode(page, await totp(newSecret, clock.step()));
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await shot(page, 'signed-in-with-new-app');
      ({ row, rows } = await newestSignIn(server));
      assert.ok(row.RESULT === 'success' && row.METHOD === 'authenticator_app',
        `the new app signs in:\n${describeRows(rows)}`);
      assert.equal(gateway.texts.length + gateway.calls.length, 0, 'an app-only user gets no texts or calls');
    });
  });

test('notices: adds, deletes, a change and a default change are texted to the phone and emailed to the email, never called',
  { timeout: 90000 }, async (t) => {
    await withChangesServer(t.name, {}, async ({ server, clock, gateway, sink, page, shot }) => {
      const secret = await signInRegisteringApp(page, server, clock, shot);
      // The app hears nothing, having nothing to carry a notice.
      await addPhone(page, clock, gateway);
      await addEmail(page, clock, sink);
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164), ['code', noticeText(ADDED, 'Email')],
        'the phone hears of the email');
      assert.deepEqual(await emailsShown(sink), [`code to ${ADDRESS}`], 'the new email hears nothing of itself');

      // An alternate phone added: a text to the phone, an email to the email.
      await startAdding(page, clock, 'Alternate phone');
      await addByCall(page, gateway, { kind: 'Alternate phone', number: ALTERNATE.typed, e164: ALTERNATE.e164, shot });
      assert.deepEqual(await listedMethods(page),
        ['Authenticator app', `Phone ${PHONE.shown}`, `Email ${ADDRESS}`, `Alternate phone ${ALTERNATE.shown}`]);
      await shot(page, 'security-info-four-methods');
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164),
        ['code', noticeText(ADDED, 'Email'), noticeText(ADDED, 'Alternate phone')]);
      const added = await emailsShown(sink);
      assert.deepEqual(added, [`code to ${ADDRESS}`, emailNotice(ADDED, 'Alternate phone')]);
      const noticeEmail = (await sink.messages()).at(-1);
      assert.deepEqual(noticeEmail.types, ['multipart/alternative', 'text/plain', 'text/html']);
      assert.ok(noticeEmail.html.includes(`${ADDED}: Alternate phone.`), `the HTML part says it too: ${noticeEmail.html}`);
      assert.doesNotMatch(noticeEmail.html + noticeEmail.text, /http|<a\b|<img/i, 'a notice has no links or images');

      // The email deleted: it hears of it too, and so does the phone.
      await deleteMethod(page, 'Email', shot);
      assert.deepEqual(await listedMethods(page),
        ['Authenticator app', `Phone ${PHONE.shown}`, `Alternate phone ${ALTERNATE.shown}`]);
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164),
        ['code', noticeText(ADDED, 'Email'), noticeText(ADDED, 'Alternate phone'), noticeText(REMOVED, 'Email')]);
      assert.deepEqual(await emailsShown(sink),
        [`code to ${ADDRESS}`, emailNotice(ADDED, 'Alternate phone'), emailNotice(REMOVED, 'Email')]);

      // The default changed to the phone, and back: the phone hears of each.
      await followLink(page, 'Change default sign-in method');
      await page.getByRole('radio', { name: `Phone – text ${PHONE.shown}`, exact: true }).check();
      await clickAndWait(page, 'Confirm');
      await expectDefault(page, `Phone – text ${PHONE.shown}`);
      await followLink(page, 'Change default sign-in method');
      const ways = await page.getByRole('radio').count();
      assert.equal(ways, 3, 'the app, the phone and the alternate phone can each be the default');
      await page.getByRole('radio', { name: APP_DEFAULT, exact: true }).check();
      await clickAndWait(page, 'Confirm');
      await expectDefault(page, APP_DEFAULT);
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164).slice(4),
        [noticeText(DEFAULT_CHANGED, 'Phone'), noticeText(DEFAULT_CHANGED, 'Authenticator app')]);

      // Eleven minutes on (a new send window, and a step-up with the app's code), the phone is
      // changed to take calls: the old phone, which took texts, hears of it.
      await clock.advance(11 * MINUTE);
      await clickAndWait(page, 'Change Phone');
      await expectAlert(page, NEEDS_PROOF);
      await followLink(page, 'Verify with a code from your authenticator app');
      await expectHeading(page, 'Enter code');
      assert.equal(await page.getByRole('link', { name: 'Verify another way', exact: true }).count(), 1,
        'with more than one way, "Verify another way" is offered');
      await shot(page, 'step-up-app-code');
      await submitCode(page, await totp(secret, clock.step()));
      await expectHeading(page, 'Security info');
      await clickAndWait(page, 'Change Phone');
      await addByCall(page, gateway, { kind: 'Phone', number: PHONE.typed, e164: PHONE.e164 });
      assert.deepEqual(await listedMethods(page),
        ['Authenticator app', `Alternate phone ${ALTERNATE.shown}`, `Phone ${PHONE.shown}`]);
      await expectDefault(page, APP_DEFAULT);
      await settled(server);
      assert.deepEqual(textsToShown(gateway, PHONE.e164).slice(6), [noticeText(CHANGED, 'Phone')]);

      // The alternate phone deleted: nobody is told, the phone now taking calls, the alternate
      // phone only calls, and the app carries nothing.
      const sent = { texts: gateway.texts.length, calls: gateway.calls.length, emails: (await sink.messages()).length };
      await deleteMethod(page, 'Alternate phone', shot);
      assert.deepEqual(await listedMethods(page), ['Authenticator app', `Phone ${PHONE.shown}`]);
      await shot(page, 'security-info-after-deletes');
      await settled(server);
      assert.deepEqual({ texts: gateway.texts.length, calls: gateway.calls.length, emails: (await sink.messages()).length },
        sent, 'no notice goes to a phone that takes calls');
      assert.deepEqual(gateway.calls.map((c) => c.to), [ALTERNATE.e164, PHONE.e164],
        'the only calls were the two registrations\'');
      assert.deepEqual(textsTo(gateway, ALTERNATE.e164), [], 'nothing is texted to the alternate phone');
    });
  });

test('step-up with the phone after 11 minutes: "Verify your identity" by a text\'s code, then by a call answered with #',
  { timeout: 90000 }, async (t) => {
    await withChangesServer(t.name, { policies: { allowed_methods: WITH_EMAIL } }, async ({ server, clock, gateway, sink, page, shot }) => {
      await signInRegisteringPhone(page, server, gateway);
      await startAdding(page, clock, 'Authenticator app');
      await setUpApp(page, clock, shot, 'qr-app');
      assert.deepEqual(await listedMethods(page), [`Phone ${PHONE.shown}`, 'Authenticator app']);
      const told = await gateway.waitForText(PHONE.e164, { since: 1 });
      assert.equal(told.body, noticeText(ADDED, 'Authenticator app'), 'the phone hears of the app');
      await addEmail(page, clock, sink);
      await expectDefault(page, `Phone – text ${PHONE.shown}`);

      // Eleven minutes after the sign-in, a change of the default and deleting the email are
      // refused until it's you again.
      await clock.advance(11 * MINUTE);
      await followLink(page, 'Change default sign-in method');
      await page.getByRole('radio', { name: APP_DEFAULT, exact: true }).check();
      await clickAndWait(page, 'Confirm');
      await expectHeading(page, 'Security info');
      await expectAlert(page, NEEDS_PROOF);
      await expectDefault(page, `Phone – text ${PHONE.shown}`);
      await deleteMethod(page, 'Email');
      await expectAlert(page, NEEDS_PROOF);
      assert.deepEqual(await listedMethods(page), [`Phone ${PHONE.shown}`, 'Authenticator app', `Email ${ADDRESS}`],
        'nothing was deleted');
      await shot(page, 'verify-first');
      await settled(server);
      const before = { texts: gateway.texts.length, calls: gateway.calls.length, emails: (await sink.messages()).length };
      await followLink(page, 'Verify with your phone');
      assert.deepEqual(await waysOffered(page),
        [`Text ${PHONE.masked}`, `Call ${PHONE.masked}`, APP_WAY, `Email ${MASKED_ADDRESS}`],
        'the default (the phone) first, then the app and the email');
      await shot(page, 'verify-your-identity');
      await settled(server);
      assert.deepEqual({ texts: gateway.texts.length, calls: gateway.calls.length, emails: (await sink.messages()).length },
        before, 'showing the ways sends nothing');

      // By text: a wrong code is refused, the texted one lets the change through.
      await clickAndWait(page, `Text ${PHONE.masked}`);
      await expectHeading(page, 'Enter code');
      await expectText(page, `We texted your phone ${PHONE.masked}.`, 'the step-up\'s "Enter code"');
      const text = await gateway.waitForText(PHONE.e164, { since: before.texts });
      assert.match(text.body, CODE_TEXT);
      await untilSettled(page);
      await shot(page, 'step-up-enter-code');
      const code = codeOf(text);
      await submitCode(page, code.slice(0, 5) + String((Number(code[5]) + 1) % 10));
      await expectHeading(page, 'Enter code');
      await expectAlert(page, WRONG_CODE);
      await submitCode(page, code);
      await expectHeading(page, 'Security info');
      assert.equal(await page.getByRole('alert').count(), 0, `no alert after the step-up: ${await pageState(page)}`);
      await deleteMethod(page, 'Email');
      assert.equal(await page.getByRole('alert').count(), 0, `the delete is allowed: ${await pageState(page)}`);
      assert.deepEqual(await listedMethods(page), [`Phone ${PHONE.shown}`, 'Authenticator app']);
      await shot(page, 'email-deleted-after-text-step-up');

      // Eleven minutes later, by a call: the calling page looks again by itself until # is pressed.
      await clock.advance(11 * MINUTE);
      await clickAndWait(page, 'Change Phone');
      await expectHeading(page, 'Security info');
      await expectAlert(page, NEEDS_PROOF);
      await followLink(page, 'Verify with your phone');
      assert.deepEqual(await waysOffered(page), [`Text ${PHONE.masked}`, `Call ${PHONE.masked}`, APP_WAY]);
      const callsBefore = gateway.calls.length;
      await clickAndWait(page, `Call ${PHONE.masked}`);
      await expectHeading(page, 'Approve sign in request');
      await expectText(page, `We're calling your phone ${PHONE.masked}. Please answer it to continue.`, 'the calling page');
      await shot(page, 'step-up-calling');
      const call = await gateway.waitForCall(PHONE.e164, { since: callsBefore });
      await afterItsRefresh(page, 'the calling page');
      await expectHeading(page, 'Approve sign in request');
      const answered = await gateway.answer(call, '#');
      assert.deepEqual(answered.finalTwiml?.says, [CALL_DONE], `the call's answer: ${answered.final?.body}`);
      // Nobody touches the page: it moves on by itself, back to Security info.
      await expectHeading(page, 'Security info', MOVES_ON_WITHIN_MS);
      assert.equal(await page.getByRole('alert').count(), 0, `no alert after the call: ${await pageState(page)}`);
      await shot(page, 'security-info-after-call-step-up');
      await clickAndWait(page, 'Change Phone');
      await expectHeading(page, 'Phone');
      await shot(page, 'change-phone-allowed');
      await followLink(page, 'Cancel');
      assert.deepEqual(await listedMethods(page), [`Phone ${PHONE.shown}`, 'Authenticator app']);
      await expectDefault(page, `Phone – text ${PHONE.shown}`);
      assert.equal(gateway.calls.length, callsBefore + 1, 'one call');
    });
  });
