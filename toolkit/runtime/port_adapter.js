/**
 * Draft post-login Action ported by rulekit from the legacy rule __SOURCE__.
 *
 * The rule's function is kept unchanged below and run through an adapter that builds the
 * rule's `user` and `context` from `event` (Auth0's Rules-to-Actions migration mapping) and
 * turns what the rule decided into `api` calls. Review it, then prove it decides exactly
 * what the rule decided:
 *
 *   rulekit equiv __SOURCE__ <this file>
 *
 * Lines marked "rulekit port:" use something with no Action equivalent.
 */
const requireModule = require;

// Rules ran again when the user came back from context.redirect, with context.protocol
// 'redirect-callback'; an Action resumes in onContinuePostLogin instead.
exports.onExecutePostLogin = async (event, api) => runRule(event, api, event.transaction && event.transaction.protocol);
exports.onContinuePostLogin = async (event, api) => runRule(event, api, 'redirect-callback');

async function runRule(event, api, protocol) {
  // `configuration.X` becomes `event.secrets.X` (declare each secret on the Action).
  const configuration = event.secrets || {};
  class UnauthorizedError extends Error {
    constructor(message) { super(message); this.name = 'UnauthorizedError'; }
  }
  // The management client does not exist in Actions; metadata updates map to api.user.
  const auth0 = {
    users: {
      updateAppMetadata: async (id, metadata) => {
        for (const key of Object.keys(metadata || {})) api.user.setAppMetadata(key, metadata[key]);
      },
      updateUserMetadata: async (id, metadata) => {
        for (const key of Object.keys(metadata || {})) api.user.setUserMetadata(key, metadata[key]);
      },
    },
  };
  const global = {};
  // Rules pin versions inline (require('x@1.2.3')); Actions declare dependencies instead.
  const require = (name) => requireModule(name.replace(/^(@?[^@]+)@.*$/, '$1'));
  void configuration; void auth0; void global; void require;

  const rule = (
__RULE__
  );

  const request = event.request || {};
  const geo = request.geoip || {};
  // Actions get each authentication method's timestamp as an ISO 8601 string; Rules got
  // milliseconds since the epoch.
  const authentication = event.authentication && Object.assign({}, event.authentication, {
    methods: (event.authentication.methods || []).map((m) => (m && typeof m.timestamp === 'string'
      ? Object.assign({}, m, { timestamp: Date.parse(m.timestamp) }) : m)),
  });
  const user = JSON.parse(JSON.stringify(event.user || {}));
  const context = {
    tenant: event.tenant && event.tenant.id,
    clientID: event.client && event.client.client_id,
    clientName: event.client && event.client.name,
    clientMetadata: (event.client && event.client.metadata) || {},
    connection: event.connection && event.connection.name,
    connectionID: event.connection && event.connection.id,
    connectionStrategy: event.connection && event.connection.strategy,
    connectionMetadata: (event.connection && event.connection.metadata) || {},
    connectionOptions: {},
    protocol,
    stats: { loginsCount: event.stats && event.stats.logins_count },
    // Rules: "client IDs using SSO"; an Action's session.clients holds objects
    sso: { current_clients: ((event.session && event.session.clients) || [])
      .map((c) => (c && typeof c === 'object' ? c.client_id : c)) },
    sessionID: event.session && event.session.id,
    authentication,
    authorization: event.authorization,
    organization: event.organization,
    request: event.request && {
      userAgent: request.user_agent, ip: request.ip, hostname: request.hostname,
      query: request.query, body: request.body,
      geoip: {
        country_code: geo.countryCode, country_code3: geo.countryCode3,
        country_name: geo.countryName, city_name: geo.cityName, latitude: geo.latitude,
        longitude: geo.longitude, time_zone: geo.timeZone, continent_code: geo.continentCode,
        subdivision_code: geo.subdivisionCode, subdivision_name: geo.subdivisionName,
      },
    },
    idToken: {},
    accessToken: {},
  };

  let result;
  const crash = {};  // what the rule threw, apart from what it passed to callback
  try {
    result = await new Promise((resolve, reject) => {
      let returned;
      try {
        returned = rule(user, context, (err, u, c) => (err ? reject(err) : resolve(c || context)));
      } catch (e) {
        crash.error = e;
        reject(e);
        return;
      }
      if (returned && typeof returned.then === 'function') {
        returned.catch((e) => { crash.error = e; reject(e); });
      }
    });
  } catch (err) {
    // A rule that throws fails the login in Auth0, and so does an Action that throws.
    if ('error' in crash && err === crash.error) throw err;
    // callback(new UnauthorizedError(m)) and callback(new Error(m)) both become access.deny(m).
    api.access.deny(err && err.message !== undefined ? String(err.message) : String(err));
    return;
  }

  const mfa = result.multifactor;
  if (mfa && mfa.provider) {
    // Rules default allowRememberBrowser to true; Actions default it to false.
    api.multifactor.enable(mfa.provider, {
      allowRememberBrowser: mfa.allowRememberBrowser === undefined ? true : Boolean(mfa.allowRememberBrowser),
    });
  }
  for (const key of Object.keys(result.idToken || {})) api.idToken.setCustomClaim(key, result.idToken[key]);
  for (const key of Object.keys(result.accessToken || {})) {
    if (key !== 'scope') api.accessToken.setCustomClaim(key, result.accessToken[key]);
  }
  // context.accessToken.scope replaced the token's scopes: the same change, scope by scope.
  // An array, or a space-separated string as Auth0's own rules write it (scopes.join(' ')).
  let scopes = (result.accessToken || {}).scope;
  if (typeof scopes === 'string') scopes = scopes.split(/\s+/).filter(Boolean);
  if (Array.isArray(scopes)) {
    const requested = (event.transaction && event.transaction.requested_scopes) || [];
    for (const scope of scopes) if (!requested.includes(scope)) api.accessToken.addScope(scope);
    for (const scope of requested) if (!scopes.includes(scope)) api.accessToken.removeScope(scope);
  }
  if (result.redirect && result.redirect.url) api.redirect.sendUserTo(result.redirect.url);
}
