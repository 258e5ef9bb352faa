// The tests' own Twilio-shaped gateway: what tessera's [phone] section points at. It takes the two
// REST calls tessera makes (Messages.json, Calls.json: form-encoded, HTTP Basic auth with the
// account SID and auth token), answers them as Twilio does (201, JSON with a "sid" and "status":
// "queued"), and records them. A recorded call is "answered" with answer(call, keys), which does
// what Twilio's voice platform does: fetch the call's TwiML from its Url with a signed request,
// gather the pressed keys as its <Gather> says (gatheredDigits), post them to its action URL, and
// return the final TwiML.
// Failure modes: "fail" answers every REST call with 500, "hang" never answers.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

export const TEST_ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const TEST_AUTH_TOKEN = 'e2e-auth-token-0123456789abcdef';
// Twilio's magic "from" number for test credentials.
export const TEST_FROM = '+15005550006';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * X-Twilio-Signature as Twilio documents it: the full URL, then each POST parameter's name and
 * value, sorted by name, with no separators; HMAC-SHA1 under the auth token; base64.
 */
export function twilioSignature(authToken, url, params = {}) {
  let text = url;
  for (const name of Object.keys(params).sort()) text += name + params[name];
  return createHmac('sha1', authToken).update(text, 'utf8').digest('base64');
}

/** A token that is not `authToken`, for requests the webhook must refuse. */
export function wrongToken(authToken) {
  return `${authToken}-not-it`;
}

/**
 * POSTs `params` form-encoded to `url` as Twilio's voice platform does, signed with `authToken`
 * (or with no X-Twilio-Signature at all when authToken is null). Returns {status, contentType, body}.
 */
export async function postAsTwilio(url, params, authToken) {
  const headers = {
    'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
    'User-Agent': 'TwilioProxy/1.1',
    Accept: '*/*',
  };
  if (authToken !== null) headers['X-Twilio-Signature'] = twilioSignature(authToken, url, params);
  const response = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: await response.text(),
  };
}

function unescapeXml(text) {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function attributes(text) {
  const out = {};
  for (const m of text.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    out[m[1]] = unescapeXml(m[3] ?? m[4]);
  }
  return out;
}

/**
 * What a TwiML document asks for, as far as these calls go: its <Gather> (attributes, or null),
 * every <Say>'s words in order, and whether it hangs up.
 */
export function parseTwiml(document) {
  const gather = document.match(/<Gather\b([^>]*?)(\/?)>/);
  return {
    gather: gather ? attributes(gather[1]) : null,
    says: [...document.matchAll(/<Say\b[^>]*>([\s\S]*?)<\/Say>/g)].map((m) => unescapeXml(m[1]).trim()),
    hangsUp: /<Hangup\s*\/>/.test(document),
    isResponse: /^\s*(<\?xml[^>]*\?>\s*)?<Response\b/.test(document),
  };
}

/**
 * The Digits Twilio posts for the keys a person pressed ("0#": 0, then #) under `gather` (its
 * attributes, see parseTwiml): the keys up to, not counting, its finishOnKey ("#" when absent,
 * none when ""), and no more than numDigits of them. "" means nothing is posted, unless the
 * gather has actionOnEmptyResult="true".
 */
export function gatheredDigits(keys, gather) {
  const finishOnKey = gather.finishOnKey ?? '#';
  const numDigits = gather.numDigits ? Number(gather.numDigits) : Infinity;
  let digits = '';
  for (const key of keys) {
    if (finishOnKey !== '' && key === finishOnKey) break;
    digits += key;
    if (digits.length >= numDigits) break;
  }
  return digits;
}

function sid(prefix) {
  return prefix + randomBytes(16).toString('hex');
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response, status, object) {
  const body = JSON.stringify(object);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function basicAuthMatches(header, user, password) {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return false;
  const presented = Buffer.from(m[1], 'base64');
  const expected = Buffer.from(`${user}:${password}`, 'utf8');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * Starts the gateway on 127.0.0.1, port 0. Returns an object with:
 *   url (for [phone] api_base_url), accountSid, authToken, from;
 *   texts / calls: what was accepted ({sid, to, from, body} / {sid, to, from, url, method});
 *   requests: every REST call that reached it ({resource, mode, authorized, closed});
 *   setMode('ok' | 'fail' | 'hang'); waitForText(to), waitForCall(to): the next new one;
 *   answer(call, keys, {token}): the call's webhook round trip (see the file's comment);
 *   close().
 */
export async function startTwilioGateway({
  accountSid = TEST_ACCOUNT_SID, authToken = TEST_AUTH_TOKEN, from = TEST_FROM, mode = 'ok',
} = {}) {
  const texts = [];
  const calls = [];
  const requests = [];
  let currentMode = mode;

  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const url = new URL(request.url, 'http://gateway');
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(url.pathname);
    const seen = {
      resource: m ? m[2] : url.pathname, mode: currentMode, closed: false,
      authorized: basicAuthMatches(request.headers.authorization, accountSid, authToken),
    };
    requests.push(seen);
    response.on('close', () => { seen.closed = true; });
    if (request.method !== 'POST' || !m) {
      sendJson(response, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      return;
    }
    if (m[1] !== accountSid || !seen.authorized) {
      sendJson(response, 401, { code: 20003, message: 'Authenticate', status: 401 });
      return;
    }
    if (currentMode === 'hang') return;  // never answers; close() ends it
    if (currentMode === 'fail') {
      sendJson(response, 500, { code: 20500, message: 'Internal Server Error', status: 500 });
      return;
    }
    const form = Object.fromEntries(new URLSearchParams(body));
    const common = {
      account_sid: accountSid, api_version: '2010-04-01', to: form.To, from: form.From,
      status: 'queued', date_created: new Date().toUTCString(),
    };
    if (m[2] === 'Messages') {
      if (!form.To || !form.Body) {
        sendJson(response, 400, { code: 21604, message: "A 'To' phone number and a 'Body' are required.", status: 400 });
        return;
      }
      const text = { sid: sid('SM'), to: form.To, from: form.From, body: form.Body };
      texts.push(text);
      sendJson(response, 201, { ...common, sid: text.sid, body: form.Body, direction: 'outbound-api', num_segments: '1' });
    } else {
      if (!form.To || !form.Url) {
        sendJson(response, 400, { code: 21205, message: "A 'To' phone number and a 'Url' are required.", status: 400 });
        return;
      }
      const call = { sid: sid('CA'), to: form.To, from: form.From, url: form.Url, method: form.Method ?? 'POST' };
      calls.push(call);
      sendJson(response, 201, { ...common, sid: call.sid, direction: 'outbound-api' });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  async function waitForNew(list, what, to, since, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = list.slice(since).find((item) => to === undefined || item.to === to);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`the gateway got no ${what}${to ? ` to ${to}` : ''} within ${timeoutMs} ms ` +
          `(it has ${list.length}; REST calls: ${JSON.stringify(requests)})`);
      }
      await sleep(50);
    }
  }

  // Twilio's request parameters for an outbound call that was picked up.
  const callParams = (call) => ({
    AccountSid: accountSid, ApiVersion: '2010-04-01', CallSid: call.sid, CallStatus: 'in-progress',
    Called: call.to, Caller: call.from, Direction: 'outbound-api', From: call.from, To: call.to,
  });

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid, authToken, from, texts, calls, requests,
    setMode(next) { currentMode = next; },
    /** The phone section of tessera's configuration for this gateway. */
    phoneConfig() {
      return { api_base_url: `http://127.0.0.1:${port}`, account_sid: accountSid, auth_token: authToken, from };
    },
    /** Resolves with the first text (to `to`, if given) after the first `since` texts. */
    waitForText(to, { since = 0, timeoutMs = 10000 } = {}) { return waitForNew(texts, 'text', to, since, timeoutMs); },
    waitForCall(to, { since = 0, timeoutMs = 10000 } = {}) { return waitForNew(calls, 'call', to, since, timeoutMs); },
    callParams,
    /**
     * Picks up `call` and presses `keys` ("#", "0#"), as Twilio does: POSTs the call's Url with the
     * call's parameters, signed; takes the returned TwiML's <Gather>; POSTs to its action, signed,
     * the Digits it gathers of the keys (gatheredDigits: "0#" under numDigits="1" is "0").
     * Returns {first, firstTwiml, final, finalTwiml, actionUrl, digits}; final is null when the
     * first document has no <Gather> (or was refused), or the gather got nothing to post, as
     * Twilio then would not post anything.
     */
    async answer(call, keys, { token = authToken } = {}) {
      const params = callParams(call);
      const first = await postAsTwilio(call.url, params, token);
      const firstTwiml = parseTwiml(first.body);
      if (first.status !== 200 || !firstTwiml.gather) return { first, firstTwiml, final: null, finalTwiml: null };
      const { gather } = firstTwiml;
      const actionUrl = new URL(gather.action ?? call.url, call.url).href;
      const digits = gatheredDigits(keys, gather);
      if (digits === '' && gather.actionOnEmptyResult !== 'true') {
        return { first, firstTwiml, final: null, finalTwiml: null, actionUrl, digits };
      }
      const finishOnKey = gather.finishOnKey ?? '#';
      const finishedOnKey = finishOnKey !== '' && keys[digits.length] === finishOnKey ? finishOnKey : '';
      const pressed = { ...params, Digits: digits, FinishedOnKey: finishedOnKey };
      let final;
      if ((gather.method ?? 'POST').toUpperCase() === 'GET') {
        const target = new URL(actionUrl);
        for (const [k, v] of Object.entries(pressed)) target.searchParams.set(k, v);
        const response = await fetch(target, { headers: { 'X-Twilio-Signature': twilioSignature(token, target.href, {}) } });
        final = { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
      } else {
        final = await postAsTwilio(actionUrl, pressed, token);
      }
      return { first, firstTwiml, final, finalTwiml: parseTwiml(final.body), actionUrl, digits };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The 6-digit code in a text tessera sent. */
export function codeOf(text) {
  const m = /\b(\d{6})\b/.exec(text.body);
  if (!m) throw new Error(`the text has no 6-digit code: ${JSON.stringify(text.body)}`);
  return m[1];
}
