// The phone beside other methods, in the browser: "Sign in another way" from the authenticator
// app to a text or a call, adding a phone on Security info (after the step-up), and the limits on
// texted codes: they expire after 10 minutes, work once, and a user or a number gets at most 3
// texts or calls in 10 minutes. Time is the test's: the server and the CLI read it from a clock
// file (startTessera's `clock`), which only moves when a test moves it, so expiry, the fresh-proof
// window, the send window and the authenticator's time steps do not depend on how fast this runs.
// Texts and calls go to the tests' own Twilio-shaped gateway (twilio_gateway.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  clickAndWait, describeRows, expectAlert, expectHeading, launchBrowser, pageState, postFormFromPage,
  screenshotter, totp,
} from './tessera.mjs';
import { signInWithPassword, staySignedIn, submitCode } from './journey.mjs';
import {
  addUser, afterItsRefresh, APP_WAY, CALL_DONE, choosePhone, enterPhone, expectText, followLink,
  MINUTE, MOVES_ON_WITHIN_MS, nextCode, PASSWORD, PHONE, refreshes, registerApp, signInAnotherWay,
  signInToAppCode, untilSettled, withGatewayServer, WRONG_CODE,
} from './phone_journey.mjs';
import { codeOf } from './twilio_gateway.mjs';

const { e164: E164, shown: SHOWN, masked: MASKED } = PHONE;
const TEXT_WAY = `Text ${MASKED}`;
const CALL_WAY = `Call ${MASKED}`;
const TOO_MANY_SENDS = "You've asked for too many codes or calls. Wait a few minutes, or sign in another way.";
const NEEDS_PROOF = "To change your security info, first verify it's you.";
const INTERRUPTED = 'Your sign-in session expired or was interrupted. Sign in again.';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/**
 * Runs body({server, clock, gateway, context, page, shot}) with a gateway and a tessera whose
 * [phone] points at it, on a test clock that starts now and stands still until the test moves it.
 */
const withPhoneServer = (name, serverOptions, body) =>
  withGatewayServer(browser, name, { clock: true, ...serverOptions }, body);

const methodList = (page) => page.getByRole('list', { name: 'Sign-in methods', exact: true });

async function listedMethods(page) {
  return (await methodList(page).getByRole('listitem').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** Registers the phone by text at sign-in (the user has no method yet); ends on Security info. */
async function registerPhoneAtSignIn(page, server, gateway) {
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  await choosePhone(page);
  const before = gateway.texts.length;
  await enterPhone(page);
  await expectHeading(page, 'Enter code');
  const code = await nextCode(gateway, before);
  await untilSettled(page);
  await submitCode(page, code);
  await staySignedIn(page, 'No');
  await expectHeading(page, 'Security info');
}

/** Signs in with the password to a phone that texts; ends on "Enter code" once the text is in. */
async function signInToTexted(page, server, gateway) {
  const before = gateway.texts.length;
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  await expectHeading(page, 'Enter code');
  await expectText(page, `We texted your phone ${MASKED}. Please enter the code to sign in.`, '"Enter code"');
  const code = await nextCode(gateway, before);
  await untilSettled(page);
  return code;
}

/**
 * Alice registers the app at her first sign-in and adds her phone (by text) on Security info, in
 * the fresh MFA of that sign-in; then signs out. One text has gone out.
 */
async function appAndPhone(page, server, clock, gateway, shot) {
  await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
  await registerApp(page, clock, shot);
  await staySignedIn(page, 'No');
  await expectHeading(page, 'Security info');
  await clickAndWait(page, 'Add sign-in method');
  await page.getByRole('radio', { name: 'Phone', exact: true }).check();
  await clickAndWait(page, 'Add');
  await enterPhone(page);
  await submitCode(page, await nextCode(gateway, 0));
  await expectHeading(page, 'Security info');
  await expectText(page, 'Default sign-in method: Authenticator app – code', 'Security info');
  assert.equal((await listedMethods(page)).length, 2, `both methods: ${await listedMethods(page)}`);
  await clickAndWait(page, 'Sign out');
}

async function expectSignedInByPhone(server) {
  const rows = await server.signIns();
  assert.equal(rows[0]?.UPN, server.upn, describeRows(rows));
  assert.equal(rows[0].RESULT, 'success', describeRows(rows));
  assert.equal(rows[0].METHOD, 'phone', `the sign-in went by the phone:\n${describeRows(rows)}`);
}

test('"Sign in another way": a user whose default is the app chooses a text and signs in with its code',
  { timeout: 120000 }, async (t) => {
    await withPhoneServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      await appAndPhone(page, server, clock, gateway, shot);
      await signInToAppCode(page, server, gateway);
      await shot(page, 'enter-code-app');
      await followLink(page, 'Sign in another way');
      await expectHeading(page, 'Verify your identity');
      const ways = (await page.getByRole('list', { name: 'Sign-in methods', exact: true })
        .getByRole('button').allInnerTexts()).map((w) => w.trim());
      assert.deepEqual(ways, [APP_WAY, TEXT_WAY, CALL_WAY],
        'one line per way: the default method (the app) first, then the phone\'s text and call');
      await shot(page, 'verify-your-identity');
      await clickAndWait(page, TEXT_WAY);
      await expectHeading(page, 'Enter code');
      await expectText(page, `We texted your phone ${MASKED}. Please enter the code to sign in.`, '"Enter code" after "Text"');
      const text = await gateway.waitForText(E164, { since: 1 });
      // Until the text is out the page looks again by itself; what it shows then is still the page.
      await untilSettled(page);
      await expectHeading(page, 'Enter code');
      await shot(page, 'enter-code-texted');
      await submitCode(page, codeOf(text));
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await shot(page, 'signed-in-by-text');
      await expectSignedInByPhone(server);
      assert.equal(gateway.calls.length, 0);
    });
  });

test('"Sign in another way": a user whose default is the app chooses a call and presses #',
  { timeout: 120000 }, async (t) => {
    await withPhoneServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      await appAndPhone(page, server, clock, gateway, shot);
      await signInToAppCode(page, server, gateway);
      await signInAnotherWay(page, CALL_WAY, shot);
      await expectHeading(page, 'Approve sign in request');
      await expectText(page, `We're calling your phone ${MASKED}. Please answer it to continue.`, 'the calling page');
      await shot(page, 'approve-sign-in-request');
      const call = await gateway.waitForCall(E164);
      // While the call is unanswered the page looks again by itself, and stays the calling page.
      await afterItsRefresh(page, 'the calling page');
      await expectHeading(page, 'Approve sign in request');
      const answered = await gateway.answer(call, '#');
      assert.match(answered.firstTwiml.says.join(' '), /Someone is signing in to your account\./);
      assert.deepEqual(answered.finalTwiml?.says, [CALL_DONE], `the call's answer: ${answered.final?.body}`);
      // Nobody touches the page: it moves on by itself.
      await expectHeading(page, 'Stay signed in?', MOVES_ON_WITHIN_MS);
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await shot(page, 'signed-in-by-call');
      await expectSignedInByPhone(server);
      assert.equal(gateway.texts.length, 1, 'the call sent no text');
      assert.equal(gateway.calls.length, 1);
    });
  });

test('on Security info a user with an app verifies it\'s them, then adds a phone by text',
  { timeout: 120000 }, async (t) => {
    await withPhoneServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      const secret = await registerApp(page, clock, shot);
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');

      // Eleven minutes later the sign-in's MFA is no longer fresh: adding asks for a code first.
      await clock.advance(11 * MINUTE);
      await clickAndWait(page, 'Add sign-in method');
      await expectHeading(page, 'Keep your account secure');
      await page.getByRole('radio', { name: 'Phone', exact: true }).check();
      await shot(page, 'add-a-method');
      await clickAndWait(page, 'Add');
      await expectHeading(page, 'Security info');
      await expectAlert(page, NEEDS_PROOF);
      assert.equal((await listedMethods(page)).length, 1, 'nothing was added');
      await shot(page, 'verify-first');
      await followLink(page, 'Verify with a code from your authenticator app');
      await submitCode(page, await totp(secret, clock.step()));
      await expectHeading(page, 'Security info');
      assert.equal(await page.getByRole('alert').count(), 0, `no alert after the step-up: ${await pageState(page)}`);

      await clickAndWait(page, 'Add sign-in method');
      await page.getByRole('radio', { name: 'Phone', exact: true }).check();
      await clickAndWait(page, 'Add');
      await expectHeading(page, 'Phone');
      assert.equal(await page.getByRole('link', { name: 'Cancel', exact: true }).count(), 1,
        'adding a phone on Security info can be cancelled');
      await enterPhone(page, { shot });
      await expectHeading(page, 'Enter code');
      await expectText(page, `We just sent a 6 digit code to ${SHOWN}. Enter the code below.`, '"Enter code"');
      const text = await gateway.waitForText(E164);
      assert.match(text.body, /^Use verification code \d{6} for tessera authentication\.$/, text.body);
      await shot(page, 'enter-code');
      await submitCode(page, codeOf(text));

      await expectHeading(page, 'Security info');
      const items = await listedMethods(page);
      assert.equal(items.length, 2, `Security info should list the app and the phone: ${JSON.stringify(items)}`);
      assert.ok(items.some((i) => i.includes('Authenticator app')), JSON.stringify(items));
      assert.ok(items.some((i) => i.includes('Phone') && i.includes(SHOWN)),
        `the phone ${SHOWN} should be listed: ${JSON.stringify(items)}`);
      await expectText(page, 'Default sign-in method: Authenticator app – code', 'Security info (the app stays the default)');
      await shot(page, 'security-info-with-phone');
      const audit = await server.cli(['log', 'audit']);
      assert.match(audit.stdout, /added phone on Security info/, `the addition is audited:\n${audit.stdout}`);
      assert.equal(gateway.texts.length, 1);
    });
  });

test('a texted code is refused once 10 minutes have passed, and taken just before',
  { timeout: 120000 }, async (t) => {
    await withPhoneServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      await registerPhoneAtSignIn(page, server, gateway);
      await clickAndWait(page, 'Sign out');

      const code = await signInToTexted(page, server, gateway);
      await clock.advance(11 * MINUTE);
      await submitCode(page, code);
      await expectHeading(page, 'Enter code');
      await expectAlert(page, WRONG_CODE);
      await shot(page, 'expired-code-refused');
      let rows = await server.signIns();
      assert.equal(rows[0]?.RESULT, 'failure', describeRows(rows));
      assert.equal(rows[0].REASON, 'wrong_code', describeRows(rows));

      // Signing in again texts a new code; one second before its 10 minutes are up it still works.
      const fresh = await signInToTexted(page, server, gateway);
      assert.notEqual(fresh, code);
      await clock.advance(10 * MINUTE - 1);
      await submitCode(page, fresh);
      await expectHeading(page, 'Stay signed in?');
      await shot(page, 'code-taken-before-expiry');
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      rows = await server.signIns();
      assert.equal(rows[0]?.RESULT, 'success', describeRows(rows));
      assert.equal(rows[0].METHOD, 'phone', describeRows(rows));
    });
  });

test('a texted code works once: a replayed post, the same code at the next sign-in and a double post are refused',
  { timeout: 120000 }, async (t) => {
    await withPhoneServer(t.name, {}, async ({ server, clock, gateway, context, page, shot }) => {
      await registerPhoneAtSignIn(page, server, gateway);
      await clickAndWait(page, 'Sign out');

      const flowCookie = async () => (await context.cookies(server.baseUrl)).find((c) => /tessera_flow$/.test(c.name));
      const formOf = async () => ({
        csrf: await page.locator('input[name="csrf"]').inputValue(),
        step: await page.locator('input[name="step"]').inputValue(),
      });

      // The sign-in with the code, as the person does it; what its form sent is kept.
      const code = await signInToTexted(page, server, gateway);
      const used = { cookie: await flowCookie(), form: { ...await formOf(), code } };
      assert.ok(used.cookie, 'the flow has a cookie');
      await submitCode(page, code);
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      const successes = async () => (await server.signIns(50)).filter((r) => r.RESULT === 'success').length;
      const signedIn = await successes();

      // The same post again, with the same flow cookie: nothing is signed in.
      await context.addCookies([{ name: used.cookie.name, value: used.cookie.value, url: server.baseUrl }]);
      await postFormFromPage(page, '/signin/method', used.form);
      await expectHeading(page, 'Sign in');
      await expectAlert(page, INTERRUPTED);
      await shot(page, 'replayed-post-refused');
      assert.equal(await successes(), signedIn, 'the replay should sign nobody in');

      // The used code, typed at the next sign-in, does not work there either; that one's code does.
      await page.goto(`${server.baseUrl}/security-info`);
      await expectHeading(page, 'Security info');
      await clickAndWait(page, 'Sign out');
      const next = await signInToTexted(page, server, gateway);
      assert.notEqual(next, code, 'each sign-in texts a new code');
      await submitCode(page, code);
      await expectHeading(page, 'Enter code');
      await expectAlert(page, WRONG_CODE);
      await shot(page, 'used-code-refused');
      await submitCode(page, next);
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await clickAndWait(page, 'Sign out');

      // The same code posted twice at once: one post goes on, the other is refused. (Three texts
      // went out in this send window; the next sign-in waits for a new window.)
      await clock.advance(10 * MINUTE);
      const third = await signInToTexted(page, server, gateway);
      const racing = { cookie: await flowCookie(), form: { ...await formOf(), code: third } };
      const post = () => fetch(`${server.baseUrl}/signin/method`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Cookie: `${racing.cookie.name}=${racing.cookie.value}`,
        },
        body: new URLSearchParams(racing.form).toString(),
      }).then(async (r) => ({ status: r.status, heading: /<h1>([^<]*)<\/h1>/.exec(await r.text())?.[1] }));
      const answers = await Promise.all([post(), post()]);
      const headings = answers.map((a) => a.heading).sort();
      assert.deepEqual(headings, ['Sign in', 'Stay signed in?'],
        `of two posts of one code, exactly one should go on: ${JSON.stringify(answers)}`);
      // The person's own press of Verify now comes third: refused too.
      await submitCode(page, third);
      await expectHeading(page, 'Sign in');
      await expectAlert(page, INTERRUPTED);
      await shot(page, 'third-use-refused');
    });
  });

test('a fourth text or call within 10 minutes is refused, for the user and for the number',
  { timeout: 120000 }, async (t) => {
    await withPhoneServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      await addUser(server, 'bob@example.com', 'Bob');
      // 1: the registration's text; 2 and 3: two sign-ins, each texting a code.
      await registerPhoneAtSignIn(page, server, gateway);
      await clickAndWait(page, 'Sign out');
      await signInToTexted(page, server, gateway);
      await signInToTexted(page, server, gateway);
      assert.equal(await page.getByRole('alert').count(), 0, `the third text is sent: ${await pageState(page)}`);
      assert.equal(gateway.texts.length, 3);

      // The fourth sign-in's text is refused, and so is a call instead.
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await expectHeading(page, 'Enter code');
      await expectAlert(page, TOO_MANY_SENDS);
      await shot(page, 'fourth-text-refused');
      await signInAnotherWay(page, CALL_WAY);
      // The refused call leaves the challenge as it was (whose text did go out, had it been sent),
      // saying why; nothing is waited for.
      await expectHeading(page, 'Enter code');
      await expectAlert(page, TOO_MANY_SENDS);
      assert.equal(await refreshes(page), false, 'a refused call is not waited for');
      await shot(page, 'call-refused');
      assert.equal(gateway.texts.length, 3, `the gateway should have had 3 texts: ${JSON.stringify(gateway.texts)}`);
      assert.equal(gateway.calls.length, 0, 'and no call');

      // Bob, who has had nothing sent yet, is refused a text to the same number.
      const bobContext = await browser.newContext();
      try {
        const bob = await bobContext.newPage();
        const bobShot = await screenshotter(`${t.name} bob`);
        await signInWithPassword(bob, server.baseUrl, 'bob@example.com', PASSWORD);
        await choosePhone(bob);
        await enterPhone(bob);
        await expectHeading(bob, 'Enter code');
        await expectAlert(bob, TOO_MANY_SENDS);
        await bobShot(bob, 'same-number-refused');
        assert.equal(gateway.texts.length, 3, 'no text went to the number for bob');
        // Another number is another count.
        await signInWithPassword(bob, server.baseUrl, 'bob@example.com', PASSWORD);
        await choosePhone(bob);
        await enterPhone(bob, { number: '07400 123457' });
        await expectHeading(bob, 'Enter code');
        await gateway.waitForText('+447400123457');
        await untilSettled(bob);
        assert.equal(await bob.getByRole('alert').count(), 0, `bob's other number gets its text: ${await pageState(bob)}`);
      } finally {
        await bobContext.close();
      }

      // Ten minutes after the first text a new window begins: the next text goes out and signs in.
      await clock.advance(10 * MINUTE);
      const code = await signInToTexted(page, server, gateway);
      assert.equal(await page.getByRole('alert').count(), 0, `the new window's text is sent: ${await pageState(page)}`);
      await submitCode(page, code);
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      await shot(page, 'signed-in-in-the-next-window');
      assert.equal(gateway.texts.filter((x) => x.to === E164).length, 4);
    });
  });

test('on Security info a fourth text within 10 minutes is refused with the same message',
  { timeout: 120000 }, async (t) => {
    await withPhoneServer(t.name, {}, async ({ server, clock, gateway, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await registerApp(page, clock, shot);
      await staySignedIn(page, 'No');
      await expectHeading(page, 'Security info');
      // Three tries at adding the phone, each texting a code, each cancelled; then a fourth.
      for (let sent = 1; sent <= 4; sent++) {
        await clickAndWait(page, 'Add sign-in method');
        await page.getByRole('radio', { name: 'Phone', exact: true }).check();
        await clickAndWait(page, 'Add');
        await enterPhone(page);
        await expectHeading(page, 'Enter code');
        if (sent === 4) break;
        await gateway.waitForText(E164, { since: sent - 1 });
        assert.equal(await page.getByRole('alert').count(), 0, `text ${sent} is sent: ${await pageState(page)}`);
        await followLink(page, 'Cancel');
        await expectHeading(page, 'Security info');
      }
      await shot(page, 'fourth-text-on-security-info');
      assert.equal(gateway.texts.length, 3, `the gateway should have had 3 texts: ${JSON.stringify(gateway.texts)}`);
      // Nothing went out, so the page must not leave the person waiting for a code.
      await expectAlert(page, TOO_MANY_SENDS);
    });
  });
