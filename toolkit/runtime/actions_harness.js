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
  const CACHE_TTL_MS = 15 * 60 * 1000;  // api.cache's default lifetime

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
      S[tokens][key] = cloneJson(value);
      rec(kind, { key, value });
    };
    const challenge = (kind) => (factor, options) => {
      guard();
      rec(kind, { factor, options: options || {} });
      S.challenge = { call: kind, factor: cloneJson(factor), options: cloneJson(options || {}), rule: action.name };
    };
    const api = {
      access: strict('api.access', {
        deny(reason) {
          guard();
          rec('access.deny', { reason });
          // Auth0: the flow stops after the current Action; later Actions do not run.
          if (!S.denied) S.denied = { message: String(reason ?? ''), rule: action.name };
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
        recordMethod(url) { guard(); rec('authentication.recordMethod', { url }); },
        setPrimaryUser(id) { guard(); rec('authentication.setPrimaryUser', { user_id: id }); },
      }),
      idToken: strict('api.idToken', { setCustomClaim: claim('idToken', 'idToken.setCustomClaim') }),
      accessToken: strict('api.accessToken', {
        setCustomClaim: claim('accessToken', 'accessToken.setCustomClaim'),
        addScope(scope) { guard(); rec('accessToken.addScope', { scope }); S.scopesAdded.push(String(scope)); },
        removeScope(scope) { guard(); rec('accessToken.removeScope', { scope }); S.scopesRemoved.push(String(scope)); },
      }),
      user: strict('api.user', {
        // Auth0 batches these and applies them at the end of the flow; null deletes a key.
        setAppMetadata(key, value) { guard(); rec('user.setAppMetadata', { key, value }); S.appMetadata.push({ user_id: S.userId, metadata: { [key]: cloneJson(value) } }); },
        setUserMetadata(key, value) { guard(); rec('user.setUserMetadata', { key, value }); S.userMetadata.push({ user_id: S.userId, metadata: { [key]: cloneJson(value) } }); },
      }),
      redirect: strict('api.redirect', {
        sendUserTo(url, options) {
          guard();
          rec('redirect.sendUserTo', { url, options: options || {} });
          let target = String(url);
          const query = options && options.query;
          if (query && typeof query === 'object') {
            const qs = Object.keys(query).map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(String(query[k]))).join('&');
            if (qs) target += (target.includes('?') ? '&' : '?') + qs;
          }
          S.redirect = { url: target, rule: action.name };
        },
        encodeToken(options) { guard(); rec('redirect.encodeToken', { options }); return 'rulekit.unsigned.' + common.makeRequire('/')('buffer').Buffer.from(JSON.stringify((options && options.payload) || {})).toString('base64url'); },
        validateToken(options) { guard(); rec('redirect.validateToken', { options }); return {}; },
      }),
      cache: strict('api.cache', {
        // Auth0: a record is {value, expires_at}; a value lives up to `ttl` ms or until
        // `expires_at` (ms since the epoch), the earlier of the two, 15 minutes by default.
        get(key) {
          const record = S.cache[key];
          if (record === undefined) return undefined;
          if (record.expires_at <= Date.now()) { delete S.cache[key]; return undefined; }
          return { value: record.value, expires_at: record.expires_at };
        },
        set(key, value, options) {
          const now = Date.now();
          const ttl = options && typeof options.ttl === 'number' ? options.ttl : null;
          const at = options && typeof options.expires_at === 'number' ? options.expires_at : null;
          const expiresAt = ttl === null && at === null ? now + CACHE_TTL_MS
            : Math.min(ttl === null ? Infinity : now + ttl, at === null ? Infinity : at);
          S.cache[key] = { value: String(value), expires_at: expiresAt };
          return { type: 'success' };
        },
        delete(key) { delete S.cache[key]; return { type: 'success' }; },
      }),
      session: strict('api.session', {
        setMetadata(key, value) { guard(); rec('session.setMetadata', { key, value }); },
        deleteMetadata(key) { guard(); rec('session.deleteMetadata', { key }); },
        evictMetadata() { guard(); rec('session.evictMetadata', {}); },
        setExpiresAt(t) { guard(); rec('session.setExpiresAt', { at: t }); },
        setIdleExpiresAt(t) { guard(); rec('session.setIdleExpiresAt', { at: t }); },
        revoke(reason) { guard(); rec('session.revoke', { reason }); },
      }),
      transaction: strict('api.transaction', {
        setMetadata(key, value) { guard(); rec('transaction.setMetadata', { key, value }); },
        deleteMetadata(key) { guard(); rec('transaction.deleteMetadata', { key }); },
      }),
      prompt: strict('api.prompt', {
        render(id, options) { guard(); rec('prompt.render', { id, options }); },
      }),
    };
    return strict('api', api);
  }

  function startAction(index) {
    const action = registry[S.order[index]];
    action.index = index;
    const runId = S.runId;
    S.current = action.name;
    S.rulesRun.push(action.name);
    // Auth0: changes an Action makes to `event` are not visible to the next Action. The
    // first Action gets the parsed input itself; the others get fresh copies.
    let event = S.event;
    if (event === null) event = JSON.parse(S.eventJson); else S.event = null;
    event.secrets = Object.freeze(Object.assign({}, S.secrets[index] || {}));
    let handler;
    try {
      let module = S.warm ? action.warmModule : null;
      if (!module) {
        module = { exports: {}, id: '/' + action.name, loaded: false };
        action.factory.call(module.exports, module.exports, common.makeRequire('/'), module,
          '/' + action.name + '.js', '/', common.console);
        module.loaded = true;
        if (S.warm) action.warmModule = module;
      }
      handler = S.resume ? module.exports.onContinuePostLogin : module.exports.onExecutePostLogin;
      if (S.resume && typeof handler !== 'function') return true;  // nothing to resume here
      if (typeof handler !== 'function') {
        throw new TypeError(`Action '${action.name}' does not export onExecutePostLogin (exports.onExecutePostLogin = async (event, api) => {...})`);
      }
    } catch (e) {
      if (e !== NEED_MODULE) fail(errorInfo(e, action.name));
      return false;
    }
    const finished = () => {
      if (runId !== S.runId || S.done || S.needModule) return;
      S.actionDone[index] = true;
      if (S.denied) { S.done = true; return; }
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
    if (S.denied) { S.done = true; return false; }
    return true;
  }

  function runFrom(index) {
    for (let i = index; ; i++) {
      if (S.done || S.needModule) return;
      if (i >= S.order.length) { S.done = true; return; }
      if (!startAction(i)) return;
    }
  }

  function advance() {
    // Every Promise settled but the Action's own Promise never resolved.
    common.advance('Action', fail, () => ({ name: 'PendingPromise',
      message: `Action '${S.current}' never finished: its Promise is still pending with nothing left to wait for (Auth0 fails the login at the time limit)` }));
  }

  function report() {
    if (S.needModule) return JSON.stringify({ status: 'need-module', need: S.needModule });
    if (!S.done) return JSON.stringify({ status: 'pending' });
    const failed = S.error !== null;
    const denied = !failed && S.denied;
    const out = {
      status: 'done',
      mfa: failed || denied ? null : S.mfa,
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
    return JSON.stringify(out);
  }

  globalThis.__rulekitActions = {
    add(name, factory) { registry.push({ name, factory, index: -1, api: null, warmModule: null }); return registry.length - 1; },
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
    S = common.begin({
      runId: runCounter, order: input.actions, event: input.event,
      eventJson: input.actions.length > 1 ? JSON.stringify(input.event) : null,
      secrets: input.secrets, now: input.now, timeLimitMs: input.timeLimitMs,
      resume: Boolean(input.resume), userId: input.event && input.event.user ? input.event.user.user_id : null,
      rulesRun: [], calls: [], mfa: null, denied: null, error: null, redirect: null,
      challenge: null, idToken: {}, accessToken: {}, scopesAdded: [], scopesRemoved: [],
      appMetadata: [], userMetadata: [], actionDone: {}, warm: Boolean(input.warm),
      cache: input.warm ? (warmCache ??= Object.create(null)) : Object.create(null),
      done: false,
    });
    runFrom(0);
    common.settle(advance);
    return report();
  }
})();
