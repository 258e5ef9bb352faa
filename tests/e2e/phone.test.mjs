// The phone as a sign-in method: registering it by text or by call, signing in with it, and what
// happens when the gateway fails, hangs, or a webhook request is forged. Texts and calls go to the
// tests' own Twilio-shaped gateway (twilio_gateway.mjs), or to the dev outbox.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  clickAndWait, describeRows, expectAlert, expectHeading, launchBrowser, pageState, screenshotter,
  withServer,
} from './tessera.mjs';
import { signInWithPassword, staySignedIn, submitCode } from './journey.mjs';
import {
  addUser, afterItsRefresh, choosePhone, enterPhone, expectText, MOVES_ON_WITHIN_MS, PASSWORD, PHONE,
  refreshes, untilSettled, withGatewayServer,
} from './phone_journey.mjs';
import { codeOf, postAsTwilio, twilioSignature, wrongToken } from './twilio_gateway.mjs';

const { e164: E164, shown: SHOWN, masked: MASKED } = PHONE;
const COULD_NOT_SEND = "We couldn't send a code. Try again or sign in another way.";
const WRONG_CODE = "That code didn't work. Check the code and try again.";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs body({server, gateway, context, page, shot}) with a gateway and a tessera whose [phone]
 * points at it. `delivery` becomes [delivery]; `gateway` is the gateway's options.
 */
const withPhoneServer = (name, options, body) => withGatewayServer(browser, name, options, body);

async function expectPhoneInSecurityInfo(page) {
  await expectHeading(page, 'Security info');
  const methods = page.getByRole('list', { name: 'Sign-in methods', exact: true });
  const items = (await methods.getByRole('listitem').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
  assert.equal(items.length, 1, `Security info should list the one phone, lists ${JSON.stringify(items)}`);
  assert.ok(items[0].includes('Phone') && items[0].includes(SHOWN),
    `the listed method should be the phone ${SHOWN}, is ${JSON.stringify(items[0])}`);
}

/** The other sign-in of tests: password, no MFA, to "Security info". */
async function signInWithoutMfa(page, baseUrl, upn) {
  await signInWithPassword(page, baseUrl, upn, PASSWORD);
  await staySignedIn(page, 'No');
  await expectHeading(page, 'Security info');
}

test('the gateway signs webhook requests as Twilio documents it', () => {
  // The worked example of twilio.com/docs/usage/security: the gateway's signatures are Twilio's,
  // so a webhook that accepts them accepts Twilio's.
  const signature = twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', {
    CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212',
  });
  assert.equal(signature, 'GvWf1cFY/Q7PnoempGyD5oXAezc=');
});

test('a user registers a phone by text and signs in with texted codes', { timeout: 120000 }, async (t) => {
  await withPhoneServer(t.name, {}, async ({ server, gateway, page, shot }) => {
    await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD, shot);
    await choosePhone(page, shot);
    await enterPhone(page, { way: 'Text me a code', shot });

    await expectHeading(page, 'Enter code');
    await expectText(page, `We just sent a 6 digit code to ${SHOWN}. Enter the code below.`, '"Enter code"');
    const text = await gateway.waitForText(E164);
    assert.equal(text.from, gateway.from, 'the text should come from [phone] from');
    assert.match(text.sid, /^SM[0-9a-f]{32}$/);
    assert.match(text.body, /^Use verification code \d{6} for tessera authentication\.$/,
      `the text should hold only the code and the tenant: ${JSON.stringify(text.body)}`);
    assert.ok(gateway.requests.every((r) => r.authorized), 'every REST call should carry the SID and token as Basic auth');
    await untilSettled(page);
    await shot(page, 'enter-code-registration');
    await submitCode(page, codeOf(text));

    await expectHeading(page, 'Stay signed in?');
    await staySignedIn(page, 'No');
    await expectPhoneInSecurityInfo(page);
    await expectText(page, 'Default sign-in method: Phone – text', 'Security info');
    await shot(page, 'security-info');
    const show = await server.cli(['mfa', 'show', server.upn]);
    assert.match(show.stdout, /enforced/i, `after registration the MFA state should be enforced:\n${show.stdout}`);

    await clickAndWait(page, 'Sign out');
    await expectHeading(page, 'Sign in');

    // Signing in again: the registered phone gets a new code.
    const textsBefore = gateway.texts.length;
    await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
    await expectHeading(page, 'Enter code');
    await expectText(page, `We texted your phone ${MASKED}. Please enter the code to sign in.`, '"Enter code"');
    assert.equal(await page.getByRole('link', { name: 'Sign in another way', exact: true }).count(), 1,
      '"Enter code" at sign-in should offer "Sign in another way"');
    const second = await gateway.waitForText(E164, { since: textsBefore });
    assert.notEqual(codeOf(second), codeOf(text), 'each sign-in should text a new code');
    await untilSettled(page);
    await shot(page, 'enter-code-sign-in');
    await submitCode(page, codeOf(second));
    await staySignedIn(page, 'No');
    await expectPhoneInSecurityInfo(page);
    await shot(page, 'signed-in-by-text');

    const rows = await server.signIns();
    assert.ok(rows.some((r) => r.UPN === server.upn && r.RESULT === 'success' && r.METHOD === 'phone'),
      `the sign-in log should have a phone success row for ${server.upn}:\n${describeRows(rows)}`);
  });
});

test('a user registers a phone by "Call me", answers with #, and signs in by call', { timeout: 120000 }, async (t) => {
  await withPhoneServer(t.name, {}, async ({ server, gateway, page, shot }) => {
    await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD, shot);
    await choosePhone(page, shot);
    await enterPhone(page, { way: 'Call me', shot });

    await expectHeading(page, 'Approve sign in request');
    await expectText(page, `We're calling ${SHOWN} now. Answer it and press # to continue.`, 'the calling page');
    assert.ok(await refreshes(page), 'the calling page should look again by itself while the call is unanswered');
    await shot(page, 'approve-sign-in-request-registration');

    const call = await gateway.waitForCall(E164);
    assert.equal(call.from, gateway.from, 'the call should come from [phone] from');
    assert.equal(call.method, 'POST', 'the call should fetch its TwiML with POST');
    assert.match(call.url, new RegExp(`^${server.baseUrl}/voice/call/[^/?#]+$`),
      `the call's Url should be under [server] public_url: ${call.url}`);

    const answered = await gateway.answer(call, '#');
    assert.equal(answered.first.status, 200, `the call's TwiML: ${answered.first.body}`);
    assert.match(answered.first.contentType, /^text\/xml/);
    const { gather } = answered.firstTwiml;
    assert.ok(gather, `the call should gather a key press: ${answered.first.body}`);
    assert.equal(gather.input, 'dtmf');
    assert.equal(gather.numDigits, '1');
    assert.equal(gather.finishOnKey, '', 'finishOnKey="" so that "#" itself is the answer');
    assert.equal(gather.method, 'POST');
    assert.equal(answered.actionUrl, `${call.url}/answer`);
    assert.match(answered.firstTwiml.says.join(' '), /You are adding this phone to your account\..*press the pound key/);
    assert.equal(answered.final.status, 200, `the answer's TwiML: ${answered.final.body}`);
    assert.deepEqual(answered.finalTwiml.says, ['Thank you. You can go back to your screen now. Goodbye.']);
    assert.ok(answered.finalTwiml.hangsUp, 'the call should hang up after the answer');

    // Nobody touches the page: it moves on by itself.
    await expectHeading(page, 'Stay signed in?', MOVES_ON_WITHIN_MS);
    await shot(page, 'stay-signed-in-after-call');
    await staySignedIn(page, 'No');
    await expectPhoneInSecurityInfo(page);
    // A phone registered with "Call me" is the default as a phone that calls.
    const body = await page.locator('body').innerText();
    assert.match(body, /Default sign-in method: Phone – call \+44 7400 123456/, body);
    await shot(page, 'security-info');

    await clickAndWait(page, 'Sign out');
    const callsBefore = gateway.calls.length;
    await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
    await expectHeading(page, 'Approve sign in request');
    await expectText(page, `We're calling your phone ${MASKED}. Please answer it to continue.`, 'the calling page');
    await shot(page, 'approve-sign-in-request');
    const signInCall = await gateway.waitForCall(E164, { since: callsBefore });
    const signInAnswer = await gateway.answer(signInCall, '#');
    assert.match(signInAnswer.firstTwiml.says.join(' '), /Someone is signing in to your account\./);
    assert.deepEqual(signInAnswer.finalTwiml?.says, ['Thank you. You can go back to your screen now. Goodbye.'],
      `the sign-in call's answer: ${signInAnswer.final?.body}`);
    await expectHeading(page, 'Stay signed in?', MOVES_ON_WITHIN_MS);
    await staySignedIn(page, 'No');
    await expectPhoneInSecurityInfo(page);
    await shot(page, 'signed-in-by-call');
  });
});

test('the voice webhook refuses requests without a valid signature', { timeout: 90000 }, async (t) => {
  await withPhoneServer(t.name, {}, async ({ server, gateway, page, shot }) => {
    await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
    await choosePhone(page, shot);
    await enterPhone(page, { way: 'Call me', shot });
    await expectHeading(page, 'Approve sign in request');
    const call = await gateway.waitForCall(E164);
    const params = gateway.callParams(call);
    const bad = wrongToken(gateway.authToken);

    const forgedFetch = await postAsTwilio(call.url, params, bad);
    assert.equal(forgedFetch.status, 403, `a TwiML fetch signed with a wrong token should get 403: ${forgedFetch.body}`);
    assert.doesNotMatch(forgedFetch.body, /<Gather|pound key/, 'a refused request should not get the call\'s words');
    const unsigned = await postAsTwilio(call.url, params, null);
    assert.equal(unsigned.status, 403, 'a TwiML fetch without X-Twilio-Signature should get 403');
    const forgedAnswer = await postAsTwilio(`${call.url}/answer`, { ...params, Digits: '#' }, bad);
    assert.equal(forgedAnswer.status, 403, 'a forged "#" should get 403');
    // Signed for other parameters than those sent: "0" signed, "#" sent.
    const tampered = await fetch(`${call.url}/answer`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': twilioSignature(gateway.authToken, `${call.url}/answer`, { ...params, Digits: '0' }),
      },
      body: new URLSearchParams({ ...params, Digits: '#' }).toString(),
    });
    assert.equal(tampered.status, 403, 'a signature over other parameters should get 403');

    // None of them approved anything: the page still waits, and the real answer still counts.
    await afterItsRefresh(page, 'the calling page');
    await expectHeading(page, 'Approve sign in request');
    assert.ok(await refreshes(page), 'the calling page should still be waiting for the call');
    await shot(page, 'still-waiting-after-forgeries');
    const answered = await gateway.answer(call, '#');
    assert.deepEqual(answered.finalTwiml?.says, ['Thank you. You can go back to your screen now. Goodbye.'],
      `the real answer after the forgeries: ${answered.final?.body}`);
    await expectHeading(page, 'Stay signed in?', MOVES_ON_WITHIN_MS);

    // A correctly signed replay of the answered call gets nothing more.
    const replay = await gateway.answer(call, '#');
    assert.equal(replay.first.status, 200);
    assert.equal(replay.firstTwiml.gather, null, `an answered call's TwiML should no longer gather: ${replay.first.body}`);
    assert.deepEqual(replay.firstTwiml.says, ['This call is no longer needed. Goodbye.']);

    const outbox = await fetch(`${server.baseUrl}/dev/outbox`);
    assert.equal(outbox.status, 404, 'without [delivery] dev_outbox there is no /dev/outbox');
  });
});

test('a wrong texted code is refused, at registration and at sign-in', { timeout: 120000 }, async (t) => {
  await withPhoneServer(t.name, {}, async ({ server, gateway, page, shot }) => {
    await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
    await choosePhone(page, shot);
    await enterPhone(page, { way: 'Text me a code', shot });
    await expectHeading(page, 'Enter code');
    const text = await gateway.waitForText(E164);
    const wrong = (code) => String((Number(code) + 1) % 1000000).padStart(6, '0');
    await untilSettled(page);
    await submitCode(page, wrong(codeOf(text)));
    await expectHeading(page, 'Enter code');
    await expectAlert(page, WRONG_CODE);
    await shot(page, 'wrong-code-registration');
    await submitCode(page, codeOf(text));
    await staySignedIn(page, 'No');
    await expectPhoneInSecurityInfo(page);
    await clickAndWait(page, 'Sign out');

    const before = gateway.texts.length;
    await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
    await expectHeading(page, 'Enter code');
    const second = await gateway.waitForText(E164, { since: before });
    await untilSettled(page);
    await submitCode(page, wrong(codeOf(second)));
    await expectHeading(page, 'Enter code');
    await expectAlert(page, WRONG_CODE);
    await shot(page, 'wrong-code-sign-in');
    // The first text's code was for the registration, not for this sign-in.
    if (codeOf(text) !== codeOf(second)) {
      await submitCode(page, codeOf(text));
      await expectAlert(page, WRONG_CODE);
    }
    await submitCode(page, codeOf(second));
    await staySignedIn(page, 'No');
    await expectHeading(page, 'Security info');
    const rows = await server.signIns();
    assert.ok(rows.some((r) => r.UPN === server.upn && r.RESULT === 'failure'),
      `the sign-in log should record the wrong codes:\n${describeRows(rows)}`);
  });
});

test('a gateway answering 500 ends in "We couldn\'t send a code" after the configured tries', { timeout: 90000 }, async (t) => {
  await withPhoneServer(t.name, { delivery: { tries: 2 }, gateway: { mode: 'fail' } },
    async ({ server, gateway, page, shot }) => {
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await choosePhone(page, shot);
      await enterPhone(page, { way: 'Text me a code', shot });
      await expectHeading(page, 'Enter code');
      await expectAlert(page, COULD_NOT_SEND, MOVES_ON_WITHIN_MS);
      await untilSettled(page);
      await shot(page, 'could-not-send');
      const tries = gateway.requests.filter((r) => r.resource === 'Messages');
      assert.equal(tries.length, 2, `[delivery] tries = 2: the gateway should have been asked twice, was ${tries.length} times`);
      assert.ok(tries.every((r) => r.mode === 'fail' && r.authorized));
      assert.equal(gateway.texts.length, 0);
    });
});

test('a hanging gateway does not hold up the sign-in of another user', { timeout: 120000 }, async (t) => {
  // Ten tries of 2 s each: the send is outstanding for about 20 s, far longer than a sign-in.
  const tries = 10;
  await withPhoneServer(t.name, { delivery: { tries, timeout_seconds: 2 }, gateway: { mode: 'hang' } },
    async ({ server, gateway, page, shot }) => {
      await addUser(server, 'bob@example.com', 'Bob', 'disabled');
      await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
      await choosePhone(page, shot);
      await enterPhone(page, { way: 'Text me a code', shot });
      await expectHeading(page, 'Enter code');
      const deadline = Date.now() + 10000;
      while (!gateway.requests.some((r) => r.resource === 'Messages')) {
        assert.ok(Date.now() < deadline, 'the text should reach the (hanging) gateway');
        await sleep(50);
      }
      await shot(page, 'enter-code-while-gateway-hangs');

      const other = await browser.newContext();
      try {
        const bobPage = await other.newPage();
        const bobShot = await screenshotter(`${t.name} bob`);
        await signInWithoutMfa(bobPage, server.baseUrl, 'bob@example.com');
        await bobShot(bobPage, 'bob-signed-in');
        // Bob is in while alice's text is still being sent: fewer tries made than configured, or
        // one still open at the gateway.
        const messages = gateway.requests.filter((r) => r.resource === 'Messages');
        assert.ok(messages.every((r) => r.mode === 'hang'));
        assert.ok(messages.some((r) => !r.closed) || messages.length < tries,
          `bob's sign-in should complete while alice's text is outstanding; the gateway has seen ${messages.length} ` +
          'tries, all given up');
      } finally {
        await other.close();
      }
      await afterItsRefresh(page, "alice's \"Enter code\"");
      await expectHeading(page, 'Enter code');
      assert.equal(await page.getByRole('alert').count(), 0,
        `alice's page should not report a failure while her text is still being sent: ${await pageState(page)}`);
      assert.ok(await refreshes(page), "alice's page should still be waiting for her text");
      await gateway.close();  // ends the hung requests before tessera stops
    });
});

test('with the dev outbox, codes and calls are read and answered at /dev/outbox', { timeout: 120000 }, async (t) => {
  await withServer(browser, t.name, {
    password: PASSWORD, mfaState: 'enabled', config: { delivery: { dev_outbox: true } },
  }, async ({ server, context, page, shot }) => {
    await addUser(server, 'bob@example.com', 'Bob', 'enabled');
    const outbox = await context.newPage();
    const sent = outbox.getByRole('list', { name: 'Sent messages', exact: true }).getByRole('listitem');

    await signInWithPassword(page, server.baseUrl, server.upn, PASSWORD);
    await choosePhone(page, shot);
    await enterPhone(page, { way: 'Text me a code', shot });
    await expectHeading(page, 'Enter code');
    await untilSettled(page);

    await outbox.goto(`${server.baseUrl}/dev/outbox`);
    await expectHeading(outbox, 'Dev outbox');
    const textItem = sent.filter({ hasText: `Text message to ${E164}` });
    assert.equal(await textItem.count(), 1, `the outbox should show one text to ${E164}: ${await pageState(outbox)}`);
    const code = /\b(\d{6})\b/.exec(await textItem.innerText())?.[1];
    assert.ok(code, `the outbox's text should hold a code: ${await textItem.innerText()}`);
    // Only emails have a subject.
    assert.equal(await textItem.getByText('Subject:').count(), 0, await textItem.innerText());
    await shot(outbox, 'dev-outbox-text');
    await submitCode(page, code);
    await staySignedIn(page, 'No');
    await expectPhoneInSecurityInfo(page);
    await shot(page, 'security-info-alice');

    // Bob, in his own browser, registers by call and answers it on the outbox page.
    const bobContext = await browser.newContext();
    try {
      const bob = await bobContext.newPage();
      await signInWithPassword(bob, server.baseUrl, 'bob@example.com', PASSWORD);
      await choosePhone(bob, shot);
      await enterPhone(bob, { number: '07400 123457', way: 'Call me', shot });
      await expectHeading(bob, 'Approve sign in request');
      await shot(bob, 'approve-sign-in-request-bob');

      const callItem = sent.filter({ hasText: 'Phone call to +447400123457' });
      const deadline = Date.now() + 10000;
      for (;;) {
        await outbox.goto(`${server.baseUrl}/dev/outbox`);
        if (await callItem.count() === 1) break;
        assert.ok(Date.now() < deadline, `the outbox should show the call to bob: ${await pageState(outbox)}`);
        await sleep(200);
      }
      assert.match(await callItem.innerText(), /press the pound key/);
      await shot(outbox, 'dev-outbox-call');
      await Promise.all([
        outbox.waitForNavigation({ waitUntil: 'load' }),
        callItem.getByRole('button', { name: 'Press #', exact: true }).click(),
      ]);
      assert.equal(await outbox.getByRole('status').innerText(), 'Thank you. You can go back to your screen now. Goodbye.');
      await shot(outbox, 'dev-outbox-answered');

      await expectHeading(bob, 'Stay signed in?', MOVES_ON_WITHIN_MS);
      await shot(bob, 'stay-signed-in-bob');
    } finally {
      await bobContext.close();
    }
  });
});
