// rulekit's emulation of Auth0 post-login Actions (README: "What the Actions runtime
// reproduces"). Evaluated once per V8 context after node_builtins.js and common.js. Python talks
// to it through globalThis.__rulekitActions: add / run / step / current, with JSON strings.
(function () {
  'use strict';

  const common = globalThis.__rulekitCommon;
  const NEED_MODULE = common.NEED_MODULE;
  const registry = [];  // [{name, factory}] in binding order
  let S = null;
  let runCounter = 0;
  // A warm container (input.warm): Auth0 runs an Action's module once per container and calls
  // its handler for each login it serves, and api.cache "persists across executions" (scoped
  // to the trigger). resetWarm() is a new container.
  let warmCache = null;

  const PROVIDERS = ['any', 'guardian', 'google-authenticator', 'duo', 'none'];
  // api.cache.set: "If no lifetime is specified, a default of lifetime of 24 hours will be
  // used" (post-login API object, validated 2026-04-28; older pages said 15 minutes).
  const CACHE_TTL_MS = 24 * 60 * 60 * 1000;
  const NO_REDIRECT = common.NO_REDIRECT;  // "... this will also fail if attempting to redirect"

  // Actions Limitations, "Cached data": "A maximum of 20 entries can be cached per Trigger.
  // Cache keys have a maximum size of 64 bytes and values have a maximum size of 4kB. The
  // cumulative size of cached keys and their values must not exceed 8kB." Auth0 does not
  // document the error codes: these are rulekit's names for them.
  const MAX_FACTOR_COMMANDS = 4;
  // Factors that can stand alone (toolkit/_mfa.py INDEPENDENT; Duo is never enabled by rulekit).
  const INDEPENDENT_FACTORS = ['webauthn-roaming', 'otp', 'push-notification', 'phone'];
  const CACHE_MAX_ENTRIES = 20;
  const CACHE_MAX_KEY_BYTES = 64;
  const CACHE_MAX_VALUE_BYTES = 4 * 1024;
  const CACHE_MAX_TOTAL_BYTES = 8 * 1024;

  function cacheRefusal(cache, key, value, now) {
    const bytes = common.utf8Length;
    if (bytes(key) > CACHE_MAX_KEY_BYTES) return 'key_too_large';
    if (bytes(value) > CACHE_MAX_VALUE_BYTES) return 'value_too_large';
    let entries = 0, total = bytes(key) + bytes(value);
    for (const other of Object.keys(cache)) {
      const record = cache[other];
      if (other === key || record.expires_at <= now) continue;  // replaced, or gone
      entries += 1;
      total += bytes(other) + bytes(record.value);
    }
    if (entries + 1 > CACHE_MAX_ENTRIES) return 'too_many_entries';
    if (total > CACHE_MAX_TOTAL_BYTES) return 'cache_full';
    return null;
  }

  const cloneJson = common.cloneJson;
  const errorInfo = common.errorInfo;

  function fail(error) {
    if (S.needModule || S.done) return;
    S.done = true;
    S.error = error;
  }

  // An api namespace whose unknown members fail loudly, naming the member, instead of
  // surfacing later as "undefined is not a function".
  function strict(path, members) {
    return new Proxy(Object.freeze(members), {
      get(target, key) {
        if (typeof key === 'symbol' || key in target || key === 'then' || key === 'toJSON') {
          return target[key];
        }
        const name = `${path}.${String(key)}`;
        throw new TypeError(`${name} is not part of Auth0's post-login api (rulekit emulates the documented members)`);
      },
    });
  }

  // One api per Action, built on first use: it is frozen and reads the current login's state
  // (S) when called, so every login can share it (building it costs more than the login).
  function makeApi(action) {
    const rec = (kind, detail) => S.calls.push(Object.assign({ action: action.name, call: kind }, cloneJson(detail)));
    const guard = () => { if (S.actionDone[action.index]) throw new Error(`Action '${action.name}' used api after it finished`); };
    const claim = (tokens, kind) => (key, value) => {
      guard();
      if (typeof key !== 'string' || !key) throw new TypeError(`${kind}: the claim name must be a non-empty string`);
      rec(kind, { key, value });
      // A claim Auth0 restricts is silently not added (checked here, once, not per login).
      const reason = common.claimRestriction(key);
      // Tokens are JSON: a value JSON cannot hold (undefined, a function) leaves the claim out,
      // replacing one an earlier Action set.
      if (reason === null && (value === undefined || typeof value === 'function' || typeof value === 'symbol')) delete S[tokens][key];
      else if (reason === null) S[tokens][key] = cloneJson(value);
      else (S.dropped ??= []).push({ token: tokens === 'idToken' ? 'id_token' : 'access_token', claim: key, reason });
    };
    // Auth0 (post-login API object): "When a multifactor challenge is requested, subsequent
    // Actions will not be run until that challenge has been fulfilled by the user". The login
    // requires MFA: the first challenge is its `mfa` unless multifactor.enable set one; the
    // later Actions run as after a fulfilled challenge.
    //
    // Which factors: "If a factor is requested that the user has not enrolled, it will be
    // ignored. If none of the requested factors is enabled or enrolled, the authentication
    // transaction will fail (i.e. login will not complete)"; enrollWith ignores factors the user
    // has enrolled and fails when none is left; factors "already challenged successfully in the
    // current transaction" are ignored. Enrolled = event.user.enrolledFactors, plus `email` for
    // a verified address ("When email is enabled as a factor, all users with verified emails
    // will be able to use them", Enroll and Challenge Email Authenticators). "If a factor is
    // requested is not enabled on the tenant, it will be ignored": the tenant's factors are
    // input.factors (the tenant model's [mfa] factors); none given, every factor is enabled.
    // A factor the user enrols in this login is enrolled from then on, and completed.
    const factorTypes = (kind, list) => list.map((f) => {
      if (!f || typeof f !== 'object' || typeof f.type !== 'string') {
        throw new TypeError(`api.${kind}: a factor is an object with a string type, such as {type: 'otp'}, got ${JSON.stringify(f) ?? String(f)}`);
      }
      return f.type === 'push' ? 'push-notification' : f.type;  // enrollWith's other name for it
    });
    const challenge = (kind) => (factor, options) => {
      guard();
      const any = kind.endsWith('Any');
      if (any && !Array.isArray(factor)) throw new TypeError(`api.${kind}: the factors must be an array`);
      const more = options && options.additionalFactors;
      if (!any && more !== undefined && more !== null && !Array.isArray(more)) {
        throw new TypeError(`api.${kind}: options.additionalFactors must be an array`);
      }
      const requested = factorTypes(kind, any ? factor : [factor].concat(more || []));
      rec(kind, { factor, options: options || {} });
      const mine = S.factors ??= { enrolled: S.enrolled.slice(), completed: [], added: [], commands: 0 };
      // "Actions ... can only execute four of the following commands per user flow:
      // enrollWith, enrollWithAny, challengeWith, challengeWithAny ... (i.e., a fifth
      // command ...), an authentication error will occur" (Customize MFA Selection).
      mine.commands += 1;
      if (mine.commands > MAX_FACTOR_COMMANDS) {
        fail({ name: 'MfaCommandLimitExceeded', rule: action.name, stack: null,
          message: `api.${kind}: a fifth challenge/enrolment command in one login (Auth0 allows ${MAX_FACTOR_COMMANDS} per flow: enrollWith, enrollWithAny, challengeWith, challengeWithAny together), so Auth0 fails the login` });
        return;
      }
      const enrolling = kind.startsWith('authentication.enroll');
      // Ignored: factors already completed in this login; then those enrolled (challenge) or
      // not enrolled (enrolment) are the ones left.
      if (requested.some((t) => mine.completed.includes(t))) return;
      const tenant = S.tenantFactors;
      const enabled = (t) => tenant === null || tenant.includes(t);
      const offered = requested.filter(enabled);
      const usable = offered.filter((t) => (enrolling ? !mine.enrolled.includes(t) : mine.enrolled.includes(t)));
      if (usable.length === 0) {
        const enrolled = mine.enrolled.join(', ') || 'none';
        const what = enrolling ? 'the user has already enrolled every requested factor'
          : 'the user has enrolled none of the requested factors';
        const why = offered.length === 0 && requested.length > 0
          ? `none of the requested factors is enabled on the tenant (requested: ${requested.join(', ')}; enabled: ${tenant.join(', ') || 'none'})`
          : tenant === null ? `${what} (${offered.join(', ') || 'none'}; enrolled: ${enrolled})`
            : `${what} that the tenant enables (requested: ${requested.join(', ')}; enabled on the tenant: ${offered.join(', ')}; enrolled: ${enrolled})`;
        fail({ name: 'MfaFactorUnavailable', rule: action.name, stack: null,
          message: `api.${kind}: ${why}, so Auth0 fails the login` });
        return;
      }
      mine.completed.push(usable[0]);
      if (enrolling) { mine.enrolled.push(usable[0]); mine.added.push(usable[0]); }
      mfaMethod(usable[0]);
      S.challenge = { call: kind, factor: cloneJson(factor), options: cloneJson(options || {}), rule: action.name };
      if (!S.challengeMfa) {
        S.challengeMfa = { provider: kind.slice('authentication.'.length), allowRememberBrowser: false,
          factor: cloneJson(factor), options: cloneJson(options || {}), rule: action.name };
      }
    };
    // access.deny, session.revoke, refreshToken.revoke, validation.error: "The login flow will
    // immediately stop following the completion of this action and no further Actions will be
    // executed." The first denial is the one reported.
    const deny = (reason, extra) => {
      if (!S.denied) S.denied = Object.assign({ message: String(reason ?? ''), rule: action.name }, extra);
    };
    // `by` (not enumerable: not in the outcome) lets setPrimaryUser discard this Action's own.
    const update = (key, value) => Object.defineProperty(
      { user_id: metadataUser(), metadata: { [key]: cloneJson(value) } },
      'by', { value: action.name });
    const records = (namespace, names) => {
      const members = {};
      for (const name of names) members[name] = (...args) => { guard(); rec(`${namespace}.${name}`, { args }); };
      return members;
    };
    const api = {
      access: strict('api.access', {
        deny(reason) {
          guard();
          rec('access.deny', { reason });
          deny(reason);
        },
      }),
      multifactor: strict('api.multifactor', {
        enable(provider, options) {
          guard();
          if (!PROVIDERS.includes(provider)) {
            throw new TypeError(`api.multifactor.enable: unknown provider ${JSON.stringify(provider)} (Auth0 accepts ${PROVIDERS.join(', ')})`);
          }
          rec('multifactor.enable', { provider, options: options || {} });
          const opts = options || {};
          // The tenant's factors (input.factors, the tenant model's [mfa]): "You must enable and
          // configure at least one independent factor to require MFA" (Enable Multi-Factor
          // Authentication), and rulekit's [mfa] never enables Duo. What Auth0 does then is not
          // documented: rulekit fails the login, so a test that expects MFA fails too.
          const tenant = S.tenantFactors;
          if (tenant !== null && provider !== 'none') {
            const missing = provider === 'duo' ? 'Duo, which the tenant does not enable'
              : INDEPENDENT_FACTORS.some((f) => tenant.includes(f)) ? null
                : `an independent factor (${INDEPENDENT_FACTORS.join(', ')}); the tenant enables ${tenant.join(', ') || 'none'}`;
            if (missing !== null) {
              fail({ name: 'MfaFactorUnavailable', rule: action.name, stack: null,
                message: `api.multifactor.enable('${provider}') needs ${missing}: the tenant cannot require this MFA (rulekit fails the login; the deploy refuses this tenant model)` });
              return;
            }
          }
          // Auth0 (api.multifactor.enable): provider 'none' turns MFA off for this login, and
          // allowRememberBrowser "defaults to false".
          S.mfa = provider === 'none' ? null : Object.assign({}, cloneJson(opts), {
            provider,
            allowRememberBrowser: typeof opts.allowRememberBrowser === 'boolean' ? opts.allowRememberBrowser : false,
            rule: action.name,
          });
        },
      }),
      authentication: strict('api.authentication', {
        challengeWith: challenge('authentication.challengeWith'),
        challengeWithAny: challenge('authentication.challengeWithAny'),
        enrollWith: challenge('authentication.enrollWith'),
        enrollWithAny: challenge('authentication.enrollWithAny'),
        recordMethod(url) {
          guard();
          // "only available from within the onContinuePostLogin function".
          if (S.continuing !== action.index) {
            throw new Error('api.authentication.recordMethod is only available in onContinuePostLogin (Auth0)');
          }
          // "provider_url: An http: or https: URL that uniquely represents the completed
          // authentication method" (post-login API object).
          if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url)) {
            throw new TypeError(`api.authentication.recordMethod: the method is an http: or https: URL, got ${JSON.stringify(url) ?? String(url)}`);
          }
          rec('authentication.recordMethod', { url });
        },
        // Actions Limitations, "Account Linking (setPrimaryUser)": an id of up to 128
        // characters, once per transaction; "Any userMetadata set in the same Action as
        // setPrimaryUser is discarded ... Subsequent Actions within the same transaction will
        // retain userMetadata on the new primary user."
        setPrimaryUser(id) {
          guard();
          if (typeof id !== 'string' || !id || id.length > 128) {
            throw new RangeError(`api.authentication.setPrimaryUser: primary_user_id must be a non-empty string of up to 128 characters (Auth0's Actions limitations), got ${typeof id === 'string' ? `${id.length} characters` : typeof id}`);
          }
          if (S.primary) {
            throw new Error(`api.authentication.setPrimaryUser can be called once per transaction (Auth0's Actions limitations); Action '${S.primary.action}' already set ${JSON.stringify(S.primary.id)}`);
          }
          rec('authentication.setPrimaryUser', { user_id: id });
          S.primary = { id, action: action.name };
          S.userMetadata = S.userMetadata.filter((update) => update.by !== action.name);
        },
      }),
      idToken: strict('api.idToken', { setCustomClaim: claim('idToken', 'idToken.setCustomClaim') }),
      accessToken: strict('api.accessToken', {
        setCustomClaim: claim('accessToken', 'accessToken.setCustomClaim'),
        addScope(scope) { guard(); rec('accessToken.addScope', { scope }); S.scopesAdded.push(String(scope)); },
        removeScope(scope) { guard(); rec('accessToken.removeScope', { scope }); S.scopesRemoved.push(String(scope)); },
      }),
      user: strict('api.user', {
        // Auth0 batches these and applies them at the end of the flow; null deletes a key.
        setAppMetadata(key, value) { guard(); rec('user.setAppMetadata', { key, value }); S.appMetadata.push(update(key, value)); },
        setUserMetadata(key, value) {
          guard();
          rec('user.setUserMetadata', { key, value });
          if (!S.primary || S.primary.action !== action.name) S.userMetadata.push(update(key, value));
        },
      }),
      redirect: strict('api.redirect', {
        // Deprecated in Auth0's types, still callable: false where a redirect would fail.
        canRedirect() { return !NO_REDIRECT.includes(S.protocol) && !S.silent; },
        sendUserTo(url, options) {
          guard();
          rec('redirect.sendUserTo', { url, options: options || {} });
          let target = String(url);
          const query = options && options.query;
          if (query && typeof query === 'object') {
            const qs = Object.keys(query).map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(String(query[k]))).join('&');
            // the query goes before a #fragment
            const hash = target.indexOf('#');
            const [base, fragment] = hash < 0 ? [target, ''] : [target.slice(0, hash), target.slice(hash)];
            if (qs) target = base + (base.includes('?') ? '&' : '?') + qs + fragment;
          }
          // "Auth0 also passes a state parameter in that URL" (Redirect with Actions): the
          // outcome's redirect.state (rulekit keeps the url as the Action wrote it).
          // Render Forms using Actions: "You cannot redirect a user and render a form in the
          // same Action".
          if (S.prompt || S.shown[action.name] === 'form') throw new Error('api.redirect.sendUserTo: an Action cannot redirect the user and render a form (api.prompt.render)');
          S.redirect = { url: target, rule: action.name, state: redirectState(action), sub: S.userId };
          S.shownAt = new Error().stack;  // where: if the flow cannot show it, the error says
          // On a frozen clock (--now), when the user was sent: redirect_token's time by default.
          if (S.now !== null && S.now !== undefined) S.redirect.at = Date.now();
        },
        encodeToken(options) {
          guard();
          rec('redirect.encodeToken', { options: withoutSecret(options) });
          const o = tokenOptions('encodeToken', options);
          const seconds = o.expiresInSeconds === undefined ? 900 : o.expiresInSeconds;
          if (typeof seconds !== 'number' || !Number.isFinite(seconds) || !(seconds > 0)) {
            throw new TypeError(`api.redirect.encodeToken: expiresInSeconds must be a positive number of seconds, got ${String(seconds)}`);
          }
          if (o.payload !== undefined && (o.payload === null || typeof o.payload !== 'object' || Array.isArray(o.payload))) {
            throw new TypeError('api.redirect.encodeToken: payload must be an object of claims');
          }
          let payloadJson;
          try { payloadJson = JSON.stringify(o.payload || {}); } catch (e) {
            throw new TypeError(`api.redirect.encodeToken: the payload is not JSON (${e.message})`);
          }
          // "sub: Auth0 user_id of the user. iss: Hostname of your Auth0 tenant domain. exp:
          // ... Defaults to 900 seconds. ip: IP Address of the originating authentication
          // request ... the token will be signed with HS256" (Redirect with Actions).
          const request = (action.event && action.event.request) || {};
          const claims = Object.assign(JSON.parse(payloadJson), {
            sub: S.userId, iss: request.hostname, exp: Math.floor(Date.now() / 1000) + seconds,
            ip: request.ip });
          return signJwt(claims, o.secret);
        },
        validateToken(options) {
          guard();
          rec('redirect.validateToken', { options: withoutSecret(options) });
          return validateToken(action, tokenOptions('validateToken', options));
        },
      }),
      cache: strict('api.cache', {
        // Auth0: a record is {value, expires_at}; a value lives up to `ttl` ms or until
        // `expires_at` (ms since the epoch), the earlier of the two, 24 hours by default.
        get(key) {
          const record = S.cache[key];
          if (record === undefined) return undefined;
          if (record.expires_at <= Date.now()) { delete S.cache[key]; return undefined; }
          return { value: record.value, expires_at: record.expires_at };
        },
        set(key, value, options) {
          const now = Date.now();
          const ttl = options && Number.isFinite(options.ttl) ? options.ttl : null;
          const at = options && Number.isFinite(options.expires_at) ? options.expires_at : null;
          // "Lifetimes may not exceed the maximum duration" ("Cached items persist for a
          // maximum of 24 hours", Actions Limitations).
          const expiresAt = Math.min(now + CACHE_TTL_MS,
            ttl === null ? Infinity : now + ttl, at === null ? Infinity : at);
          const text = String(value);
          const refused = cacheRefusal(S.cache, String(key), text, now);
          // "Returns CacheWriteSuccess if the values are stored successfully. Otherwise, you
          // will receive CacheWriteError" (a result with type 'error' and a code), not a throw.
          if (refused !== null) return { type: 'error', code: refused };
          S.cache[key] = { value: text, expires_at: expiresAt };
          return { type: 'success', record: { value: text, expires_at: expiresAt } };
        },
        delete(key) { delete S.cache[key]; return { type: 'success' }; },
      }),
      session: strict('api.session', {
        setMetadata(key, value) { guard(); rec('session.setMetadata', { key, value }); },
        deleteMetadata(key) { guard(); rec('session.deleteMetadata', { key }); },
        evictMetadata() { guard(); rec('session.evictMetadata', {}); },
        setExpiresAt(t) { guard(); rec('session.setExpiresAt', { at: t }); },
        setIdleExpiresAt(t) { guard(); rec('session.setIdleExpiresAt', { at: t }); },
        setCookieMode(mode) { guard(); rec('session.setCookieMode', { mode }); },
        // "Revoke the current user session and mark the current login attempt as denied".
        revoke(reason, options) { guard(); rec('session.revoke', { reason, options: options || {} }); deny(reason, { call: 'session.revoke' }); },
      }),
      refreshToken: strict('api.refreshToken', Object.assign(records('refreshToken', [
        'setExpiresAt', 'setIdleExpiresAt', 'setMetadata', 'deleteMetadata', 'evictMetadata']), {
        revoke(reason) {
          guard();
          // "This method can be used only during Refresh Token Exchange flow".
          if (S.protocol !== 'oauth2-refresh-token') {
            throw new Error(`api.refreshToken.revoke can be used only when event.transaction.protocol is 'oauth2-refresh-token' (this login: ${JSON.stringify(S.protocol)})`);
          }
          rec('refreshToken.revoke', { reason });
          deny(reason, { call: 'refreshToken.revoke' });
        },
      })),
      transaction: strict('api.transaction', {
        // "Metadata modified using this method is updated in real-time in the
        // event.transaction.metadata object" (and later Actions see it); null removes a key.
        setMetadata(key, value) {
          guard();
          txMetadataProblem(key, value);
          rec('transaction.setMetadata', { key, value });
          S.txChanged = true;
          const shown = action.eventRun === S.runId && action.event && action.event.transaction;
          S.txMetadata ??= {};
          for (const metadata of [S.txMetadata, shown && shown.metadata]) {
            if (!metadata || typeof metadata !== 'object') continue;
            if (value === null || value === undefined) delete metadata[key]; else metadata[key] = cloneJson(value);
          }
        },
        // No deleteMetadata: "Remove transaction metadata values by nullifying the value of
        // each particular key" (Actions Transaction Metadata); the API page has setMetadata only.
      }),
      samlResponse: strict('api.samlResponse', records('samlResponse', [
        'setAttribute', 'setAudience', 'setRecipient', 'setCreateUpnClaim',
        'setPassthroughClaimsWithNoMapping', 'setMapUnknownClaimsAsIs', 'setMapIdentities',
        'setSignatureAlgorithm', 'setDigestAlgorithm', 'setDestination', 'setLifetimeInSeconds',
        'setSignResponse', 'setNameIdentifierFormat', 'setNameIdentifierProbes',
        'setAuthnContextClassRef', 'setSigningCert', 'setIncludeAttributeNameFormat',
        'setTypedAttributes', 'setEncryptionCert', 'setEncryptionPublicKey', 'setCert', 'setKey',
        'setRelayState', 'setIssuer', 'setEncryptionAlgorithm'])),
      validation: strict('api.validation', {
        // "Prevent user from logging in by throwing a validation error."
        error(code, message) { guard(); rec('validation.error', { code, message }); deny(message, { call: 'validation.error', code: String(code ?? '') }); },
      }),
      rules: strict('api.rules', {
        // Rules reached end of life on 2026-11-18: none runs before an Action any more.
        wasExecuted(ruleId) { rec('rules.wasExecuted', { ruleId }); return false; },
      }),
      prompt: strict('api.prompt', {
        // A Form: the flow suspends after this Action, as for a redirect, and resumes in its
        // onContinuePostLogin with event.prompt = {id, fields, vars} ("Collected data from
        // rendered custom prompts"; Actions Transaction Metadata, "Preserve values on Forms
        // rendering"). Not with sendUserTo in the same execution.
        render(id, options) {
          guard();
          rec('prompt.render', { id, options });
          if (typeof id !== 'string' || id === '') throw new TypeError('api.prompt.render: the prompt (form) id must be a non-empty string');
          // Render Forms using Actions: "You cannot redirect a user and render a form in the
          // same Action", and "only render one form per Action".
          if (S.redirect || S.shown[action.name] === 'redirect') throw new Error('api.prompt.render: an Action cannot render a form and redirect the user (api.redirect.sendUserTo)');
          if (S.prompt || S.shown[action.name] === 'form') throw new Error('api.prompt.render: an Action renders one form at most');
          const o = options === undefined || options === null ? {} : options;
          for (const key of ['fields', 'vars']) {
            const part = o[key];
            if (typeof o !== 'object' || (part !== undefined && (part === null || typeof part !== 'object' || Array.isArray(part)))) {
              throw new TypeError(`api.prompt.render: promptOptions.${key} must be an object of key-value pairs`);
            }
          }
          S.prompt = { id, fields: cloneJson(o.fields || {}), vars: cloneJson(o.vars || {}), rule: action.name };
          S.shownAt = new Error().stack;
        },
      }),
    };
    return strict('api', api);
  }

  // After an Action completes: a denial ends the flow; so does a redirect ("The Actions
  // pipeline is suspended after that Action completes its execution"; the later Actions run
  // once the user comes back: ActionsRuntime.run(resume=True)), which fails the login where
  // Auth0 cannot redirect.
  function stopsAfter() {
    if (S.denied) { S.done = true; return true; }
    if (!S.redirect && !S.prompt) return false;
    const by = S.redirect ? S.redirect.rule : S.prompt.rule;
    const what = S.redirect ? 'redirected (api.redirect.sendUserTo)' : 'rendered a form (api.prompt.render)';
    if (NO_REDIRECT.includes(S.protocol)) {
      fail({ name: 'Error', rule: by, stack: S.shownAt || null, auth0: true,
        message: `Action '${by}' ${what} in a ${JSON.stringify(S.protocol)} login: Auth0 cannot show the user anything in this flow and fails the login` });
    } else if (S.silent) {
      // Post-login trigger v3 (Auth0 docs, Releases): sendUserTo no longer skips the redirect
      // in non-interactive flows; trying to redirect there triggers interaction_required.
      fail({ name: 'interaction_required', rule: by, stack: S.shownAt || null,
        message: `Action '${by}' ${what} in a non-interactive login (prompt=none): Auth0 fails it with interaction_required` });
    }
    S.suspended = true;
    S.done = true;
    return true;
  }

  function startAction(index) {
    const action = registry[S.order[index]];
    action.index = index;
    const runId = S.runId;
    S.current = action.name;
    let handler;
    try {
      const module = loadModule(index);
      handler = module.exports.onExecutePostLogin;
      if (S.resume !== false && !S.resumed) {
        // The return from a redirect: Auth0 "will resume in the same Action that issued the
        // redirect" (its onContinuePostLogin), then runs the Actions after it. The Actions
        // before it ran in the first leg. Which Action redirected: the one named (or the one
        // of the first leg's outcome), or the only one that exports onContinuePostLogin.
        const continues = typeof module.exports.onContinuePostLogin === 'function';
        if (action.name !== S.resume) return true;
        if (!continues) {
          throw new TypeError(`Action '${action.name}' does not export onContinuePostLogin, so a redirect from it cannot be resumed`);
        }
        S.resumed = true;
        S.continuing = index;
        handler = module.exports.onContinuePostLogin;
      }
      if (typeof handler !== 'function') {
        throw new TypeError(`Action '${action.name}' does not export onExecutePostLogin (exports.onExecutePostLogin = async (event, api) => {...})`);
      }
    } catch (e) {
      if (e !== NEED_MODULE) fail(errorInfo(e, action.name));
      return false;
    }
    S.rulesRun.push(action.name);
    // Auth0: changes an Action makes to `event` are not visible to the next Action. The
    // first Action gets the parsed input itself; the others get fresh copies.
    let event = S.event;
    if (event === null) event = JSON.parse(S.eventJson); else S.event = null;
    // ... except metadata set with api.user.set*Metadata: "between actions, we use a sort of
    // 'optimistic' update to the event object that propagates through the pipeline" (Auth0
    // support, "Different Strategies to Update User Metadata in Post-Login Action"); and a
    // resumed leg sees the first leg's, applied to the profile at the redirect.
    if (S.appMetadata.length || S.userMetadata.length) showMetadata(event.user);
    // "When an MFA challenge is performed, methods contains an object of name:mfa with type set
    // to the factor used for that challenge. methods is only updated when an Action begins. To
    // see the results of a challenge, methods must be accessed in the next Action in the flow"
    // (Customize MFA Selection for Universal Login).
    if (S.mfaMethods.length) showMfaMethods(event);
    if (S.continuing === index && S.carriedPrompt) {
      // The form the user submitted: the fields the continue event gives, else those shown.
      const given = event.prompt && typeof event.prompt === 'object' ? event.prompt : {};
      const own = (part) => given[part] && typeof given[part] === 'object' ? given[part]
        : cloneJson(S.carriedPrompt[part] || {});
      event.prompt = { id: S.carriedPrompt.id, fields: own('fields'), vars: own('vars') };
    }
    event.secrets = Object.freeze(Object.assign({}, S.secrets[index] || {}));
    const transaction = event.transaction;
    if (transaction && typeof transaction === 'object') {
      if (S.txChanged) transaction.metadata = cloneJson(S.txMetadata || {});
      else if (!transaction.metadata || typeof transaction.metadata !== 'object') transaction.metadata = {};
    }
    action.event = event;  // this login's (eventRun): transaction.setMetadata updates it live
    action.eventRun = S.runId;
    const finished = () => {
      if (runId !== S.runId || S.done || S.needModule) return;
      S.actionDone[index] = true;
      if (stopsAfter()) return;
      runFrom(index + 1);
    };
    let returned;
    try {
      if (action.api === null) action.api = makeApi(action);
      returned = handler(event, action.api);
    } catch (e) {
      if (e !== NEED_MODULE) fail(errorInfo(e, action.name));
      return false;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(finished, (e) => {
        if (runId === S.runId && e !== NEED_MODULE) fail(errorInfo(e, action.name));
      });
      return false;
    }
    S.actionDone[index] = true;
    return !stopsAfter();
  }

  // Actions Limitations, "Transaction metadata": keys up to 64 characters, values up to 8 KB
  // and only string, number or boolean, 16 KB in all; unsafe integers are not accepted.
  // rulekit refuses such a value with an error naming the limit.
  const TX_KEY_MAX = 64;
  const TX_VALUE_MAX = 8 * 1024;
  const TX_TOTAL_MAX = 16 * 1024;
  function txMetadataProblem(key, value) {
    const say = (what) => { throw new RangeError(`api.transaction.setMetadata(${JSON.stringify(String(key)).slice(0, 80)}): ${what} (Auth0's Actions limitations)`); };
    if (typeof key !== 'string' || !key) say('the key must be a non-empty string');
    if (key.length > TX_KEY_MAX) say(`keys are limited to ${TX_KEY_MAX} characters, this one has ${key.length}`);
    if (value === null || value === undefined) return;  // removes the key
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') {
      say(`values must be a string, number or boolean, not ${Array.isArray(value) ? 'an array' : type} (serialize it with JSON.stringify)`);
    }
    if (type === 'number' && !Number.isFinite(value)) say(`${value} is not a number JSON can carry`);
    if (type === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      say(`${value} is not a safe integer; serialize it as a string`);
    }
    const size = (text) => common.utf8Length(String(text));
    if (size(value) > TX_VALUE_MAX) say(`values are limited to 8 KB, this one has ${size(value)} bytes`);
    let total = size(key) + size(value);
    for (const k in (S.txMetadata || {})) if (k !== key) total += size(k) + size(S.txMetadata[k]);
    if (total > TX_TOTAL_MAX) say(`the transaction's metadata is limited to 16 KB in all, it would hold ${total} bytes`);
  }

  // Read when the login starts: what an Action does to its `event` changes nothing.
  function enrolledFactors(event) {
    const user = event && typeof event === 'object' ? event.user : null;
    const types = [];
    if (user && typeof user === 'object') {
      if (Array.isArray(user.enrolledFactors)) {
        for (const f of user.enrolledFactors) if (f && typeof f === 'object') types.push(String(f.type));
      }
      if (user.email_verified === true && typeof user.email === 'string' && user.email) types.push('email');
    }
    return types;
  }

  // ---- redirect tokens (api.redirect.encodeToken / validateToken): HS256 JWTs ----------------
  const nodeRequire = common.makeRequire('/');
  const b64json = (value) => nodeRequire('buffer').Buffer.from(JSON.stringify(value)).toString('base64url');
  const hs256 = (data, secret) => nodeRequire('crypto').createHmac('sha256', secret).update(data).digest('base64url');

  function signJwt(claims, secret) {
    const head = b64json({ alg: 'HS256', typ: 'JWT' }) + '.' + b64json(claims);
    return head + '.' + hs256(head, secret);
  }

  // The claims of an HS256 JWT signed with `secret`, or null.
  function verifiedClaims(token, secret) {
    const parts = typeof token === 'string' ? token.split('.') : [];
    if (parts.length !== 3 || hs256(parts[0] + '.' + parts[1], secret) !== parts[2]) return null;
    try {
      const decode = (part) => JSON.parse(nodeRequire('buffer').Buffer.from(part, 'base64url').toString('utf8'));
      const header = decode(parts[0]);
      const claims = decode(parts[1]);
      return header && header.alg === 'HS256' && claims && typeof claims === 'object' ? claims : null;
    } catch (e) {
      return null;
    }
  }

  // What api_calls records of a token call's options: never the secret (options that are not
  // an object may be the secret itself).
  function withoutSecret(options) {
    if (options === undefined || options === null) return {};
    if (typeof options !== 'object' || Array.isArray(options)) return `(not an object: ${typeof options})`;
    return 'secret' in options ? Object.assign({}, options, { secret: '(not shown)' }) : options;
  }

  function tokenOptions(member, options) {
    const o = options && typeof options === 'object' ? options : {};
    if (typeof o.secret !== 'string' || o.secret === '') {
      throw new TypeError(`api.redirect.${member}: options.secret must be a non-empty string (keep it in event.secrets)`);
    }
    return o;
  }

  // The state Auth0 adds to the redirect: fixed for a user's login and Action, so a test can
  // sign the token the external site sends back (toolkit.redirect_token(first_leg, ...)).
  function redirectState(action) {
    // Per login, as Auth0's is per transaction: the user, session, client and transaction (but
    // its metadata, which the Actions change), and the Action; not the request, which the
    // user's return to /continue replaces.
    const event = action.event && typeof action.event === 'object' ? action.event : {};
    const transaction = event.transaction && typeof event.transaction === 'object'
      ? Object.assign({}, event.transaction, { metadata: undefined }) : null;
    const client = event.client && typeof event.client === 'object' ? event.client.client_id : null;
    const login = JSON.stringify([S.userId, S.sessionId ?? null, client ?? null, transaction]);
    return 'rk_' + hs256(`${login}|${action.name}`, 'rulekit-state').slice(0, 22);
  }

  // "The token will be validated to ensure that: The signature is valid. The token is not
  // expired. The state claim within the token matches the state parameter used as part of the
  // redirect" (Redirect with Actions). The token is the /continue request's
  // tokenParameterName (session_token by default), posted (event.request.body) or in the query.
  function validateToken(action, o) {
    const name = o.tokenParameterName === undefined ? 'session_token' : String(o.tokenParameterName);
    const request = (action.event && action.event.request) || {};
    const from = (part) => (part && typeof part === 'object' ? part[name] : undefined);
    // rulekit's own return reuses the first leg's (authorize) request: not a /continue one.
    let token = S.returned ? undefined : from(request.body) ?? from(request.query);
    const state = S.redirectState || redirectState(action);
    if (S.returned) {
      // rulekit's own return (run_through: the matrix, equiv, diff): the external site accepted
      // the user and sent back the claims it was given, with the state, signed with the secret.
      const given = S.returned.tokens.map((t) => verifiedClaims(t, o.secret)).find((c) => c);
      const now = Math.floor(Date.now() / 1000);
      token = signJwt(Object.assign({ iss: 'rulekit-simulated-site' }, given || {},
        { sub: S.userId, state, iat: now, exp: now + 60 }), o.secret);
    }
    const fault = (why) => new Error(`api.redirect.validateToken: ${why}`);
    if (token === undefined || token === null) {
      throw fault(`the /continue request has no ${name} (event.request.body.${name} or event.request.query.${name})`);
    }
    if (typeof token !== 'string') throw fault(`${name} is not a string (a ${Array.isArray(token) ? 'list' : typeof token})`);
    const claims = verifiedClaims(token, o.secret);
    if (claims === null || Array.isArray(claims)) throw fault('the token is not an HS256 JWT signed with this secret');
    const nowSeconds = Date.now() / 1000;
    // Auth0 answers "Missing or invalid standard claims" when the returned token lacks one of
    // iat, exp, sub (the user's user_id), iss or state (Auth0 knowledge base, "Getting Error of
    // 'Missing or invalid standard claims' during Actions Redirect").
    const standard = (why) => fault(`Missing or invalid standard claims: ${why}`);
    if (typeof claims.exp !== 'number') throw standard('no numeric exp claim (Auth0 checks that the token has not expired)');
    if (typeof claims.iat !== 'number') throw standard('no numeric iat claim (the time the site issued the token)');
    if (claims.sub !== S.userId) throw standard(`sub is ${JSON.stringify(claims.sub ?? null)}, not the user's user_id ${JSON.stringify(S.userId)}`);
    if (typeof claims.iss !== 'string' || !claims.iss) throw standard('no iss claim (the site that issued the token)');
    if (claims.exp <= nowSeconds) throw fault('the token has expired');
    if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) throw fault('the token is not valid yet (nbf)');
    if (claims.state !== state) throw fault('the token\'s state claim does not match the state of the redirect');
    return claims;
  }

  // A challenge (or enrolment) fulfilled in this login: name 'mfa' with the factor's type.
  function mfaMethod(type) {
    S.mfaMethods.push({ name: 'mfa', type, timestamp: new Date(Date.now()).toISOString() });
  }

  function showMfaMethods(event) {
    if (!event || typeof event !== 'object') return;
    if (!event.authentication || typeof event.authentication !== 'object') event.authentication = { methods: [] };
    const auth = event.authentication;
    if (!Array.isArray(auth.methods)) auth.methods = [];
    for (const method of S.mfaMethods) auth.methods.push(Object.assign({}, method));
  }

  // Whose profile metadata updates go to: the login's user, or the primary user once an
  // Action set one.
  function metadataUser() {
    return S.primary ? S.primary.id : S.userId;
  }

  function showMetadata(user) {
    if (!user || typeof user !== 'object') return;
    for (const [field, updates] of [['app_metadata', S.appMetadata], ['user_metadata', S.userMetadata]]) {
      let shown = null;
      for (const update of updates) {
        if (update.user_id !== metadataUser()) continue;
        if (shown === null) {
          const had = user[field];
          shown = user[field] = had && typeof had === 'object' && !Array.isArray(had) ? had : {};
        }
        for (const key of Object.keys(update.metadata)) {
          const value = update.metadata[key];
          // null deletes the property, as when the profile is updated ("set the property's
          // value to null", Manage User Profile Metadata)
          if (value === undefined || value === null) delete shown[key];
          else shown[key] = cloneJson(value);
        }
      }
    }
  }

  // An Action's module for this login: evaluated once per login (once per container when warm).
  function loadModule(index) {
    const action = registry[S.order[index]];
    let module = S.warm ? action.warmModule : action.coldRun === S.runId ? action.coldModule : null;
    if (!module) {
      module = { exports: {}, id: '/' + action.name, loaded: false };
      action.factory.call(module.exports, module.exports, common.makeRequire('/'), module,
        '/' + action.name + '.js', '/', common.console);
      module.loaded = true;
      if (S.warm) action.warmModule = module;
      else { action.coldModule = module; action.coldRun = S.runId; }
    }
    return module;
  }

  // resume=True: the Action to resume is the only one that exports onContinuePostLogin.
  function resumeTarget() {
    const continuing = [];
    for (let i = 0; i < S.order.length; i++) {
      const action = registry[S.order[i]];
      S.current = action.name;
      let module;
      try {
        module = loadModule(i);
      } catch (e) {
        if (e !== NEED_MODULE) fail(errorInfo(e, action.name));
        return null;
      }
      if (typeof module.exports.onContinuePostLogin === 'function') continuing.push(action.name);
    }
    if (continuing.length === 1) return continuing[0];
    fail({ name: 'Error', rule: null, stack: null, message: continuing.length === 0
      ? 'resume: no Action exports onContinuePostLogin, so there is no redirect to come back from'
      : `resume=True is ambiguous: ${continuing.map((n) => `'${n}'`).join(', ')} export onContinuePostLogin; resume with the first leg's outcome, or name the Action that redirected` });
    return null;
  }

  function runFrom(index) {
    for (let i = index; ; i++) {
      if (S.done || S.needModule) return;
      if (i >= S.order.length) {
        if (S.resume !== false && !S.resumed) {
          fail({ name: 'Error', rule: null, stack: null,
            message: `resume: no Action named ${JSON.stringify(S.resume)} in this flow` });
          return;
        }
        S.done = true;
        return;
      }
      if (!startAction(i)) return;
    }
  }

  function advance() {
    // Every Promise settled but the Action's own Promise never resolved.
    common.advance('Action', fail, () => ({ name: 'PendingPromise',
      message: `Action '${S.current}' never finished: its Promise is still pending with nothing left to wait for (Auth0 fails the login at the time limit)` }));
  }

  // The access token's scopes when an Action changed them: the requested scopes, plus those
  // added, minus those removed (null: unchanged), comparable with a Rule's
  // context.accessToken.scope.
  function effectiveScope() {
    if (S.scopesAdded.length === 0 && S.scopesRemoved.length === 0) return null;
    const scopes = [];
    const requested = Array.isArray(S.requestedScopes) ? S.requestedScopes.map(String) : [];
    for (const scope of [...requested, ...S.scopesAdded]) {
      if (!scopes.includes(scope)) scopes.push(scope);
    }
    return scopes.filter((scope) => !S.scopesRemoved.includes(scope));
  }

  function report() {
    if (S.needModule) return JSON.stringify({ status: 'need-module', need: S.needModule });
    if (!S.done) return JSON.stringify({ status: 'pending' });
    if (S.error === null && !S.denied && !S.suspended && !S.resumed) {
      const mfa = S.mfa || S.challengeMfa;
      const silent = common.silentMfaError(S.silent, mfa, S.sessionMfa, mfa && mfa.rule);
      if (silent) S.error = silent;
    }
    const failed = S.error !== null;
    const denied = !failed && S.denied;
    const out = {
      status: 'done',
      mfa: failed || denied ? null : (S.mfa || S.challengeMfa),
      denied: failed ? null : (S.denied || null),
      error: S.error,
      id_token_claims: failed || denied ? {} : S.idToken,
      access_token_claims: failed || denied ? {} : S.accessToken,
      redirect: failed || denied || !S.redirect ? null : S.redirect,
      app_metadata_updates: S.appMetadata, user_metadata_updates: S.userMetadata,
      logs: S.logs, rules_run: S.rulesRun,
      extra: { api_calls: S.calls, challenge: failed || denied ? null : S.challenge,
        scopes_added: S.scopesAdded, scopes_removed: S.scopesRemoved },
    };
    // Only when there is something to say (most logins have none of these).
    const scope = failed || denied ? null : effectiveScope();
    if (scope !== null) out.extra.access_token_scope = scope;
    if (S.dropped) out.extra.dropped_claims = S.dropped;
    if (S.suspended && !failed && !denied) out.extra.suspended = true;
    if (S.prompt && !failed && !denied) out.extra.prompt = S.prompt;
    if (out.mfa && common.NO_REDIRECT.includes(S.protocol)) out.extra.mfa_api = true;
    // What a resumed leg must keep (ActionsRuntime.run(resume=leg) carries them).
    if (S.txChanged) out.extra.transaction_metadata = S.txMetadata || {};
    if (S.primary) out.extra.primary_user = S.primary;
    if (S.factors) {
      out.extra.mfa_factors = { completed: S.factors.completed, enrolled: S.factors.added,
        commands: S.factors.commands };
    }
    return JSON.stringify(out);
  }

  globalThis.__rulekitActions = {
    // The post-login api's members, as JSON: {"access": ["deny"], ...} (rulekit lint reads it).
    apiMembers() {
      const api = makeApi({ name: 'lint', index: -1 });
      const members = {};
      for (const key of Object.keys(api)) {
        const value = api[key];
        members[key] = value && typeof value === 'object' ? Object.keys(value) : [];
      }
      return JSON.stringify(members);
    },
    add(name, factory) {
      registry.push({ name, factory, index: -1, api: null, warmModule: null, coldModule: null,
        coldRun: -1, event: null, eventRun: -1 });
      return registry.length - 1;
    },
    current() { return S ? S.current : null; },
    run(json) { return runInput(JSON.parse(json)); },
    batch(json) { return common.batch(json, runInput); },
    resetWarm() {
      warmCache = null;
      for (const action of registry) action.warmModule = null;
      common.newContainer();
    },
    step() {
      // Called by Python while a login is pending (only when the harness cannot drain
      // microtasks itself); microtasks have drained since the last call.
      if (!S.done && !S.needModule) advance();
      return report();
    },
  };

  function runInput(input) {
    common.startLogin(Boolean(input.warm));
    runCounter += 1;
    const event = input.event;
    const transaction = event && typeof event === 'object' ? event.transaction : null;
    const txMetadata = transaction && typeof transaction === 'object' ? transaction.metadata : null;
    S = common.begin({
      runId: runCounter, order: input.actions, event: input.event,
      eventJson: input.actions.length > 1 ? JSON.stringify(input.event) : null,
      secrets: input.secrets, now: input.now, timeLimitMs: input.timeLimitMs,
      resume: typeof input.resume === 'string' ? input.resume : input.resume ? true : false,
      resumed: false, continuing: -1, challengeMfa: null, txChanged: false, dropped: null,
      suspended: false,
      txMetadata: txMetadata && typeof txMetadata === 'object' && hasKeys(txMetadata)
        ? cloneJson(txMetadata) : null,
      protocol: transaction && typeof transaction === 'object' ? transaction.protocol : undefined,
      silent: common.silentLogin(input.event), sessionMfa: common.sessionHadMfa(input.event),
      requestedScopes: transaction && typeof transaction === 'object' ? transaction.requested_scopes : null,
      userId: input.event && input.event.user ? input.event.user.user_id : null,
      enrolled: enrolledFactors(input.event), factors: null, primary: null,
      tenantFactors: Array.isArray(input.factors) ? input.factors : null, mfaMethods: [],
      sessionId: input.event && input.event.session && typeof input.event.session === 'object'
        ? input.event.session.id : undefined,
      redirectState: null, returned: null, prompt: null, carriedPrompt: null, shown: {}, shownAt: null,
      rulesRun: [], calls: [], mfa: null, denied: null, error: null, redirect: null,
      challenge: null, idToken: {}, accessToken: {}, scopesAdded: [], scopesRemoved: [],
      appMetadata: [], userMetadata: [], actionDone: {}, warm: Boolean(input.warm),

      cache: input.warm ? (warmCache ??= Object.create(null)) : Object.create(null),
      done: false,
    });
    // The first leg's decisions, when resuming from its outcome: Auth0 keeps the transaction
    // across the redirect (MFA is "deferred to the end of the login flow", claims are issued
    // "upon completion of the login flow").
    if (input.carry) Object.assign(S, carried(input.carry, S.txMetadata, S.enrolled));
    if (S.factors) for (const type of S.factors.completed) mfaMethod(type);  // the first leg's
    if (S.resume === true) S.resume = resumeTarget() ?? S.resume;
    if (!S.done && !S.needModule) runFrom(0);
    common.settle(advance);
    return report();
  }

  function hasKeys(object) {
    for (const key in object) return key !== undefined;
    return false;
  }

  function carried(carry, txMetadata, enrolled) {
    const extra = carry.extra || {};
    const tx = extra.transaction_metadata;
    const factors = extra.mfa_factors;
    return {
      // The first leg's redirect state; rulekit's own return (run_through) sends the tokens the
      // redirect carried to the external site back, as a site that accepted the user would.
      redirectState: typeof carry.state === 'string' ? carry.state : null,
      carriedPrompt: carry.prompt && typeof carry.prompt === 'object' ? carry.prompt : null,
      // What each Action showed the user in the first leg (a form or a redirect).
      shown: carry.shown && typeof carry.shown === 'object' ? Object.assign({}, carry.shown) : {},
      returned: Array.isArray(carry.returned) ? { tokens: carry.returned.map(String) } : null,
      txMetadata: tx && typeof tx === 'object' ? Object.assign({}, tx) : txMetadata,
      txChanged: Boolean(tx && typeof tx === 'object'),
      primary: extra.primary_user || null,
      factors: factors && typeof factors === 'object' ? {
        enrolled: enrolled.concat(factors.enrolled || []), completed: (factors.completed || []).slice(),
        added: (factors.enrolled || []).slice(),
        commands: Number.isSafeInteger(factors.commands) ? factors.commands : 0 } : null,
      // A challenge already made stays made: a later enable('none') cannot undo it.
      mfa: carry.mfa || null,
      challenge: carry.challenge || null,
      challengeMfa: carry.challenge && carry.challenge.call ? {
        provider: String(carry.challenge.call).slice('authentication.'.length),
        allowRememberBrowser: false, factor: carry.challenge.factor,
        options: carry.challenge.options || {}, rule: carry.challenge.rule } : null,
      dropped: carry.dropped || null,
      idToken: carry.id_token_claims || {},
      accessToken: carry.access_token_claims || {},
      scopesAdded: extra.scopes_added || [], scopesRemoved: extra.scopes_removed || [],
      appMetadata: carry.app_metadata_updates || [], userMetadata: carry.user_metadata_updates || [],
    };
  }
})();
