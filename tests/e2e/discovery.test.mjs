// The discovery document and the JWKS of a real `tessera serve`, held to the checks of the OpenID
// Foundation conformance suite's Config OP plan (OIDCCConfigTestPlan: the single test module
// oidcc-discovery-endpoint-verification, OIDCCDiscoveryEndpointVerification, with the variants
// server_metadata=discovery and client_registration=static_client). Each test is named after the
// suite's condition it mirrors and checks what that condition checks; tessera's own promises
// (docs/oidc.md) follow under their own names. No browser.
//
// Three times: on plain HTTP with `public_url` given with a trailing slash (the issuer drops it),
// and without `public_url` (the issuer is http://ADDRESS:PORT), where the conditions that demand
// https are left out; and as behind a TLS-terminating proxy
// (`public_url = "https://id.example.com"`), where every condition runs against the document as the
// suite would see it at https://id.example.com/.well-known/openid-configuration. The document does
// not depend on the request's host, so fetching it from 127.0.0.1 gives what the proxy would
// forward; only the TLS connection itself (the proxy's, not tessera's) is not exercised.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTessera } from './tessera.mjs';

const WELL_KNOWN = '/.well-known/openid-configuration';
// The conditions that demand https exist only in the run behind the TLS proxy: on plain HTTP they
// are not asked (rather than skipped, which the test summary rightly counts as not passed).
const httpsTest = (tls) => (tls ? test : () => {});

// The member types of the suite's schema (json-schemas/rfc8414/oauth_authorization_server_metadata.json)
// for the members of OpenID Connect Discovery 1.0 §3, RFC 8414 §2, RFC 7009, RFC 7662, RFC 7636,
// RFC 9207, OpenID Connect RP-Initiated/Session/Front- and Back-Channel Logout and Prompt Create.
// The schema has no other required member and forbids unknown ones (a warning in the suite).
const URI = 'uri';
const STRINGS = 'strings';
const BOOLEAN = 'boolean';
const SCHEMA = {
  issuer: URI,
  authorization_endpoint: URI,
  token_endpoint: URI,
  jwks_uri: URI,
  registration_endpoint: URI,
  scopes_supported: STRINGS,
  response_types_supported: STRINGS,
  response_modes_supported: STRINGS,
  grant_types_supported: STRINGS,
  token_endpoint_auth_methods_supported: STRINGS,
  token_endpoint_auth_signing_alg_values_supported: STRINGS,
  service_documentation: URI,
  ui_locales_supported: STRINGS,
  op_policy_uri: URI,
  op_tos_uri: URI,
  revocation_endpoint: URI,
  revocation_endpoint_auth_methods_supported: STRINGS,
  revocation_endpoint_auth_signing_alg_values_supported: STRINGS,
  introspection_endpoint: URI,
  introspection_endpoint_auth_methods_supported: STRINGS,
  introspection_endpoint_auth_signing_alg_values_supported: STRINGS,
  code_challenge_methods_supported: STRINGS,
  userinfo_endpoint: URI,
  end_session_endpoint: URI,
  check_session_iframe: URI,
  subject_types_supported: STRINGS,
  id_token_signing_alg_values_supported: STRINGS,
  id_token_encryption_alg_values_supported: STRINGS,
  id_token_encryption_enc_values_supported: STRINGS,
  userinfo_signing_alg_values_supported: STRINGS,
  userinfo_encryption_alg_values_supported: STRINGS,
  userinfo_encryption_enc_values_supported: STRINGS,
  request_object_signing_alg_values_supported: STRINGS,
  request_object_encryption_alg_values_supported: STRINGS,
  request_object_encryption_enc_values_supported: STRINGS,
  display_values_supported: STRINGS,
  claim_types_supported: STRINGS,
  claims_supported: STRINGS,
  claims_locales_supported: STRINGS,
  claims_parameter_supported: BOOLEAN,
  request_parameter_supported: BOOLEAN,
  request_uri_parameter_supported: BOOLEAN,
  require_request_uri_registration: BOOLEAN,
  acr_values_supported: STRINGS,
  frontchannel_logout_supported: BOOLEAN,
  frontchannel_logout_session_supported: BOOLEAN,
  backchannel_logout_supported: BOOLEAN,
  backchannel_logout_session_supported: BOOLEAN,
  authorization_response_iss_parameter_supported: BOOLEAN,
  prompt_values_supported: STRINGS,
};

// RFC 7518 §3.1 JWS and §4.1 JWE algorithm names (the suite's KNOWN_ALGORITHMS, from Nimbus).
const KNOWN_ALGORITHMS = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES256K', 'ES384', 'ES512',
  'EdDSA', 'Ed25519', 'Ed448', 'RSA1_5', 'RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512',
  'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW', 'A128KW', 'A192KW', 'A256KW',
  'A128GCMKW', 'A192GCMKW', 'A256GCMKW', 'dir',
]);
const SUPPORTED_KEY_TYPES = new Set(['EC', 'RSA', 'oct', 'OKP']);
const SUPPORTED_EC_CURVES = new Set(['P-256', 'P-384', 'P-521', 'secp256k1']);
const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const BASE64URL = /^[A-Za-z0-9_-]*$/;
// The response types OpenID Connect defines (OIDCCCheckDiscEndpointResponseTypesSupported).
const OIDC_RESPONSE_TYPES = ['code', 'code id_token', 'id_token', 'token id_token',
  'code id_token token', 'code token'];

const sameResponseType = (a, b) => {
  const wordsA = new Set(a.split(' '));
  const wordsB = new Set(b.split(' '));
  return wordsA.size === wordsB.size && [...wordsA].every((w) => wordsB.has(w));
};
const isStringArray = (value) => Array.isArray(value) && value.every((v) => typeof v === 'string');
const mimeType = (contentType) => (contentType ?? '').split(';')[0].trim();
const base64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** The suite's AbstractJsonUriIsValidAndHttps: present, a string, a URL, https (when `tls`). */
function checkUriIsValidAndHttps(doc, member, tls) {
  assert.ok(member in doc, `${member}: URL not found`);
  assert.equal(typeof doc[member], 'string', `${member} is expected to be a string containing a URL`);
  const url = new URL(doc[member]);
  if (tls) assert.equal(url.protocol, 'https:', `${member} must use the https scheme: ${doc[member]}`);
}

/** The suite's IssuerUrlValidation (RFC 8414 §2) without the https rule when `tls` is false. */
function checkIssuerIdentifier(issuer, tls) {
  const url = new URL(issuer);
  if (tls) assert.equal(url.protocol, 'https:', `issuer must use the https scheme: ${issuer}`);
  assert.ok(url.hostname, `issuer is missing a host: ${issuer}`);
  assert.ok(!issuer.includes('#'), `issuer must not contain a fragment: ${issuer}`);
  assert.ok(!issuer.includes('?'), `issuer must not contain a query: ${issuer}`);
  assert.equal(url.username + url.password, '', `issuer must not contain userinfo: ${issuer}`);
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public EC or RSA key. */
function thumbprint(jwk) {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
    : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return base64url(createHash('sha256').update(JSON.stringify(members)).digest());
}

/**
 * The Config OP checks against one tessera. `options`: label, publicUrl(baseUrl) — the
 * configured [server] public_url (none when absent), issuer(baseUrl) — the issuer it must give,
 * tls — whether the suite would reach it over https (behind a proxy), trustedProxies.
 */
function configOpChecks({ label, publicUrl, issuer: expectedIssuer, tls, trustedProxies = [] }) {
  describe(label, () => {
    let server;
    let issuer;  // what this server's issuer must be
    let discoveryUrl;  // where the suite would fetch the document
    let response;  // of GET /.well-known/openid-configuration
    let body;
    let doc;
    let jwksResponse;
    let jwks;
    // The public URL `url` (under the issuer) as this test reaches it: on the server's own port.
    const local = (url) => {
      assert.ok(url.startsWith(`${issuer}/`), `${url} is not under the issuer ${issuer}`);
      return server.baseUrl + url.slice(issuer.length);
    };

    before(async () => {
      server = await startTessera({
        password: 'Correct-Horse-Battery-9',
        mfaState: 'disabled',
        trustedProxies,
        config: ({ baseUrl }) => (publicUrl ? { server: { public_url: publicUrl(baseUrl) } } : {}),
      });
      issuer = expectedIssuer(server.baseUrl);
      discoveryUrl = `${issuer}${WELL_KNOWN}`;
      response = await fetch(local(discoveryUrl), tls ? { headers: { 'X-Forwarded-Proto': 'https' } } : {});
      body = await response.text();
      try {
        doc = JSON.parse(body);
      } catch {
        doc = undefined;
      }
      if (typeof doc?.jwks_uri === 'string' && doc.jwks_uri.startsWith(`${issuer}/`)) {
        jwksResponse = await fetch(local(doc.jwks_uri));
        jwks = JSON.parse(await jwksResponse.text());
      }
    });

    after(async () => {
      await server?.stop();
    });

    // ------------------------------------------------------------ configure()

    test('GetDynamicServerConfiguration: the document is a JSON object', () => {
      assert.ok(doc !== null && typeof doc === 'object' && !Array.isArray(doc),
        `not a JSON object: ${body}`);
    });

    test('EnsureDiscoveryEndpointResponseStatusCodeIs200', () => {
      assert.equal(response.status, 200, body);
    });

    test('CheckDiscoveryEndpointReturnedJsonContentType: Content-Type application/json', () => {
      assert.equal(mimeType(response.headers.get('content-type')), 'application/json',
        `Content-Type: ${response.headers.get('content-type')}`);
    });

    // ------------------------------------------------------------ performEndpointVerification()

    test('OIDCCCheckDiscEndpointResponseTypesSupported: at least one OIDC response type', () => {
      assert.ok(isStringArray(doc.response_types_supported), 'response_types_supported should be an array');
      assert.ok(doc.response_types_supported.some((t) => OIDC_RESPONSE_TYPES.some((o) => sameResponseType(t, o))),
        `none of ${OIDC_RESPONSE_TYPES.join(', ')}: ${JSON.stringify(doc.response_types_supported)}`);
    });

    test('CheckDiscEndpointDiscoveryUrl: the URL ends in /.well-known/openid-configuration', () => {
      assert.ok(discoveryUrl.endsWith(WELL_KNOWN), discoveryUrl);
      new URL(discoveryUrl);  // throws unless it parses
    });

    httpsTest(tls)('CheckDiscEndpointDiscoveryUrl: the URL is https', () => {
      assert.equal(new URL(discoveryUrl).protocol, 'https:', discoveryUrl);
    });

    test('CheckDiscEndpointIssuer: issuer is where the document was fetched from', () => {
      assert.equal(typeof doc.issuer, 'string', 'issuer is missing from the discovery endpoint document');
      const trim = (url) => (url.endsWith('/') ? url.slice(0, -1) : url);
      const fetchedFrom = discoveryUrl.slice(0, -'.well-known/openid-configuration'.length);
      assert.equal(trim(doc.issuer), trim(fetchedFrom));
    });

    test('CheckDiscEndpointIssuerIsValidUrl: host, no query, fragment or userinfo', () => {
      checkIssuerIdentifier(doc.issuer, false);
    });

    httpsTest(tls)('CheckDiscEndpointIssuerIsValidUrl: https', () => {
      checkIssuerIdentifier(doc.issuer, true);
    });

    test('ValidateServerMetadataAgainstSchema: each member has the type the schema gives it', () => {
      for (const [member, value] of Object.entries(doc)) {
        const type = SCHEMA[member];
        if (type === URI) {
          assert.equal(typeof value, 'string', `${member}: ${JSON.stringify(value)}`);
          new URL(value);
        } else if (type === STRINGS) {
          assert.ok(isStringArray(value), `${member} should be an array of strings: ${JSON.stringify(value)}`);
        } else if (type === BOOLEAN) {
          assert.equal(typeof value, 'boolean', `${member}: ${JSON.stringify(value)}`);
        }
      }
    });

    test('CheckForUnexpectedParametersInServerMetadata: no member the schema does not know', () => {
      const unknown = Object.keys(doc).filter((member) => !(member in SCHEMA));
      assert.deepEqual(unknown, []);
    });

    test('CheckDiscEndpointSubjectTypesSupported: public or pairwise', () => {
      assert.ok(isStringArray(doc.subject_types_supported), 'subject_types_supported should be an array');
      assert.ok(doc.subject_types_supported.some((t) => t === 'public' || t === 'pairwise'),
        JSON.stringify(doc.subject_types_supported));
    });

    test('OIDCCCheckDiscEndpointIdTokenSigningAlgValuesSupported: RS256 is listed', () => {
      assert.ok(isStringArray(doc.id_token_signing_alg_values_supported));
      assert.ok(doc.id_token_signing_alg_values_supported.includes('RS256'),
        JSON.stringify(doc.id_token_signing_alg_values_supported));
    });

    test('OIDCCCheckDiscEndpointUserinfoSigningAlgValuesSupported: an array if present', () => {
      // tessera's userinfo answers plain JSON, so the member is absent: the suite skips (INFO).
      if ('userinfo_signing_alg_values_supported' in doc) {
        assert.ok(isStringArray(doc.userinfo_signing_alg_values_supported));
      }
    });

    for (const member of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint']) {
      const condition = {
        authorization_endpoint: 'CheckDiscEndpointAuthorizationEndpoint',
        token_endpoint: 'CheckDiscEndpointTokenEndpoint',
        userinfo_endpoint: 'CheckDiscEndpointUserinfoEndpoint',
      }[member];
      test(`${condition}: ${member} is a URL`, () => checkUriIsValidAndHttps(doc, member, false));
      httpsTest(tls)(`${condition}: ${member} is https`, () => checkUriIsValidAndHttps(doc, member, true));
    }

    test('CheckDiscEndpointRegistrationEndpoint: skipped, as there is no dynamic registration', () => {
      // The suite skips the condition when the member is absent (INFO); docs/oidc.md: "There is
      // no dynamic registration", so it must be absent rather than point nowhere.
      assert.ok(!('registration_endpoint' in doc), doc.registration_endpoint);
    });

    test('CheckJwksUri: jwks_uri is a URL', () => checkUriIsValidAndHttps(doc, 'jwks_uri', false));
    httpsTest(tls)('CheckJwksUri: jwks_uri is https', () => checkUriIsValidAndHttps(doc, 'jwks_uri', true));

    test('FetchServerKeys: jwks_uri answers a JSON object', () => {
      assert.equal(jwksResponse?.status, 200);
      assert.ok(jwks !== null && typeof jwks === 'object' && !Array.isArray(jwks), JSON.stringify(jwks));
    });

    // ValidateJwksSequence (and the Config plan's ValidateServerJWKs, "OP-Discovery-JWKs").
    test('EnsureJwksHasNoPrivateOrSymmetricKeyMaterial: public keys only', () => {
      for (const [index, key] of jwks.keys.entries()) {
        assert.notEqual(key.kty, 'oct', `key ${index} is a symmetric (oct) key`);
        for (const member of PRIVATE_KEY_MEMBERS) {
          assert.ok(!(member in key), `key ${index} contains private key material ('${member}')`);
        }
      }
    });

    test('ValidateJwksStructure: a keys array of well-formed keys', () => {
      assert.ok(Array.isArray(jwks.keys), "no 'keys' array");
      assert.ok(jwks.keys.length > 0, 'no keys');
      for (const [index, key] of jwks.keys.entries()) {
        assert.ok(key !== null && typeof key === 'object', `key ${index} is not a JSON object`);
        assert.equal(typeof key.kty, 'string', `key ${index} has no 'kty'`);
        const members = { RSA: ['e', 'n'], EC: ['x', 'y'], OKP: ['x'] }[key.kty] ?? [];
        if (key.kty === 'OKP') assert.ok('crv' in key, `key ${index}: an OKP key needs 'crv'`);
        for (const member of members) {
          assert.equal(typeof key[member], 'string', `key ${index} has no '${member}' for a ${key.kty} key`);
          assert.match(key[member], BASE64URL, `key ${index}: '${member}' is not unpadded base64url`);
        }
      }
    });

    test('ParseUsableJwksKeys: every key parses (node:crypto, OpenSSL)', () => {
      for (const [index, key] of jwks.keys.entries()) {
        assert.doesNotThrow(() => createPublicKey({ key, format: 'jwk' }), `key ${index}: ${JSON.stringify(key)}`);
      }
    });

    test('WarnOnUnusableJwksKeys: known key types, curves and algorithms', () => {
      for (const [index, key] of jwks.keys.entries()) {
        assert.ok(SUPPORTED_KEY_TYPES.has(key.kty), `key ${index}: kty '${key.kty}'`);
        if (key.kty === 'EC') assert.ok(SUPPORTED_EC_CURVES.has(key.crv), `key ${index}: crv '${key.crv}'`);
        if (key.alg !== undefined) assert.ok(KNOWN_ALGORITHMS.has(key.alg), `key ${index}: alg '${key.alg}'`);
      }
    });

    test('CheckDiscEndpointRequestParameterSupported: false, as tessera refuses request objects', () => {
      // The suite wants true and says so as INFO; tessera answers request_not_supported, and says so.
      assert.equal(doc.request_parameter_supported, false);
    });

    test('CheckDiscEndpointRequestUriParameterSupported: false, stated (its default is true)', () => {
      // Absent would mean true (OpenID Connect Discovery §3), which tessera does not do; the suite
      // wants true and says so as INFO.
      assert.equal(doc.request_uri_parameter_supported, false);
    });

    test('CheckDiscEndpointRequestObjectSigningAlgValuesSupportedIncludesRS256: skipped, no request objects', () => {
      assert.ok(!('request_object_signing_alg_values_supported' in doc));
    });

    test('CheckDiscEndpointClaimsParameterSupported: true', () => {
      assert.equal(doc.claims_parameter_supported, true);
    });

    test('OIDCCCheckDiscEndpointClaimsSupported: an array', () => {
      assert.ok(isStringArray(doc.claims_supported), JSON.stringify(doc.claims_supported));
    });

    test('OIDCCCheckDiscEndpointGrantTypesSupported: a non-empty array', () => {
      assert.ok(isStringArray(doc.grant_types_supported), JSON.stringify(doc.grant_types_supported));
      assert.ok(doc.grant_types_supported.length > 0);
    });

    test('CheckDiscEndpointScopesSupportedContainsOpenId', () => {
      assert.ok(isStringArray(doc.scopes_supported));
      assert.ok(doc.scopes_supported.includes('openid'), JSON.stringify(doc.scopes_supported));
    });

    test('CheckDiscEndpointScopesSupportedSyntax: RFC 6749 scope-tokens', () => {
      // NQCHAR: %x21 / %x23-5B / %x5D-7E.
      for (const scope of doc.scopes_supported) assert.match(scope, /^[\x21\x23-\x5B\x5D-\x7E]+$/, scope);
    });

    test('CheckDiscEndpointLocalesSyntax and CheckDiscEndpointLocalesCanonicalCasing', () => {
      // tessera lists no locales; any it listed would have to be canonical BCP 47 tags.
      for (const member of ['ui_locales_supported', 'claims_locales_supported']) {
        if (!(member in doc)) continue;
        assert.ok(isStringArray(doc[member]), member);
        for (const tag of doc[member]) {
          assert.match(tag, /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/, `${member}: ${tag}`);
        }
      }
    });

    httpsTest(tls)('CheckDiscEndpointAllEndpointsAreHttps', () => {
      for (const member of Object.keys(doc).filter((m) => m.endsWith('_endpoint'))) {
        checkUriIsValidAndHttps(doc, member, true);
      }
    });

    test('EnsureServerConfigurationCodeChallengeMethodsSupportedIsAnArray: S256 or plain', () => {
      const methods = doc.code_challenge_methods_supported;
      if (methods === undefined || (Array.isArray(methods) && methods.length === 0)) return;
      assert.ok(isStringArray(methods), JSON.stringify(methods));
      assert.ok(methods.includes('S256') || methods.includes('plain'), JSON.stringify(methods));
    });

    // ------------------------------------------------------------ tessera's own (docs/oidc.md)

    test('issuer is [server] public_url without a trailing slash (or http://ADDRESS:PORT)', () => {
      assert.equal(doc.issuer, issuer);
      assert.ok(!doc.issuer.endsWith('/'), doc.issuer);
    });

    test('every endpoint URL starts with the issuer', () => {
      const urls = Object.entries(doc).filter(([m]) => m.endsWith('_endpoint') || m === 'jwks_uri');
      assert.deepEqual(urls.map(([member]) => member).sort(), ['authorization_endpoint',
        'end_session_endpoint', 'introspection_endpoint', 'jwks_uri', 'revocation_endpoint',
        'token_endpoint', 'userinfo_endpoint']);
      for (const [member, url] of urls) assert.ok(url.startsWith(`${doc.issuer}/`), `${member}: ${url}`);
    });

    test('every endpoint is served where the document says (no 404)', async () => {
      const posted = new Set(['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']);
      for (const [member, url] of Object.entries(doc)) {
        if (!member.endsWith('_endpoint') && member !== 'jwks_uri') continue;
        const answer = await fetch(local(url), { method: posted.has(member) ? 'POST' : 'GET', redirect: 'manual' });
        await answer.arrayBuffer();
        assert.ok(answer.status !== 404 && answer.status !== 405 && answer.status < 500,
          `${member} ${url}: ${answer.status}`);
      }
    });

    test('the JWKS is application/jwk-set+json', () => {
      assert.equal(mimeType(jwksResponse.headers.get('content-type')), 'application/jwk-set+json');
    });

    test('every key has a kid, its RFC 7638 thumbprint, and no two keys share one', () => {
      const kids = jwks.keys.map((key) => key.kid);
      for (const [index, key] of jwks.keys.entries()) {
        assert.equal(typeof key.kid, 'string', `key ${index} has no kid`);
        assert.equal(key.kid, thumbprint(key), `key ${index}`);
      }
      assert.equal(new Set(kids).size, kids.length, `kids: ${kids.join(', ')}`);
    });

    test("every key is use 'sig' with the alg of its type, one for each ID token alg", () => {
      for (const [index, key] of jwks.keys.entries()) {
        assert.equal(key.use, 'sig', `key ${index}`);
        if (key.kty === 'EC') {
          assert.deepEqual([key.alg, key.crv], ['ES256', 'P-256'], `key ${index}`);
        } else {
          assert.equal(key.kty, 'RSA', `key ${index}`);
          assert.equal(key.alg, 'RS256', `key ${index}`);
          assert.equal(key.e, 'AQAB', `key ${index}: e = 65537`);
          assert.ok(Buffer.from(key.n, 'base64url').length * 8 >= 2048, `key ${index}: at least 2048 bits`);
        }
      }
      for (const alg of doc.id_token_signing_alg_values_supported) {
        assert.ok(jwks.keys.some((key) => key.alg === alg), `no key for ${alg}`);
      }
    });

    test('a token the server signs verifies with the JWKS key its kid names', async () => {
      const added = await server.cli(['client', 'add', 'Backup job', '--grant', 'client_credentials']);
      assert.equal(added.code, 0, added.stdout + added.stderr);
      const id = added.stdout.match(/^client_id:\s+(\S+)$/m)?.[1];
      const secret = added.stdout.match(/^client_secret:\s+(\S+)$/m)?.[1];
      assert.ok(id && secret, added.stdout);
      const answer = await fetch(local(doc.token_endpoint), {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      const tokens = await answer.json();
      assert.equal(answer.status, 200, JSON.stringify(tokens));
      const [header, payload, signature] = tokens.access_token.split('.');
      const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url'));
      const key = jwks.keys.find((k) => k.kid === kid);
      assert.ok(key, `kid ${kid} is not in the JWKS`);
      assert.equal(key.alg, alg);
      assert.ok(verify('sha256', Buffer.from(`${header}.${payload}`),
        { key: createPublicKey({ key, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url')), 'the signature does not verify');
      assert.equal(JSON.parse(Buffer.from(payload, 'base64url')).iss, doc.issuer);
    });
  });
}

configOpChecks({
  label: 'plain HTTP, public_url with a trailing slash',
  publicUrl: (baseUrl) => `${baseUrl}/`,
  issuer: (baseUrl) => baseUrl,
  tls: false,
});

configOpChecks({
  label: 'plain HTTP, no public_url: the issuer is http://ADDRESS:PORT',
  issuer: (baseUrl) => baseUrl,
  tls: false,
});

configOpChecks({
  label: 'behind a TLS proxy: public_url https://id.example.com',
  publicUrl: () => 'https://id.example.com',
  issuer: () => 'https://id.example.com',
  tls: true,
  trustedProxies: ['127.0.0.1'],
});
