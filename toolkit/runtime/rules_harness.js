// rulekit's emulation of the Auth0 Rules runtime (README: "What the Rules runtime reproduces").
// Evaluated once per V8 context, after node_builtins.js and common.js. Python talks to it
// through globalThis.__rulekitRules: addRule / run / step / current. Calls take and return JSON
// strings so that one login is one call into V8.
(function () {
  'use strict';

  const common = globalThis.__rulekitCommon;
  const NEED_MODULE = common.NEED_MODULE;
  const capturedConsole = common.console;
  const ruleRequire = common.makeRequire('/');
  let S = null;
  let runCounter = 0;
  // A warm container (input.warm): Auth0 keeps `global` in a container across the logins it
  // serves ("a per-container cache that may be reset at any time"); resetWarm() is a new one.
  let warmGlobal = null;

  // ---- errors Auth0 gives rules -------------------------------------------------------------
  class UnauthorizedError extends Error {
    constructor(message) { super(message); this.name = 'UnauthorizedError'; }
  }

  // ---- rules ----------------------------------------------------------------------------------
  const registry = [];  // [{name, factory}] in pipeline order

  function makeAuth0(state) {
    const record = (list) => (userId, metadata) => {
      if (state.managementApiFails) {
        // RulesRuntime(management_api_fails=True): the Management API refuses, as when rate
        // limited, so that a rule's error path runs; nothing is written.
        const error = new Error('Too Many Requests');
        error.statusCode = 429;
        return Promise.reject(error);
      }
      list.push({ user_id: userId === undefined ? null : userId, metadata: cloneJson(metadata) });
      return Promise.resolve();  // Auth0: these return Promises (management API calls)
    };
    return Object.freeze({
      domain: state.domain,
      accessToken: 'rulekit-management-api-token',
      users: Object.freeze({
        updateAppMetadata: record(state.appMetadataUpdates),
        updateUserMetadata: record(state.userMetadataUpdates),
      }),
    });
  }

  const cloneJson = common.cloneJson;

  function errorInfo(err, ruleName) {
    return err === NEED_MODULE ? null : common.errorInfo(err, ruleName);
  }

  function fail(error) {
    if (S.needModule) return;
    S.done = true;
    S.result = { error };
  }

  function finish() {
    if (S.needModule) return;
    S.done = true;
    S.result = { context: S.context };
  }

  function startRule(index) {
    const rule = registry[S.order[index]];
    const runId = S.runId;
    let called = false;
    S.current = rule.name;
    S.rulesRun.push(rule.name);
    // The rule that last set context.multifactor decided MFA (as the last api.multifactor.enable
    // does in an Action): a new object, even an identical one, or a changed one.
    const contextBefore = S.context;
    const beforeObject = contextBefore && contextBefore.multifactor;
    const before = JSON.stringify(beforeObject);
    const callback = function (err, user, context) {
      if (runId !== S.runId || S.needModule) return;  // a callback left over from another login
      if (called) {
        S.done = true;  // reported even if the pipeline had moved on: Auth0 requires exactly one call
        S.result = { error: { name: 'CallbackError', rule: rule.name, stack: null,
          message: `rule '${rule.name}' called callback more than once` } };
        return;
      }
      called = true;
      if (S.done) return;
      if (err) {
        const info = errorInfo(err, rule.name);
        if (err instanceof UnauthorizedError || (err && err.name === 'UnauthorizedError')) {
          S.done = true;
          S.result = { denied: { message: String(err.message ?? ''), rule: rule.name } };
        } else {
          fail(info);
        }
        return;
      }
      if (user !== undefined) S.user = user;
      if (context !== undefined) S.context = context;
      const after = S.context && S.context.multifactor;
      // A new multifactor object counts only in the context the rule was given: one that hands
      // back a copy of the context (JSON round trip) has not set anything.
      const reassigned = S.context === contextBefore && after !== beforeObject;
      if (reassigned || JSON.stringify(after) !== before) S.mfaRule = rule.name;
      if (S.syncIndex === index) S.continued = true; else runFrom(index + 1);
    };
    let returned;
    S.syncIndex = index;
    S.continued = false;
    try {
      const fn = rule.factory(S.configuration, UnauthorizedError, S.auth0, ruleRequire,
        capturedConsole, S.global);
      if (typeof fn !== 'function') {
        throw new TypeError(`rule '${rule.name}' is not a function (Auth0 stores a rule as one function)`);
      }
      returned = fn(S.user, S.context, callback);
    } catch (e) {
      S.syncIndex = -1;
      if (!S.done) fail(errorInfo(e, rule.name));
      return false;
    }
    S.syncIndex = -1;
    if (returned && typeof returned.then === 'function') {
      // An async rule that rejects before calling back: Auth0 fails the login with that error.
      returned.then(undefined, (e) => { if (!called && runId === S.runId && !S.done) fail(errorInfo(e, rule.name)); });
    }
    return S.continued;
  }

  function runFrom(index) {
    for (let i = index; ; i++) {
      if (S.done || S.needModule) return;
      if (i >= S.order.length) { finish(); return; }
      if (!startRule(i)) return;  // waiting for an asynchronous callback
    }
  }

  function report() {
    if (S.needModule) return JSON.stringify({ status: 'need-module', need: S.needModule });
    if (!S.done) return JSON.stringify({ status: 'pending' });
    const r = S.result;
    const out = {
      status: 'done',
      mfa: null, denied: null, error: null,
      id_token_claims: {}, access_token_claims: {}, redirect: null,
      app_metadata_updates: S.appMetadataUpdates, user_metadata_updates: S.userMetadataUpdates,
      logs: S.logs, rules_run: S.rulesRun,
    };
    if (r.error) out.error = r.error;
    else if (r.denied) out.denied = r.denied;
    else {
      const ctx = r.context || {};
      const mf = ctx.multifactor;
      if (mf && typeof mf === 'object' && mf.provider) {
        out.mfa = Object.assign(cloneJson(mf), {
          provider: String(mf.provider),
          // Auth0's Rules MFA template: "allowRememberBrowser: optional, defaults to true".
          allowRememberBrowser: typeof mf.allowRememberBrowser === 'boolean' ? mf.allowRememberBrowser : true,
          rule: S.mfaRule,
        });
      }
      // Auth0 fails the login after the rules ran: no MFA, redirect nor tokens come of it.
      const failLogin = (error) => {
        out.error = error;
        out.mfa = null; out.redirect = null; out.id_token_claims = {}; out.access_token_claims = {};
      };
      try {
        const dropped = [];
        const access = cloneJson(ctx.accessToken || {});
        // Auth0 (Rules context object): context.accessToken.scope "can be used to change the
        // Access Token's returned scopes": an array of scopes, not a custom claim.
        let scope;
        if (access && typeof access === 'object' && 'scope' in access) {
          scope = access.scope;
          delete access.scope;
        }
        out.id_token_claims = common.tokenClaims(cloneJson(ctx.idToken || {}), 'id_token', dropped);
        out.access_token_claims = common.tokenClaims(access || {}, 'access_token', dropped);
        // `extra` only when there is something to say: most logins have neither.
        if (dropped.length || scope !== undefined) {
          out.extra = { dropped_claims: dropped };
          if (scope !== undefined) out.extra.access_token_scope = scope;
        }
        if (ctx.redirect && ctx.redirect.url) out.redirect = { url: String(ctx.redirect.url) };
        // "Redirect Users from Within Rules": redirect rules "won't work with: Resource Owner
        // endpoint, Password exchange, Refresh Token exchange ... this will also fail if you
        // set context.redirect".
        if (out.redirect && common.NO_REDIRECT.includes(S.protocol)) {
          failLogin({ name: 'Error', rule: null, auth0: true, message: `a rule set context.redirect in a ${JSON.stringify(S.protocol)} login: Auth0 cannot redirect in this flow and fails the login` });
        } else if (out.redirect && S.protocol !== 'redirect-callback' && S.silent) {
          // Configure Silent Authentication: interaction_required when the user "needs to be
          // redirected elsewhere before authentication can be completed; for example, when
          // using a redirect rule".
          failLogin({ name: 'interaction_required', rule: null, message: 'a rule set context.redirect in a non-interactive login (prompt=none): Auth0 answers interaction_required' });
        } else if (S.protocol !== 'redirect-callback') {
          const silent = common.silentMfaError(S.silent, out.mfa, S.sessionMfa, S.mfaRule);
          if (silent) failLogin(silent);
        }
        if (out.mfa && common.NO_REDIRECT.includes(S.protocol)) {
          (out.extra ??= { dropped_claims: [] }).mfa_api = true;
        }
      } catch (e) {
        out.error = errorInfo(e, S.current);
      }
    }
    try {
      return JSON.stringify(out);
    } catch (e) {
      return JSON.stringify(Object.assign(out, { app_metadata_updates: [], user_metadata_updates: [],
        error: { name: 'TypeError', message: 'outcome is not serialisable: ' + e.message, rule: S.current } }));
    }
  }

  globalThis.__rulekitRules = {
    add(name, factory) { registry.push({ name, factory }); return registry.length - 1; },
    current() { return S ? S.current : null; },
    run(json) { return runInput(JSON.parse(json)); },
    batch(json) { return common.batch(json, runInput); },
    resetWarm() { warmGlobal = null; common.newContainer(); },
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
      runId: runCounter, order: input.rules, user: input.user, context: input.context,
      now: input.now, timeLimitMs: input.timeLimitMs,
      configuration: Object.freeze(Object.assign({}, input.configuration)),
      global: input.warm ? (warmGlobal ??= Object.create(globalThis)) : Object.create(globalThis),
      domain: input.domain, managementApiFails: input.managementApiFails === true,
      appMetadataUpdates: [], userMetadataUpdates: [], rulesRun: [],
      mfaRule: null, syncIndex: -1, continued: false, done: false, result: null,
      protocol: input.context && typeof input.context === 'object' ? input.context.protocol : undefined,
      silent: common.silentLogin(input.context),
      sessionMfa: common.sessionHadMfa(input.context),
    });
    S.auth0 = makeAuth0(S);
    runFrom(0);
    common.settle(advance);
    return report();
  }

  function advance() {
    common.advance('rule', fail, () => ({ name: 'CallbackError',
      message: `rule '${S.current}' never called callback (Auth0 would wait for the time limit, then fail the login)` }));
  }
})();
