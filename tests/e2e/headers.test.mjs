// What every page sends besides its content: security headers and safe cookie attributes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTessera } from './tessera.mjs';

test('pages carry a script-free CSP, refuse framing and are not cached', async () => {
  const server = await startTessera({ password: 'Correct-Horse-Battery-9', mfaState: 'disabled' });
  try {
    const response = await fetch(`${server.baseUrl}/signin`);
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/, `CSP: ${csp}`);
    assert.match(csp, /frame-ancestors 'none'/, `CSP: ${csp}`);
    assert.doesNotMatch(csp, /script-src/, `no scripts are allowed at all: ${csp}`);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^tessera_flow=[A-Za-z0-9_-]{43};/, `flow cookie: ${cookie}`);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, 'plain HTTP without a proxy: no Secure flag');
  } finally {
    await server.stop();
  }
});

test('behind a trusted TLS proxy, cookies are Secure with the __Host- prefix', async () => {
  const server = await startTessera({
    password: 'Correct-Horse-Battery-9', mfaState: 'disabled', trustedProxies: ['127.0.0.1'],
  });
  try {
    const response = await fetch(`${server.baseUrl}/signin`, {
      headers: { 'X-Forwarded-Proto': 'https' },
    });
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^__Host-tessera_flow=/, `cookie: ${cookie}`);
    assert.match(cookie, /; Secure/, `cookie: ${cookie}`);
    assert.match(cookie, /Path=\//);
  } finally {
    await server.stop();
  }
});

test('X-Forwarded-Proto from a peer that is not a trusted proxy changes nothing', async () => {
  const server = await startTessera({ password: 'Correct-Horse-Battery-9', mfaState: 'disabled' });
  try {
    const response = await fetch(`${server.baseUrl}/signin`, {
      headers: { 'X-Forwarded-Proto': 'https' },
    });
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^tessera_flow=/, `cookie: ${cookie}`);
    assert.doesNotMatch(cookie, /Secure/, `cookie: ${cookie}`);
  } finally {
    await server.stop();
  }
});
