// The OpenID Connect provider as an app and a person meet it. The app (the relying party) is
// openid-client 6 in this process, with its redirect URI on a node:http server on 127.0.0.1 that
// records what the browser brings it; the person is chromium going through tessera's sign-in
// pages. One tessera on a test clock (startTessera's `clock`) serves every test: each person is a
// fresh browser context, and each test signs in a user whose state no other test relies on.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import * as oidc from 'openid-client';
import {
  bodyText, expectHeading, launchBrowser, pageState, startTessera, totp, withContext,
} from './tessera.mjs';
import {
  newestSignIn, sessionCookie, signInWithPassword, staySignedIn, submitCode, submitPassword,
  submitUsername,
} from './journey.mjs';
import { PASSWORD, addUser, registerApp, signOut } from './phone_journey.mjs';

const ACR_PASSWORD = 'urn:tessera:acr:password';
const ACR_MFA = 'urn:tessera:acr:mfa';
const SCOPE = 'openid profile email';
// What the app's pages say, and tessera's page for a request it will not answer to the app.
const BACK_IN_APP = 'Back in the test app';
const SIGNED_OUT_OF_APP = 'Signed out of the test app';
const REQUEST_REFUSED = "We couldn't sign you in to the app";
const CODE_SECONDS = 60;  // [oidc] code_seconds' default
const TOTP_STEP = 30;

let browser;
let server;
let clock;
let rp;
let app;  // the app most tests sign in to: confidential, code + refresh, a post-logout URI
// A person without MFA, for the tests about tokens rather than sign-in methods.
const bob = { upn: 'bob@example.com', name: 'Bob', password: PASSWORD };

before(async () => {
  browser = await launchBrowser();
  rp = await startRelyingParty();
  server = await startTessera({
    password: PASSWORD,
    mfaState: 'enabled',
    clock: true,
    config: ({ baseUrl }) => ({ server: { public_url: baseUrl } }),
  });
  clock = server.clock;
  await addUser(server, bob.upn, bob.name, 'disabled');
  // Registered once the app's server listens: its port is in the redirect URIs.
  app = await addClient('Test app', ['--post-logout-redirect-uri', rp.postLogoutUri]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await rp?.close();
});

// ---------------------------------------------------------------- the app's web side

/**
 * The relying party's redirect URI (/cb) and post-logout redirect URI (/signed-out): a node:http
 * server on 127.0.0.1 port 0 that records every request the browser makes to it (method, URL,
 * form body, content type) and answers a page whose heading a person sees.
 * Returns {redirectUri, postLogoutUri, received, close()}.
 */
async function startRelyingParty() {
  const received = [];
  let origin;
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url, origin);
      // The browser's own look for an icon is not something tessera sent it.
      if (url.pathname === '/favicon.ico') {
        res.writeHead(404);
        res.end();
        return;
      }
      received.push({
        method: req.method, url, body: Buffer.concat(chunks).toString(),
        contentType: req.headers['content-type'] ?? '',
      });
      const heading = url.pathname === '/signed-out' ? SIGNED_OUT_OF_APP : BACK_IN_APP;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><title>Test app</title><h1>${heading}</h1></html>`);
    });
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${http.address().port}`;
  return {
    redirectUri: `${origin}/cb`,
    postLogoutUri: `${origin}/signed-out`,
    received,
    close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(resolve); }),
  };
}

/** The one request the app's `path` received after the first `since`. */
function receivedAt(path, since) {
  const hits = rp.received.slice(since).filter((r) => r.url.pathname === path);
  assert.equal(hits.length, 1, `the app's ${path} should have received one request, got ` +
    `${JSON.stringify(hits.map((h) => `${h.method} ${h.url.href}`))}`);
  return hits[0];
}

/** The redirect URI's request as openid-client takes it: its URL, or a Request for a form post. */
function asCallback(hit) {
  if (hit.method === 'GET') return hit.url;
  return new Request(hit.url, { method: hit.method, body: hit.body, headers: { 'content-type': hit.contentType } });
}

/**
 * Waits for the app's page, after the person's `lastAnswer` on tessera's pages when one is given
 * (e.g. "Stay signed in?" No), and returns what the redirect URI received after the first `since`
 * requests (asCallback). When the browser does not get there, says where it is instead and what
 * its console said (a Content Security Policy's refusal, say).
 */
async function backInApp(page, since, shot, lastAnswer) {
  let stopped;
  if (lastAnswer) {
    try {
      await lastAnswer();
    } catch (e) {
      // The browser stopped the navigation to the app; the check below says where it is instead.
      if (!/net::ERR_ABORTED/.test(e.message)) throw e;
      stopped = e.message.split('\n')[0];
    }
  }
  try {
    await page.getByRole('heading', { level: 1, name: BACK_IN_APP, exact: true })
      .waitFor({ timeout: stopped ? 1000 : 10000 });
  } catch {
    assert.fail(`the browser should be back in the app ("${BACK_IN_APP}"), but it is at ${await pageState(page)}` +
      (stopped ? `; its navigation stopped (${stopped})` : '') +
      `; the app received ${JSON.stringify(rp.received.slice(since).map((r) => `${r.method} ${r.url.href}`))}` +
      `; the browser's console said ${JSON.stringify(consoleErrors.get(page) ?? [])}`);
  }
  await shot(page, 'back-in-the-app');
  return asCallback(receivedAt('/cb', since));
}

// ---------------------------------------------------------------- the app's openid-client side

/**
 * Registers a confidential app with `tessera client add NAME --redirect-uri <the app's /cb>
 * ...args` (`redirect: false` leaves the redirect URI out); `metadata` is what the app's
 * openid-client knows of itself. Returns {name, id, secret, metadata}.
 */
async function addClient(name, args = [], { redirect = true, metadata = {} } = {}) {
  const all = ['client', 'add', name, ...(redirect ? ['--redirect-uri', rp.redirectUri] : []), ...args];
  const r = await server.cli(all);
  assert.equal(r.code, 0, `tessera ${all.join(' ')} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  const id = /^client_id:\s*(\S+)/m.exec(r.stdout)?.[1];
  const secret = /^client_secret:\s*(\S+)/m.exec(r.stdout)?.[1];
  assert.ok(id, `"tessera client add" should print a client_id: line:\n${r.stdout}`);
  assert.ok(secret, `"tessera client add" should print a client_secret: line:\n${r.stdout}`);
  return { name, id, secret, metadata };
}

/**
 * openid-client's Configuration of `client` by discovery of tessera's issuer, over plain http
 * (loopback), checking ID token signatures against the JWKS (non-repudiation checks). Its clock
 * is set to the server's test clock (clockSkew), as an app's clock agrees with its provider's.
 */
async function relyingParty(client, secret = client.secret) {
  const skew = clock.now() - Math.floor(Date.now() / 1000);
  return oidc.discovery(new URL(server.baseUrl), client.id,
    { ...(secret ? { client_secret: secret } : {}), ...client.metadata, [oidc.clockSkew]: skew },
    undefined, { execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks] });
}

/**
 * What an app does to send a person to sign in: a PKCE verifier, a state and a nonce, and the
 * authorization URL with them (scope SCOPE unless `params` say otherwise).
 * Returns {client, url, verifier, state, nonce}.
 */
async function authorizationRequest(client, params = {}) {
  const config = await relyingParty(client);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: rp.redirectUri,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { client, url, verifier, state, nonce };
}

/** The app redeems the code of `callback` (openid-client's authorizationCodeGrant with its checks). */
async function redeem(request, callback, checks = {}, config) {
  return oidc.authorizationCodeGrant(config ?? await relyingParty(request.client), callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
    ...checks,
  });
}

/** A JWT's header and claims, unverified. */
function decodeJwt(jwt) {
  const [header, payload] = jwt.split('.').slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  return { header, claims: payload };
}

/** Asserts that `promise` is refused by the token endpoint with `error` (and `status`). */
async function refusedWith(promise, error, status = 400, what = 'the request') {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof oidc.ResponseBodyError,
      `${what} should be refused with an OAuth error body, got ${e?.name}: ${e?.message} ${JSON.stringify(e?.cause ?? '')}`);
    assert.equal(e.error, error, `${what}: error (${e.error_description ?? ''})`);
    assert.equal(e.status, status, `${what}: HTTP status`);
    return true;
  });
}

async function introspect(client, token) {
  return oidc.tokenIntrospection(await relyingParty(client), token);
}

// ---------------------------------------------------------------- the person

// The errors each person's page logged in its console (backInApp tells them).
const consoleErrors = new WeakMap();

/**
 * Runs body({context, page, shot}) with a fresh browser (withContext); when it fails, the end of
 * the server's output joins the test's diagnostics.
 */
async function asPerson(t, body) {
  try {
    await withContext(browser, t.name, async (args) => {
      const errors = [];
      consoleErrors.set(args.page, errors);
      args.page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
      await body(args);
    });
  } catch (e) {
    t.diagnostic(`--- the end of the tessera server's output ---\n${server.serverOutput().slice(-2000)}`);
    throw e;
  }
}

/**
 * A person without MFA signs in to `client` from nothing: the app's request, "Sign in", "Enter
 * password", "Stay signed in?" No, back in the app, which redeems the code.
 * Returns {request, tokens, claims}.
 */
async function signInToApp(page, shot, { client = app, user = bob, params = {}, checks = {} } = {}) {
  const request = await authorizationRequest(client, params);
  const since = rp.received.length;
  await page.goto(request.url.href);
  await submitUsername(page, user.upn, shot);
  await submitPassword(page, user.upn, user.password, shot);
  const tokens = await redeem(request, await backInApp(page, since, shot, () => staySignedIn(page, 'No')), checks);
  return { request, tokens, claims: tokens.claims() };
}

/**
 * Records each document the page's main frame is sent from now on, redirects included:
 * [{url, status}]; stop() ends the recording.
 */
function documentsOf(page) {
  const seen = [];
  const onResponse = (response) => {
    const request = response.request();
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      seen.push({ url: response.url(), status: response.status() });
    }
  };
  page.on('response', onResponse);
  seen.stop = () => page.off('response', onResponse);
  return seen;
}

/**
 * With a session that satisfies the request: the browser goes to the app's request and straight
 * back to the app, no tessera page in between. Returns {request, callback}.
 */
async function silently(page, shot, client, params = {}) {
  const request = await authorizationRequest(client, params);
  const since = rp.received.length;
  const documents = documentsOf(page);
  await page.goto(request.url.href);
  const callback = await backInApp(page, since, shot);
  documents.stop();
  assert.ok(documents.some((d) => d.url.startsWith(`${server.baseUrl}/authorize?`)),
    `the browser went through /authorize: ${JSON.stringify(documents)}`);
  const shown = documents.filter((d) => d.url.startsWith(server.baseUrl) && !(d.status >= 300 && d.status < 400));
  assert.deepEqual(shown, [], `no tessera page should show on the way back to the app: ${JSON.stringify(documents)}`);
  return { request, callback };
}

// ---------------------------------------------------------------- the tests

test('a person signs in to an app with code + PKCE, registers the authenticator app, and the app gets MFA claims and userinfo',
  { timeout: 60000 }, async (t) => {
    await asPerson(t, async ({ page, shot }) => {
      const request = await authorizationRequest(app);
      const since = rp.received.length;
      await page.goto(request.url.href);
      await submitUsername(page, server.upn, shot);
      await submitPassword(page, server.upn, PASSWORD, shot);
      await registerApp(page, clock, shot);
      await shot(page, 'stay-signed-in');
      const callback = await backInApp(page, since, shot, () => staySignedIn(page, 'Yes'));
      assert.equal(callback.searchParams.get('iss'), server.baseUrl, 'the answer names the issuer (RFC 9207)');

      const tokens = await redeem(request, callback);
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.equal(tokens.scope, SCOPE, 'the scope granted');
      assert.equal(tokens.expires_in, 600, 'the access token lasts [oidc] access_token_seconds');
      assert.ok(tokens.refresh_token, 'a refresh token for a client with the refresh_token grant');
      const claims = tokens.claims();
      assert.equal(claims.iss, server.baseUrl);
      assert.equal(claims.aud, app.id);
      assert.equal(typeof claims.sub, 'string');
      assert.equal(claims.nonce, request.nonce);
      assert.equal(claims.acr, ACR_MFA, `acr after the authenticator app: ${JSON.stringify(claims)}`);
      for (const amr of ['pwd', 'otp', 'mfa']) {
        assert.ok(claims.amr?.includes(amr), `amr should include "${amr}": ${JSON.stringify(claims.amr)}`);
      }
      assert.equal(claims.auth_time, clock.now(), 'auth_time is when the person signed in (the test clock)');
      assert.equal(claims.name, 'Alice');
      assert.equal(claims.preferred_username, server.upn);
      assert.equal(claims.email, server.upn);

      const access = decodeJwt(tokens.access_token);
      assert.equal(access.header.typ, 'at+jwt', 'the access token is a JWT access token (RFC 9068)');
      assert.equal(access.claims.sub, claims.sub);
      assert.equal(access.claims.client_id, app.id);
      assert.equal(access.claims.acr, ACR_MFA);

      const info = await oidc.fetchUserInfo(await relyingParty(app), tokens.access_token, claims.sub);
      const { sub, name, preferred_username: username, email } = info;
      assert.deepEqual({ sub, name, username, email },
        { sub: claims.sub, name: 'Alice', username: server.upn, email: server.upn }, 'userinfo for "openid profile email"');
    });
  });

test('a refresh token is rotated at each use, and using an old one again revokes its family', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    const { tokens, claims } = await signInToApp(page, shot);
    const first = tokens.refresh_token;
    assert.ok(first, 'the code gives a refresh token');

    const refreshed = await oidc.refreshTokenGrant(await relyingParty(app), first);
    assert.ok(refreshed.refresh_token, 'the refresh gives a new refresh token');
    assert.notEqual(refreshed.refresh_token, first, 'the refresh token is rotated');
    assert.notEqual(refreshed.access_token, tokens.access_token, 'and a new access token');
    const again = refreshed.claims();
    assert.ok(again, 'the refresh gives an ID token (scope openid)');
    for (const claim of ['iss', 'sub', 'aud', 'auth_time', 'acr']) {
      assert.deepEqual(again[claim], claims[claim], `the refreshed ID token's ${claim} is the sign-in's (OpenID Connect Core 12.2)`);
    }

    await refusedWith(oidc.refreshTokenGrant(await relyingParty(app), first), 'invalid_grant', 400,
      'the rotated-out refresh token used again');
    await refusedWith(oidc.refreshTokenGrant(await relyingParty(app), refreshed.refresh_token), 'invalid_grant', 400,
      'the newest refresh token once its family was revoked');
    assert.equal((await introspect(app, refreshed.access_token)).active, false,
      'the access token of the revoked family is no longer active');
  });
});

test('introspection says the access and refresh tokens are active, and not once they are revoked', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    const { tokens, claims } = await signInToApp(page, shot);

    const access = await introspect(app, tokens.access_token);
    assert.equal(access.active, true, `the access token is active: ${JSON.stringify(access)}`);
    assert.equal(access.sub, claims.sub);
    assert.equal(access.client_id, app.id);
    assert.equal(access.scope, SCOPE);
    assert.equal(access.iss, server.baseUrl);
    assert.equal(access.exp, clock.now() + 600);
    const refresh = await introspect(app, tokens.refresh_token);
    assert.equal(refresh.active, true, `the refresh token is active: ${JSON.stringify(refresh)}`);
    assert.equal(refresh.token_type, 'refresh_token');
    assert.equal(refresh.sub, claims.sub);
    assert.equal(refresh.client_id, app.id);

    await oidc.tokenRevocation(await relyingParty(app), tokens.access_token, { token_type_hint: 'access_token' });
    assert.equal((await introspect(app, tokens.access_token)).active, false, 'the revoked access token is inactive');
    await assert.rejects(oidc.fetchUserInfo(await relyingParty(app), tokens.access_token, claims.sub),
      'userinfo refuses a revoked access token');
    assert.equal((await introspect(app, tokens.refresh_token)).active, true,
      'revoking the access token leaves the refresh token active');

    await oidc.tokenRevocation(await relyingParty(app), tokens.refresh_token, { token_type_hint: 'refresh_token' });
    assert.equal((await introspect(app, tokens.refresh_token)).active, false, 'the revoked refresh token is inactive');
    await refusedWith(oidc.refreshTokenGrant(await relyingParty(app), tokens.refresh_token), 'invalid_grant', 400,
      'the revoked refresh token');
  });
});

test('a client registered for client_credentials gets an access token of its own', { timeout: 30000 }, async () => {
  const job = await addClient('Nightly job', ['--grant', 'client_credentials'], { redirect: false });
  const tokens = await oidc.clientCredentialsGrant(await relyingParty(job));
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(tokens.expires_in, 600);
  assert.equal(tokens.refresh_token, undefined, 'no refresh token without a person');
  assert.equal(tokens.id_token, undefined, 'no ID token without a person');
  const access = decodeJwt(tokens.access_token);
  assert.equal(access.header.typ, 'at+jwt');
  assert.equal(access.claims.sub, job.id, 'the token is the client\'s own');
  assert.equal(access.claims.client_id, job.id);
  const introspected = await introspect(job, tokens.access_token);
  assert.equal(introspected.active, true, `the client's token is active: ${JSON.stringify(introspected)}`);
  assert.equal(introspected.client_id, job.id);

  // The code flow's client may not use it.
  await refusedWith(oidc.clientCredentialsGrant(await relyingParty(app)), 'unauthorized_client', 400,
    'client_credentials from a client registered without it');
});

test('logout with id_token_hint returns to the app\'s post-logout URI with its state and ends the tessera session',
  { timeout: 30000 }, async (t) => {
    await asPerson(t, async ({ context, page, shot }) => {
      const { tokens } = await signInToApp(page, shot);
      await sessionCookie(context, server.baseUrl);

      const state = oidc.randomState();
      const logout = oidc.buildEndSessionUrl(await relyingParty(app), {
        id_token_hint: tokens.id_token, post_logout_redirect_uri: rp.postLogoutUri, state,
      });
      const since = rp.received.length;
      await page.goto(logout.href);
      await expectHeading(page, SIGNED_OUT_OF_APP, 10000);
      await shot(page, 'signed-out-of-the-app');
      const landed = receivedAt('/signed-out', since);
      assert.equal(landed.url.searchParams.get('state'), state, 'the post-logout URI gets the app\'s state');

      const cookies = await context.cookies(server.baseUrl);
      assert.ok(!cookies.some((c) => /^(__Host-)?tessera_session/.test(c.name)),
        `the session cookie is gone: ${cookies.map((c) => c.name).join(', ')}`);
      assert.equal((await introspect(app, tokens.refresh_token)).active, false,
        'what the ended session granted the app is revoked');

      // The app asks again: the person has to sign in again.
      const again = await authorizationRequest(app);
      await page.goto(again.url.href);
      await expectHeading(page, 'Sign in');
      await shot(page, 'sign-in-again');
    });
  });

test('prompt=none answers login_required without a session, and a code without any page with one', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    const request = await authorizationRequest(app, { prompt: 'none' });
    const since = rp.received.length;
    await page.goto(request.url.href);
    const callback = await backInApp(page, since, shot);
    assert.equal(callback.searchParams.get('error'), 'login_required', `the app's callback: ${callback.href}`);
    assert.equal(callback.searchParams.get('code'), null, 'no code');
    await assert.rejects(redeem(request, callback), (e) => {
      assert.ok(e instanceof oidc.AuthorizationResponseError, `openid-client sees an error answer: ${e}`);
      assert.equal(e.error, 'login_required');
      return true;
    });

    const { claims } = await signInToApp(page, shot);
    const silent = await silently(page, shot, app, { prompt: 'none' });
    const tokens = await redeem(silent.request, silent.callback);
    assert.equal(tokens.claims().sub, claims.sub, 'the same person');
    assert.equal(tokens.claims().auth_time, claims.auth_time, 'of the same sign-in');
  });
});

test('max_age=1 asks for the password again once the sign-in is older, and the new ID token has a later auth_time',
  { timeout: 30000 }, async (t) => {
    await asPerson(t, async ({ page, shot }) => {
      const first = await signInToApp(page, shot);
      assert.equal(first.claims.auth_time, clock.now());
      await clock.advance(3);

      const request = await authorizationRequest(app, { max_age: '1' });
      const since = rp.received.length;
      await page.goto(request.url.href);
      await expectHeading(page, 'Enter password');
      await shot(page, 'enter-password-again');
      await submitPassword(page, bob.upn, bob.password);
      const tokens = await redeem(request, await backInApp(page, since, shot, () => staySignedIn(page, 'No')),
        { maxAge: 1 });
      const claims = tokens.claims();
      assert.equal(claims.sub, first.claims.sub);
      assert.equal(claims.auth_time, clock.now(), 'auth_time is the new sign-in\'s');
      assert.ok(claims.auth_time >= first.claims.auth_time + 3,
        `auth_time ${claims.auth_time} is later than the first sign-in's ${first.claims.auth_time}`);

      // A max_age the new sign-in is within asks nothing.
      const fresh = await silently(page, shot, app, { max_age: '600' });
      assert.equal((await redeem(fresh.request, fresh.callback, { maxAge: 600 })).claims().auth_time, claims.auth_time);
    });
  });

test('acr_values=mfa steps a password-only sign-in from a trusted IP up to the authenticator app', { timeout: 60000 }, async (t) => {
  const carol = { upn: 'carol@example.com', name: 'Carol', password: PASSWORD };
  await addUser(server, carol.upn, carol.name, 'enabled');
  await asPerson(t, async ({ page, shot }) => {
    // Carol registers her authenticator app on tessera's own pages, and signs out.
    await signInWithPassword(page, server.baseUrl, carol.upn, carol.password);
    const secret = await registerApp(page, clock, shot);
    await staySignedIn(page, 'No');
    await expectHeading(page, 'Security info');
    await signOut(page);

    const set = await server.cli(['policy', 'set', 'trusted_ip_ranges', '127.0.0.0/8']);
    assert.equal(set.code, 0, `policy set trusted_ip_ranges failed: ${set.stdout}${set.stderr}`);
    try {
      const password = await signInToApp(page, shot, { user: carol });
      assert.equal(password.claims.acr, ACR_PASSWORD, `acr from a trusted IP: ${JSON.stringify(password.claims)}`);
      assert.deepEqual(password.claims.amr, ['pwd']);
      const { rows, row } = await newestSignIn(server, carol.upn);
      assert.equal(row?.['DECIDED BY'], 'trusted_ip', `the sign-in skipped the code for the trusted IP:\n${JSON.stringify(rows)}`);

      // Without the person, the app cannot have the MFA it asks for.
      const silent = await authorizationRequest(app, { prompt: 'none', acr_values: ACR_MFA });
      const sinceSilent = rp.received.length;
      await page.goto(silent.url.href);
      const refused = await backInApp(page, sinceSilent, shot);
      assert.equal(refused.searchParams.get('error'), 'interaction_required', `the app's callback: ${refused.href}`);

      // The next time step, so that the code is not the registration's.
      await clock.advance(TOTP_STEP);
      const request = await authorizationRequest(app, { acr_values: ACR_MFA });
      const since = rp.received.length;
      await page.goto(request.url.href);
      await submitPassword(page, carol.upn, carol.password, shot);
      await expectHeading(page, 'Enter code');
      await shot(page, 'enter-code-step-up');
      await submitCode(page, await totp(secret, clock.step()));
      const tokens = await redeem(request, await backInApp(page, since, shot, () => staySignedIn(page, 'No')));
      const claims = tokens.claims();
      assert.equal(claims.sub, password.claims.sub);
      assert.equal(claims.acr, ACR_MFA, `acr after the step-up: ${JSON.stringify(claims)}`);
      for (const amr of ['pwd', 'otp', 'mfa']) {
        assert.ok(claims.amr?.includes(amr), `amr should include "${amr}": ${JSON.stringify(claims.amr)}`);
      }
      assert.ok(claims.auth_time > password.claims.auth_time, 'auth_time is the step-up\'s');
    } finally {
      await server.cli(['policy', 'set', 'trusted_ip_ranges', 'none']);
    }
  });
});

test('a redirect URI with text appended gets an error page and nothing is sent to the app', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    for (const [what, redirectUri] of [['a path', `${rp.redirectUri}/more`], ['a query', `${rp.redirectUri}?next=/admin`],
      ['a character', `${rp.redirectUri}x`]]) {
      const request = await authorizationRequest(app, { redirect_uri: redirectUri });
      const since = rp.received.length;
      const response = await page.goto(request.url.href);
      await expectHeading(page, REQUEST_REFUSED);
      assert.equal(response.status(), 400, `the refusal's status (${what} appended)`);
      const text = await bodyText(page);
      assert.ok(text.includes('not registered'), `the page says the address is not registered; page text: ${text}`);
      await shot(page, `refused-${what.replace(/ /g, '-')}`);
      assert.deepEqual(rp.received.slice(since).map((r) => r.url.href), [],
        `nothing reached the app (${what} appended to the redirect URI)`);
    }
  });
});

test('a code used twice is invalid_grant and revokes the tokens of its first use', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    const request = await authorizationRequest(app);
    const since = rp.received.length;
    await page.goto(request.url.href);
    await submitUsername(page, bob.upn, shot);
    await submitPassword(page, bob.upn, bob.password);
    const callback = await backInApp(page, since, shot, () => staySignedIn(page, 'No'));
    const tokens = await redeem(request, callback);
    assert.equal((await introspect(app, tokens.access_token)).active, true);

    await refusedWith(redeem(request, callback), 'invalid_grant', 400, 'the code redeemed again');
    assert.equal((await introspect(app, tokens.access_token)).active, false,
      'the access token of the code\'s first use is revoked');
    assert.equal((await introspect(app, tokens.refresh_token)).active, false,
      'the refresh token of the code\'s first use is revoked');
  });
});

test('a code redeemed with the wrong PKCE verifier, or none, is invalid_grant', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    await signInToApp(page, shot);
    const wrong = await silently(page, shot, app);
    await refusedWith(redeem({ ...wrong.request, verifier: oidc.randomPKCECodeVerifier() }, wrong.callback),
      'invalid_grant', 400, 'another verifier than the challenge\'s');
    const none = await silently(page, shot, app);
    await refusedWith(redeem({ ...none.request, verifier: undefined }, none.callback), 'invalid_grant', 400,
      'no verifier for a code with a challenge');
  });
});

test('a code redeemed after its 60 seconds is invalid_grant', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    await signInToApp(page, shot);
    const { request, callback } = await silently(page, shot, app);
    await clock.advance(CODE_SECONDS + 1);
    await refusedWith(redeem(request, callback), 'invalid_grant', 400, 'the expired code');
  });
});

test('a wrong client secret is invalid_client (401) at the token endpoint', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    await signInToApp(page, shot);
    const { request, callback } = await silently(page, shot, app);
    const wrong = await relyingParty(app, `${app.secret.slice(0, -1)}${app.secret.endsWith('A') ? 'B' : 'A'}`);
    await refusedWith(redeem(request, callback, {}, wrong), 'invalid_client', 401, 'the code with a wrong secret');
    // The right secret still redeems it: a failed client authentication does not burn the code.
    await redeem(request, callback);
  });
});

test('a refresh token presented by another client is invalid_grant and stays usable by its own', { timeout: 30000 }, async (t) => {
  const other = await addClient('Other app');
  await asPerson(t, async ({ page, shot }) => {
    const { tokens } = await signInToApp(page, shot);
    await refusedWith(oidc.refreshTokenGrant(await relyingParty(other), tokens.refresh_token), 'invalid_grant', 400,
      'the refresh token of another client');
    const refreshed = await oidc.refreshTokenGrant(await relyingParty(app), tokens.refresh_token);
    assert.ok(refreshed.access_token, 'its own client still refreshes with it');
  });
});

test('response_mode=form_post brings the code to the app in a form the browser posts', { timeout: 30000 }, async (t) => {
  await asPerson(t, async ({ page, shot }) => {
    const request = await authorizationRequest(app, { response_mode: 'form_post' });
    const since = rp.received.length;
    await page.goto(request.url.href);
    await submitUsername(page, bob.upn, shot);
    await submitPassword(page, bob.upn, bob.password);
    const callback = await backInApp(page, since, shot, () => staySignedIn(page, 'No'));
    assert.ok(callback instanceof Request, 'the redirect URI was posted to');
    const hit = receivedAt('/cb', since);
    assert.equal(hit.method, 'POST');
    assert.match(hit.contentType, /^application\/x-www-form-urlencoded/);
    assert.equal(hit.url.search, '', 'nothing in the query');
    const form = new URLSearchParams(hit.body);
    assert.ok(form.get('code'), `the form has the code: ${hit.body}`);
    assert.equal(form.get('state'), request.state);
    assert.equal(form.get('iss'), server.baseUrl);
    const tokens = await redeem(request, callback);
    assert.equal(tokens.claims().preferred_username, bob.upn);
  });
});

test('an RS256 client gets an RS256 ID token that openid-client verifies', { timeout: 30000 }, async (t) => {
  const rs256 = await addClient('RS256 app', ['--id-token-alg', 'RS256'], { metadata: { id_token_signed_response_alg: 'RS256' } });
  await asPerson(t, async ({ page, shot }) => {
    const { tokens, claims } = await signInToApp(page, shot, { client: rs256 });
    const { header } = decodeJwt(tokens.id_token);
    assert.equal(header.alg, 'RS256', `the ID token's header: ${JSON.stringify(header)}`);
    assert.equal(claims.aud, rs256.id);
    const jwks = await (await fetch(`${server.baseUrl}/jwks`)).json();
    const key = jwks.keys.find((k) => k.kid === header.kid);
    assert.equal(key?.kty, 'RSA', `the JWKS has the RSA key ${header.kid}: ${JSON.stringify(jwks.keys.map((k) => k.kid))}`);

    // The default client's are ES256, from the same browser's session.
    const { request, callback } = await silently(page, shot, app);
    assert.equal(decodeJwt((await redeem(request, callback)).id_token).header.alg, 'ES256');
  });
});

test('an app\'s own page calls /userinfo and /token across origins, and signing out of tessera ends its refresh token',
  { timeout: 30000 }, async (t) => {
    await asPerson(t, async ({ page, shot }) => {
      const { tokens, claims } = await signInToApp(page, shot);
      // The browser is on the app's origin; its script calls tessera as a single-page app would,
      // with the Authorization header that makes the browser ask first (CORS preflight).
      assert.notEqual(new URL(page.url()).origin, new URL(server.baseUrl).origin);
      const call = (url, init) => page.evaluate(async ({ url, init }) => {
        const response = await fetch(url, init);
        return { status: response.status, body: await response.json() };
      }, { url, init });
      const info = await call(`${server.baseUrl}/userinfo`,
        { headers: { Authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(info.status, 200, JSON.stringify(info));
      assert.equal(info.body.sub, claims.sub);
      const basic = `Basic ${Buffer.from(`${app.id}:${app.secret}`).toString('base64')}`;
      const refreshed = await call(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(tokens.refresh_token)}`,
      });
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed));
      assert.ok(refreshed.body.refresh_token, 'a new refresh token');

      // Signing out of tessera (My Account's Sign out) ends what the app was given from it.
      await page.goto(server.baseUrl + '/');
      await shot(page, 'my-account-before-sign-out');
      await signOut(page);
      await refusedWith(oidc.refreshTokenGrant(await relyingParty(app), refreshed.body.refresh_token),
        'invalid_grant', 400, 'the refresh token of a session signed out of');
    });
  });
