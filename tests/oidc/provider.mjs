// A real OpenID Connect provider (npm oidc-provider) for reflect's single sign-on tests.
// Started by tests/oidc/provider.py on 127.0.0.1: PORT, REDIRECT_URIS (comma-separated).
// Accounts: any login; its email is the login (or login@example.org), verified unless the
// login starts with "unverified". For the refusal tests, POST /__test/tamper with
// mode=audience|expired|none re-signs the next ID tokens with the provider's own key,
// with a wrong audience or already expired.
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = (process.env.REDIRECT_URIS || '').split(',').filter(Boolean);

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
let tamper = 'none';

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'reflect',
    client_secret: 'reflect-test-secret',
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [jwk] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false, // the email in the ID token itself
  cookies: { keys: ['reflect-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id.includes('@') ? id : `${id}@example.org`,
          email_verified: !id.startsWith('unverified'),
          name: `Test ${id}`,
        };
      },
    };
  },
  // no consent screen: the test's accounts grant what is asked
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/tamper' && ctx.method === 'POST') {
    const body = await new Promise((resolve) => {
      let data = '';
      ctx.req.on('data', (chunk) => { data += chunk; });
      ctx.req.on('end', () => resolve(data));
    });
    tamper = new URLSearchParams(body).get('mode') || 'none';
    ctx.body = { tamper };
    return;
  }
  await next();
  if (ctx.path === '/token' && tamper !== 'none' && ctx.body && ctx.body.id_token) {
    const claims = jose.decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    if (tamper === 'audience') claims.aud = 'another-client';
    if (tamper === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
    ctx.body = {
      ...ctx.body,
      id_token: await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(privateKey),
    };
  }
});

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
