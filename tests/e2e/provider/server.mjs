// oidc-provider on loopback, configured for doorman's end-to-end tests.
//
//   node server.mjs --port 4000 --app http://127.0.0.1:8501 --variant basic|pkce|refresh|backchannel
//
// Two static confidential clients (client_secret_basic and client_secret_post), doorman's
// redirect and post-logout URIs, development login pages, email and profile claims in the
// ID token, and Streamlit's `prompt=select_account` registered.
// `basic`: consent is granted without a screen; `pkce`: PKCE is required and consent shown;
// `refresh`: as `basic`, with access tokens of 8 seconds and a refresh token on every code
// grant, rotated on every use (oidc-provider revokes a reused one's grant); `backchannel`: as
// `basic`, with back-channel logout to doorman's `/auth/backchannel-logout` (session required).
// GET /__e2e/requests lists what the provider received (parameter names and values,
// body parameter names, the Authorization scheme), for tests to assert on.

import Provider, { interactionPolicy } from 'oidc-provider';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const port = Number(args.port);
const app = args.app;
const variant = args.variant ?? 'basic';
if (!port || !app) {
  console.error('usage: node server.mjs --port PORT --app APP_ORIGIN [--variant basic|pkce|refresh|backchannel]');
  process.exit(2);
}

// Streamlit sends `prompt=select_account`, which oidc-provider refuses unless registered.
// Registered as requestable, without the check that would start an interaction for it: the
// development pages have no account chooser, and the login page already lets one pick.
const policy = interactionPolicy.base();
const selectAccount = new interactionPolicy.Prompt({ name: 'select_account', requestable: true });
selectAccount.checks.remove('select_account_prompt');
policy.add(selectAccount, 0);

const client = (id, method) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  redirect_uris: [`${app}/oauth2callback`],
  post_logout_redirect_uris: [`${app}/auth/logged-out`],
  token_endpoint_auth_method: method,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  ...(variant === 'backchannel'
    ? { backchannel_logout_uri: `${app}/auth/backchannel-logout`, backchannel_logout_session_required: true }
    : {}),
});

const configuration = {
  clients: [client('doorman-basic', 'client_secret_basic'), client('doorman-post', 'client_secret_post')],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  conformIdTokenClaims: false,
  cookies: { keys: ['doorman-e2e-only-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: variant === 'backchannel' },
  },
  interactions: { policy },
  pkce: { required: () => variant === 'pkce' },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.com`,
          email_verified: true,
          name: `Test ${id}`,
          given_name: 'Test',
          family_name: id,
        };
      },
    };
  },
};

if (variant === 'refresh') {
  configuration.ttl = { AccessToken: 8, IdToken: 3600, RefreshToken: 86400, Grant: 86400, Session: 86400, Interaction: 3600, AuthorizationCode: 60 };
  configuration.issueRefreshToken = async (ctx, client) => client.grantTypeAllowed('refresh_token');
  configuration.rotateRefreshToken = () => true;
}

if (variant === 'backchannel') {
  // oidc-provider refuses outgoing requests to special-use addresses (loopback among them) as
  // SSRF protection; the app it posts logout tokens to is on loopback in these tests only.
  configuration.fetch = (url, options) => {
    delete options.dispatcher;
    return fetch(url, options);
  };
}

if (variant === 'basic' || variant === 'refresh' || variant === 'backchannel') {
  // Consent without a screen: a grant for what doorman asks.
  configuration.loadExistingGrant = async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  };
}

const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
const received = [];

provider.use(async (ctx, next) => {
  if (ctx.path === '/__e2e/requests') {
    ctx.body = received;
    return;
  }
  await next();
  const params = ctx.oidc?.params ? Object.fromEntries(Object.entries(ctx.oidc.params).filter(([, v]) => v !== undefined)) : {};
  received.push({
    method: ctx.method,
    path: ctx.path,
    params,
    body_keys: ctx.oidc?.body ? Object.keys(ctx.oidc.body) : [],
    auth_scheme: (ctx.get('authorization') || '').split(' ')[0] || null,
    status: ctx.status,
  });
});

// Back-channel deliveries, for tests to assert on (and to see why one failed).
provider.on('backchannel.success', (_ctx, client) => {
  received.push({ method: 'POST', path: '__backchannel', params: { client_id: client.clientId }, status: 200 });
});
provider.on('backchannel.error', (_ctx, err, client) => {
  received.push({ method: 'POST', path: '__backchannel', params: { client_id: client.clientId, error: String(err), cause: String(err.cause) }, status: 500 });
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider (${variant}) listening on http://127.0.0.1:${port}`);
});
