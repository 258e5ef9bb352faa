// Two more sign-in methods in the browser: the email (a 6-digit code sent by email to an address
// outside the organization) and the alternate phone (calls only). Emails go over SMTP to a real
// SMTP server, Debian's aiosmtpd (smtp_sink.mjs), through the server's own mailer; calls go to the
// tests' Twilio-shaped gateway (twilio_gateway.mjs), which answers them with #.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  clickAndWait, describeRows, expectAlert, expectHeading, field, launchBrowser,
} from './tessera.mjs';
import { registerAuthenticator, signInWithPassword, staySignedIn, submitCode } from './journey.mjs';
import {
  APP_WAY, CALL_DONE, expectText, FROM, MOVES_ON_WITHIN_MS, otherWays, PASSWORD, PHONE, refreshes,
  signInToAppCode, signOut, TENANT, UK, untilSettled, withGatewayServer, WRONG_CODE,
} from './phone_journey.mjs';
import { emailCodeOf } from './smtp_sink.mjs';

const SUBJECT = `${TENANT} verification code`;
const ADDRESS = 'alice@example.net';
const MASKED_ADDRESS = 'al*****@example.net';
const EMAIL_WAY = `Email ${MASKED_ADDRESS}`;
const OUTSIDE_ONLY = "Use an email address outside your organization: it's how we reach you when you can't sign in.";
const DEFAULT_METHODS = 'app_notification,app_code,text_message,phone_call';
const WITH_EMAIL = 'app_code,text_message,phone_call,email';
const { typed: TYPED_NUMBER, e164: E164, shown: SHOWN, masked: MASKED_PHONE } = PHONE;

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/**
 * Runs body({server, sink, gateway, context, page, shot}) with an SMTP sink, a Twilio-shaped
 * gateway and a tessera whose [email] and [phone] point at them. The user (password PASSWORD) is
 * Enabled, so the first sign-in registers a method.
 */
const withMethodsServer = (name, serverOptions, body) =>
  withGatewayServer(browser, name, { smtp: true, ...serverOptions }, body);

const oneLine = (text) => text.replace(/\s+/g, ' ').trim();

/**
 * The methods Security info's "Sign-in methods" list names, each as one line of text without its
 * buttons' words ("Email alice@example.net"); every item must have its Delete button.
 */
async function listedMethods(page) {
  await expectHeading(page, 'Security info');
  const items = page.getByRole('list', { name: 'Sign-in methods', exact: true }).getByRole('listitem');
  const out = [];
  for (const item of await items.all()) {
    let text = oneLine(await item.innerText());
    const buttons = (await item.getByRole('button').allInnerTexts()).map(oneLine);
    assert.ok(buttons.includes('Delete'), `each listed method should have a Delete button: ${JSON.stringify(text)}`);
    for (const button of buttons.reverse()) {
      if (text.endsWith(button)) text = text.slice(0, -button.length).trim();
    }
    out.push(text);
  }
  return out;
}

/** The first sign-in of an Enabled user: password, then an authenticator app; ends on Security info. */
async function signInRegisteringApp(page, server, shot) {
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  await registerAuthenticator(page, server.upn, shot);
  await staySignedIn(page, 'No');
  assert.deepEqual(await listedMethods(page), ['Authenticator app']);
}

/** From Security info: "Add sign-in method", choose `kind`, Add; ends on the method's first page. */
async function startAdding(page, kind, shot) {
  await clickAndWait(page, 'Add sign-in method');
  await expectHeading(page, 'Keep your account secure');
  await page.getByRole('radio', { name: kind, exact: true }).check();
  await shot(page, `add-a-method-${kind.toLowerCase().replace(/ /g, '-')}`);
  await clickAndWait(page, 'Add');
  await expectHeading(page, kind);
}

/** On the "Email" page: types the address and presses Next. */
async function enterAddress(page, address) {
  await expectHeading(page, 'Email');
  await field(page, 'Email address').fill(address);
  await clickAndWait(page, 'Next');
}

/** From Security info, adds the email `address` with the code the SMTP server gets; ends on Security info. */
async function addEmail(page, sink, address, shot) {
  await startAdding(page, 'Email', shot);
  const since = (await sink.messages()).length;
  await enterAddress(page, address);
  await expectHeading(page, 'Enter code');
  await expectText(page, `We just sent a code to ${address}. Enter the code below.`, '"Enter code"');
  const message = await sink.waitForMessage({ to: address, subject: SUBJECT, since });
  await submitCode(page, emailCodeOf(message));
  const items = await listedMethods(page);
  assert.ok(items.includes(`Email ${address}`), `Security info should list the email ${address}: ${JSON.stringify(items)}`);
  return message;
}

/** A 6-digit code that is not `code`. */
const otherThan = (code) => code.slice(0, 5) + String((Number(code[5]) + 1) % 10);

test('a signed-in user adds an email on Security info with the code the SMTP server receives',
  { timeout: 90000 }, async (t) => {
    await withMethodsServer(t.name, {}, async ({ server, sink, context, page, shot }) => {
      await signInRegisteringApp(page, server, shot);
      await startAdding(page, 'Email', shot);
      await expectText(page, 'You can use an email address outside your organization to get a code',
        'the "Email" page');
      await field(page, 'Email address').fill(ADDRESS);
      await shot(page, 'email-address');
      assert.equal((await sink.messages()).length, 0, 'nothing is emailed before the address is given');
      await clickAndWait(page, 'Next');

      await expectHeading(page, 'Enter code');
      await expectText(page, `We just sent a code to ${ADDRESS}. Enter the code below.`, '"Enter code"');
      const message = await sink.waitForMessage({ to: ADDRESS });
      await shot(page, 'enter-code-email-registration');

      // The message as it reached the SMTP server.
      assert.equal(message.mailFrom, FROM, 'MAIL FROM should be [email] from');
      assert.deepEqual(message.rcpt, [ADDRESS], 'the one recipient should be the typed address');
      assert.equal(message.from, `${TENANT} <${FROM}>`, 'the From header should name the tenant');
      assert.equal(message.to, ADDRESS);
      assert.equal(message.subject, SUBJECT);
      assert.equal(message.tls, false, 'smtp_security = "none" speaks plain SMTP');
      assert.deepEqual(message.types, ['multipart/alternative', 'text/plain', 'text/html'],
        `the email should be a text part and an HTML part: ${JSON.stringify(message.types)}`);
      const code = emailCodeOf(message);
      assert.match(message.text, new RegExp(`^Use verification code ${code} for ${TENANT} authentication\\.`),
        `the text part: ${JSON.stringify(message.text)}`);
      assert.match(message.text, /You're adding this email address to your tessera account\./);
      assert.ok(message.html.includes(code), `the HTML part should hold the code ${code}: ${message.html}`);
      for (const [part, body] of [['text', message.text], ['HTML', message.html]]) {
        assert.doesNotMatch(body, /http/i, `the ${part} part should have no link: ${body}`);
        assert.ok(!body.includes(PASSWORD), `the ${part} part should not hold the password`);
      }
      assert.doesNotMatch(message.html, /<img|<a\b|<link|url\(/i,
        `the HTML part should need nothing from outside: ${message.html}`);
      assert.doesNotMatch(message.raw, /<img/i);

      // The email as a person reads it: rendered, it fetches nothing and shows the code.
      const inbox = await context.newPage();
      const fetched = [];
      inbox.on('request', (request) => { if (!/^(about|data):/.test(request.url())) fetched.push(request.url()); });
      await inbox.setContent(message.html, { waitUntil: 'load' });
      await inbox.getByText(code, { exact: true }).waitFor({ timeout: 2000 });
      await shot(inbox, 'email-as-received');
      assert.deepEqual(fetched, [], 'the rendered email should fetch nothing');
      await inbox.close();

      await submitCode(page, code);
      const items = await listedMethods(page);
      assert.deepEqual(items, ['Authenticator app', `Email ${ADDRESS}`]);
      await expectText(page, 'Default sign-in method: Authenticator app – code', 'Security info');
      await shot(page, 'security-info-with-email');

      const audit = await server.cli(['log', 'audit']);
      assert.match(audit.stdout, /method\.add.*added email on Security info/,
        `the new email should be audited:\n${audit.stdout}`);
      const codes = (await sink.messages()).filter((m) => m.subject === SUBJECT);
      assert.equal(codes.length, 1, 'one code should have been emailed');
    });
  });

test('an address in the organization\'s domains is refused; one outside is taken',
  { timeout: 90000 }, async (t) => {
    await withMethodsServer(t.name, {
      upn: 'alice@contoso.com', policies: { organization_domains: 'contoso.com' },
    }, async ({ server, sink, page, shot }) => {
      await signInRegisteringApp(page, server, shot);
      await startAdding(page, 'Email', shot);
      const refused = ['alice@contoso.com', 'x@mail.contoso.com', 'Alice@CONTOSO.com'];
      for (const address of refused) {
        await enterAddress(page, address);
        await expectHeading(page, 'Email');
        await expectAlert(page, OUTSIDE_ONLY);
        if (address === refused[0]) await shot(page, 'organization-address-refused');
      }

      const outside = 'alice.home@notcontoso.com';  // ends like contoso.com, but is not in it
      await enterAddress(page, outside);
      await expectHeading(page, 'Enter code');
      const message = await sink.waitForMessage({ to: outside, subject: SUBJECT });
      await submitCode(page, emailCodeOf(message));
      const items = await listedMethods(page);
      assert.deepEqual(items, ['Authenticator app', `Email ${outside}`]);
      await shot(page, 'security-info-outside-email');
      const sent = (await sink.messages()).flatMap((m) => m.rcpt);
      assert.ok(sent.includes(outside) && sent.every((to) => to === outside),
        `nothing should be emailed to the refused addresses: ${JSON.stringify(sent)}`);
    });
  });

test('with email allowed by the policy, a user signs in with an emailed code via "Sign in another way"',
  { timeout: 90000 }, async (t) => {
    await withMethodsServer(t.name, {}, async ({ server, sink, page, shot }) => {
      await signInRegisteringApp(page, server, shot);
      await addEmail(page, sink, ADDRESS, shot);
      await signOut(page);

      // The default policy does not let the email serve sign-in: it is not offered.
      const show = await server.cli(['policy', 'show']);
      assert.match(show.stdout, new RegExp(`allowed_methods\\s*=?\\s*${DEFAULT_METHODS}`), show.stdout);
      await signInToAppCode(page, server);
      const withoutEmail = await otherWays(page);
      assert.deepEqual(withoutEmail, [APP_WAY],
        `without email in allowed_methods, only the app should be offered: ${JSON.stringify(withoutEmail)}`);
      await shot(page, 'other-ways-email-not-allowed');

      const set = await server.cli(['policy', 'set', 'allowed_methods', WITH_EMAIL]);
      assert.equal(set.code, 0, `policy set allowed_methods failed:\n${set.stdout}${set.stderr}`);
      const before = (await sink.messages()).length;
      await signInToAppCode(page, server);
      const ways = await otherWays(page);
      assert.deepEqual(ways, [APP_WAY, EMAIL_WAY], `the ways offered: ${JSON.stringify(ways)}`);
      await shot(page, 'other-ways-with-email');
      await clickAndWait(page, EMAIL_WAY);

      await expectHeading(page, 'Enter code');
      await expectText(page, `We emailed a code to ${MASKED_ADDRESS}. Please enter the code to sign in.`,
        'the email\'s "Enter code"');
      const message = await sink.waitForMessage({ to: ADDRESS, subject: SUBJECT, since: before });
      assert.match(message.text, /Someone is signing in to your tessera account\./, message.text);
      assert.deepEqual(message.types, ['multipart/alternative', 'text/plain', 'text/html']);
      await untilSettled(page);
      await shot(page, 'enter-code-email-sign-in');
      await submitCode(page, emailCodeOf(message));
      await staySignedIn(page, 'No');
      // Both were registered within the same second here, which orders them by id: either order.
      assert.deepEqual((await listedMethods(page)).sort(), ['Authenticator app', `Email ${ADDRESS}`]);
      await shot(page, 'signed-in-by-email');

      const rows = await server.signIns();
      const row = rows.find((r) => r.UPN === server.upn);
      assert.ok(row && row.RESULT === 'success' && row.METHOD === 'email',
        `the newest sign-in of ${server.upn} should be an email success:\n${describeRows(rows)}`);
    });
  });

test('a wrong emailed code is refused, on Security info and at sign-in', { timeout: 90000 }, async (t) => {
  await withMethodsServer(t.name, { policies: { allowed_methods: WITH_EMAIL } }, async ({ server, sink, page, shot }) => {
    await signInRegisteringApp(page, server, shot);
    await startAdding(page, 'Email', shot);
    await enterAddress(page, ADDRESS);
    await expectHeading(page, 'Enter code');
    const registration = await sink.waitForMessage({ to: ADDRESS, subject: SUBJECT });
    const code = emailCodeOf(registration);
    await submitCode(page, otherThan(code));
    await expectHeading(page, 'Enter code');
    await expectAlert(page, WRONG_CODE);
    await shot(page, 'wrong-code-registration');
    await submitCode(page, code);
    assert.deepEqual((await listedMethods(page)).sort(), ['Authenticator app', `Email ${ADDRESS}`],
      'the right code after a wrong one should still add the email');
    await signOut(page);

    const since = (await sink.messages()).length;
    await signInToAppCode(page, server);
    await otherWays(page);
    await clickAndWait(page, EMAIL_WAY);
    await expectHeading(page, 'Enter code');
    const signIn = await sink.waitForMessage({ to: ADDRESS, subject: SUBJECT, since });
    const signInCode = emailCodeOf(signIn);
    await untilSettled(page);
    // The registration's code is spent, and a code that was never sent is wrong.
    for (const wrong of [code === signInCode ? otherThan(code) : code, otherThan(signInCode)]) {
      await submitCode(page, wrong);
      await expectHeading(page, 'Enter code');
      await expectAlert(page, WRONG_CODE);
    }
    await shot(page, 'wrong-code-sign-in');
    await submitCode(page, signInCode);
    await expectHeading(page, 'Stay signed in?');
    const rows = await server.signIns();
    assert.ok(rows.some((r) => r.UPN === server.upn && r.RESULT === 'success' && r.METHOD === 'email'),
      `the sign-in log should have an email success:\n${describeRows(rows)}`);
  });
});

test('an alternate phone takes calls only: added on Security info with a call answered with #, and signs in by call',
  { timeout: 90000 }, async (t) => {
    await withMethodsServer(t.name, {}, async ({ server, gateway, page, shot }) => {
      await signInRegisteringApp(page, server, shot);
      await startAdding(page, 'Alternate phone', shot);
      await expectText(page, 'You can prove who you are by answering a call on your phone.', '"Alternate phone"');
      assert.equal(await page.getByRole('radio', { name: 'Text me a code', exact: true }).count(), 0,
        'the alternate phone should not offer texts');
      const callMe = page.getByRole('radio', { name: 'Call me', exact: true });
      assert.equal(await callMe.count(), 1, '"Call me" should be offered');
      assert.ok(await callMe.isChecked(), '"Call me", the only way, should be chosen already');
      await page.getByLabel('Country or region', { exact: true }).selectOption({ label: UK });
      await field(page, 'Phone number').fill(TYPED_NUMBER);
      await shot(page, 'alternate-phone');
      await clickAndWait(page, 'Next');

      await expectHeading(page, 'Approve sign in request');
      await expectText(page, `We're calling ${SHOWN} now. Answer it and press # to continue.`, 'the calling page');
      assert.ok(await refreshes(page), 'the calling page should look again by itself while the call is unanswered');
      await shot(page, 'calling-alternate-phone');
      const call = await gateway.waitForCall(E164);
      const answered = await gateway.answer(call, '#');
      assert.equal(answered.first.status, 200, answered.first.body);
      assert.match(answered.firstTwiml.says.join(' '), /You are adding this phone to your account\./);
      assert.deepEqual(answered.finalTwiml?.says, [CALL_DONE], `the answer's TwiML: ${answered.final?.body}`);

      // Nobody touches the page: it moves on by itself to Security info.
      await expectHeading(page, 'Security info', MOVES_ON_WITHIN_MS);
      const items = await listedMethods(page);
      assert.deepEqual(items, ['Authenticator app', `Alternate phone ${SHOWN}`]);
      await expectText(page, 'Default sign-in method: Authenticator app – code', 'Security info');
      await shot(page, 'security-info-with-alternate-phone');
      assert.equal(gateway.texts.length, 0, 'nothing should be texted to an alternate phone');
      await signOut(page);

      await signInToAppCode(page, server);
      const ways = await otherWays(page);
      assert.deepEqual(ways, [APP_WAY, `Call ${MASKED_PHONE}`], `the ways offered: ${JSON.stringify(ways)}`);
      await shot(page, 'other-ways-with-alternate-phone');
      const callsBefore = gateway.calls.length;
      await clickAndWait(page, `Call ${MASKED_PHONE}`);
      await expectHeading(page, 'Approve sign in request');
      await expectText(page, `We're calling your phone ${MASKED_PHONE}. Please answer it to continue.`, 'the calling page');
      await shot(page, 'calling-alternate-phone-sign-in');
      const signInCall = await gateway.waitForCall(E164, { since: callsBefore });
      const signInAnswer = await gateway.answer(signInCall, '#');
      assert.match(signInAnswer.firstTwiml.says.join(' '), /Someone is signing in to your account\./);
      assert.deepEqual(signInAnswer.finalTwiml?.says, [CALL_DONE], `the answer's TwiML: ${signInAnswer.final?.body}`);
      await expectHeading(page, 'Stay signed in?', MOVES_ON_WITHIN_MS);
      await shot(page, 'stay-signed-in-after-call');
      await staySignedIn(page, 'No');
      assert.deepEqual(await listedMethods(page), ['Authenticator app', `Alternate phone ${SHOWN}`]);
      assert.equal(gateway.texts.length, 0, 'nothing should have been texted');

      const rows = await server.signIns();
      const row = rows.find((r) => r.UPN === server.upn);
      assert.ok(row && row.RESULT === 'success' && row.METHOD === 'alternate_phone',
        `the newest sign-in of ${server.upn} should be an alternate phone success:\n${describeRows(rows)}`);
    });
  });
