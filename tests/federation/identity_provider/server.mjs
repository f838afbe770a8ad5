// A real OpenID Connect provider for the tests: panva's oidc-provider (npm), on 127.0.0.1 only.
//
// Started by tests/federation/identity_provider/__init__.py (IdentityProvider), configured by
// the environment:
//   IDP_PORT      the port (required); the issuer is http://127.0.0.1:<port>
//   IDP_CLIENTS   JSON list of {client_id, client_secret, redirect_uris: [...]}
//   IDP_ACCOUNTS  JSON object {"<login>": {password, claims: {sub, email, ...}, amr?, acr?}}
// Prints one line "ready <issuer>" on stdout once listening (everything else goes to stderr);
// exits on SIGTERM or SIGINT.
//
// Its own login page at /interaction/:uid ("EU Login", the labels "Username or e-mail address"
// and "Password", the button "Sign in"); consent is granted at once. POST /__control with
// {"mode": ..., "delay": seconds} makes the provider misbehave (see MODES) until changed.

import { createServer } from 'node:http';
import { randomUUID, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';
import * as jose from 'jose';

// stdout carries only the ready line: oidc-provider's notices (console.info) go to stderr, and
// the warning about its in-memory adapter, which is what a test provider wants, is dropped.
const toStderr = (...args) => console.error(...args);
console.info = toStderr;
console.log = toStderr;
const warn = console.warn.bind(console);
console.warn = (...args) => {
  if (String(args[0]).includes('in-memory adapter')) return;
  warn(...args);
};

const port = Number.parseInt(process.env.IDP_PORT ?? '', 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('server.mjs: set IDP_PORT to the port to listen on');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const clientsConfig = JSON.parse(process.env.IDP_CLIENTS || '[]');
const accounts = JSON.parse(process.env.IDP_ACCOUNTS || '{}');

// --- Keys: the provider's own, and another one for the "foreign-key" mode -------------------

async function signingKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { jwk, key: privateKey };
}

const own = await signingKey(`test-idp-${randomUUID()}`);
const foreign = await signingKey(own.jwk.kid);

// --- Accounts ---------------------------------------------------------------------------------

const bySub = new Map();
for (const [login, entry] of Object.entries(accounts)) {
  const sub = String(entry.claims?.sub ?? login);
  bySub.set(sub, { login, ...entry, claims: { ...entry.claims, sub } });
}

function accountFor(login) {
  const typed = String(login ?? '').trim();
  if (!typed) return undefined;
  if (Object.hasOwn(accounts, typed)) {
    return bySub.get(String(accounts[typed].claims?.sub ?? typed));
  }
  const lower = typed.toLowerCase();
  return [...bySub.values()].find((entry) => String(entry.claims.email ?? '').toLowerCase() === lower);
}

const acrValues = [...new Set(Object.values(accounts).map((entry) => entry.acr).filter(Boolean))];

// --- The provider -----------------------------------------------------------------------------

const provider = new Provider(issuer, {
  clients: clientsConfig.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    // A web client: with the authorization code flow oidc-provider 8 accepts http redirect URIs
    // such as http://127.0.0.1:<port>/... or http://localhost/... for it.
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: client.token_endpoint_auth_method ?? 'client_secret_basic',
  })),
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  responseTypes: ['code'],
  scopes: ['openid', 'email', 'profile'],
  claims: {
    // acr and amr (of the login, from the account) in every ID token of the openid scope.
    openid: ['sub', 'acr', 'amr'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'name', 'locale'],
    acr: null,
    amr: null,
    auth_time: null,
    sid: null,
    iss: null,
  },
  acrValues,
  conformIdTokenClaims: false,
  pkce: { methods: ['S256'], required: () => false },
  jwks: { keys: [own.jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: false } },
  async findAccount(ctx, sub) {
    const entry = bySub.get(String(sub));
    if (!entry) return undefined;
    return {
      accountId: entry.claims.sub,
      async claims() {
        return { ...entry.claims };
      },
    };
  },
  ttl: {
    AccessToken: 3600,
    IdToken: 3600,
    Interaction: 3600,
    Session: 3600,
    Grant: 3600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<p>${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
  },
});

// --- Interaction pages --------------------------------------------------------------------------

function escape(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title, content) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} – EU Login (test)</title>
</head>
<body>
<main>
<h1>EU Login</h1>
<p>Test identity provider</p>
${content}
</main>
</body>
</html>
`;
}

function loginPage(uid, { login = '', error = false } = {}) {
  return page(
    'Sign in',
    `${error ? '<p role="alert">Wrong username or password.</p>\n' : ''}<form method="post" action="/interaction/${escape(uid)}">
<p><label for="login">Username or e-mail address</label><br>
<input id="login" name="login" type="text" autocomplete="username" value="${escape(login)}"></p>
<p><label for="password">Password</label><br>
<input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

async function readBody(req, limit = 100_000) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function grantConsent(details) {
  const {
    prompt: { details: missing },
    params,
    session: { accountId },
  } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scope] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
  }
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function interaction(ctx, uid) {
  ctx.set('cache-control', 'no-store');
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Error', `<p>${escape(err.error_description || err.message)}</p>`);
    return;
  }
  if (details.uid !== uid) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Error', '<p>This sign-in is not the current one.</p>');
    return;
  }
  const { name } = details.prompt;

  if (name === 'consent') {
    // Granted at once: the scopes and claims asked for, for this client.
    const consent = await grantConsent(details);
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
    return;
  }
  if (name !== 'login') {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Error', `<p>Unexpected prompt ${escape(name)}.</p>`);
    return;
  }

  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = loginPage(uid);
    return;
  }
  const form = new URLSearchParams(await readBody(ctx.req));
  const login = form.get('login') ?? '';
  const entry = accountFor(login);
  if (!entry || form.get('password') !== String(entry.password)) {
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = loginPage(uid, { login, error: true });
    return;
  }
  const result = {
    login: {
      accountId: entry.claims.sub,
      ...(entry.amr ? { amr: entry.amr } : {}),
      ...(entry.acr ? { acr: entry.acr } : {}),
    },
  };
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
}

// --- Misbehaviour: the modes ------------------------------------------------------------------

const b64 = jose.base64url;
const text = new TextDecoder();

function split(jwt) {
  const [header, payload, signature] = jwt.split('.');
  return {
    header: JSON.parse(text.decode(b64.decode(header))),
    payload: JSON.parse(text.decode(b64.decode(payload))),
    encoded: { header, payload, signature },
  };
}

async function resign(jwt, change, key = own.key) {
  const { header, payload } = split(jwt);
  change(payload);
  return new jose.SignJWT(payload).setProtectedHeader(header).sign(key);
}

const now = () => Math.floor(Date.now() / 1000);

// Each mode's change of the ID token of the token endpoint's answer.
const TAMPERS = {
  'bad-signature': async (jwt) => {
    const { encoded } = split(jwt);
    const signature = b64.decode(encoded.signature);
    signature[0] ^= 0xff; // one byte of the signature
    return `${encoded.header}.${encoded.payload}.${b64.encode(signature)}`;
  },
  'wrong-issuer': (jwt) => resign(jwt, (p) => { p.iss = 'https://impostor.example.eu'; }),
  'wrong-audience': (jwt) => resign(jwt, (p) => { p.aud = 'another-client'; }),
  expired: (jwt) => resign(jwt, (p) => {
    const lifetime = (p.exp ?? now()) - (p.iat ?? now());
    p.exp = now() - 3600;
    p.iat = p.exp - lifetime;
  }),
  'wrong-nonce': (jwt) => resign(jwt, (p) => { p.nonce = `not-the-nonce-${randomUUID()}`; }),
  'no-nonce': (jwt) => resign(jwt, (p) => { delete p.nonce; }),
  'unverified-email': (jwt) => resign(jwt, (p) => { p.email_verified = false; }),
  'foreign-key': (jwt) => resign(jwt, () => {}, foreign.key),
  'alg-none': async (jwt) => {
    const { encoded } = split(jwt);
    return `${b64.encode(JSON.stringify({ alg: 'none' }))}.${encoded.payload}.`;
  },
};

const MODES = new Set([
  'normal', ...Object.keys(TAMPERS), 'garbage', 'error500', 'slow', 'slow-token',
]);
const state = { mode: 'normal', delay: 30 };

const sleep = (seconds) => new Promise((resolve) => { setTimeout(resolve, seconds * 1000); });

async function control(ctx) {
  ctx.set('cache-control', 'no-store');
  if (ctx.method === 'POST') {
    let body;
    try {
      body = JSON.parse((await readBody(ctx.req)) || '{}');
    } catch {
      body = undefined;
    }
    const delay = body?.delay ?? 30;
    if (!body || !MODES.has(body.mode) || typeof delay !== 'number' || !(delay >= 0)) {
      ctx.status = 400;
      ctx.body = { error: `mode must be one of ${[...MODES].join(', ')}; delay a number of seconds` };
      return;
    }
    state.mode = body.mode;
    state.delay = delay;
  } else if (ctx.method !== 'GET') {
    ctx.status = 405;
    ctx.body = { error: 'GET or POST' };
    return;
  }
  ctx.body = { mode: state.mode, delay: state.delay };
}

const token = provider.pathFor('token');
const isToken = (ctx) => ctx.method === 'POST' && ctx.path === token;

provider.use(async (ctx, next) => {
  if (ctx.path === '/__control') {
    await control(ctx);
    return;
  }
  if (state.mode === 'slow' || (state.mode === 'slow-token' && isToken(ctx))) {
    await sleep(state.delay);
  }
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (match && ['GET', 'POST'].includes(ctx.method)) {
    await interaction(ctx, match[1]);
    return;
  }

  await next();

  if (!isToken(ctx)) return;
  if (state.mode === 'garbage') {
    ctx.status = 200;
    ctx.body = 'not json at all';
    ctx.type = 'text/html';
  } else if (state.mode === 'error500') {
    ctx.status = 500;
    ctx.body = page('Internal Server Error', '<p>Something broke.</p>');
    ctx.type = 'text/html';
  } else if (TAMPERS[state.mode] && ctx.status === 200 && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await TAMPERS[state.mode](ctx.body.id_token) };
  }
});

// --- Serve ----------------------------------------------------------------------------------------

const server = createServer(provider.callback());
server.on('error', (err) => {
  console.error(`server.mjs: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
