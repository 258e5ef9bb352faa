// The baseline of tessera's OIDC benchmarks (bench/oidc_bench.sh): node's oidc-provider, in
// memory (its default adapter), on 127.0.0.1 at a free port, signing with one ES256 key made at
// start, so that it does what tessera does per request:
//   - client_credentials: an ES256 JWT access token (tessera's are ES256 "at+jwt"); oidc-provider
//     issues JWTs only for a resource server, so every request gets the default resource below;
//   - authorization_code: an ES256 JWT access token, an ES256 ID token and a refresh token, as
//     tessera issues for a client allowed refresh_token (oidc-provider would otherwise want the
//     offline_access scope for one).
// One confidential client (client_secret_basic) may use authorization_code, refresh_token and
// client_credentials. People sign in through oidc-provider's development interactions (any login
// name, consent once); the benchmark does that once, over HTTP, before measuring.
//
// Usage: node server.mjs REDIRECT_URI
// Prints one JSON line once it listens: {"issuer", "client_id", "client_secret", "pid"}.
// Runs until SIGTERM or SIGINT.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const redirectUri = process.argv[2];
if (!redirectUri) {
  console.error('usage: node server.mjs REDIRECT_URI');
  process.exit(2);
}

// The same lifetimes as tessera's defaults ([oidc] in docs/configuration.md).
const ACCESS_TOKEN_SECONDS = 600;
const ID_TOKEN_SECONDS = 600;
const CODE_SECONDS = 60;
const API = 'urn:tessera-bench:api';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

const client = {
  client_id: 'bench',
  client_secret: randomBytes(32).toString('base64url'),
  redirect_uris: [redirectUri],
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'ES256',
};

const http = createServer();
await new Promise((resolve, reject) => {
  http.once('error', reject);
  http.listen(0, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${http.address().port}`;

const provider = new Provider(issuer, {
  clients: [client],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  findAccount: (_ctx, accountId) => ({
    accountId,
    claims: () => ({ sub: accountId, name: accountId, preferred_username: accountId, email: accountId }),
  }),
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => API,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: '',
        accessTokenFormat: 'jwt',
        accessTokenTTL: ACCESS_TOKEN_SECONDS,
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  issueRefreshToken: (_ctx, theClient) => theClient.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: ACCESS_TOKEN_SECONDS,
    ClientCredentials: ACCESS_TOKEN_SECONDS,
    IdToken: ID_TOKEN_SECONDS,
    AuthorizationCode: CODE_SECONDS,
    // Set, like the rest, so oidc-provider prints no notice about its defaults.
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
  },
});
http.on('request', provider.callback());

console.log(JSON.stringify({
  issuer, client_id: client.client_id, client_secret: client.client_secret, pid: process.pid,
}));

const stop = () => {
  http.closeAllConnections();
  http.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
