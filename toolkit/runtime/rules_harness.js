// rulekit's emulation of the Auth0 Rules runtime (see ../shared/AUTH0_RUNTIME.md in the repo
// history and README "Fidelity"). Evaluated once per V8 context, after node_builtins.js.
// Python talks to it through globalThis.__rulekitRules: addRule / addFiles / setStubs / run /
// step / current. Every call takes and returns JSON strings so one login is one call into V8.
(function () {
  'use strict';

  const builtins = globalThis.__rulekitNodeBuiltins({});
  const RealDate = Date;
  const realSetTimeout = globalThis.setTimeout;  // kept unused: timers below are virtual

  // ---- per-login state -------------------------------------------------------------------
  let S = null;
  let runCounter = 0;

  // ---- clock: Date frozen with --now, advanced by virtual timers ---------------------------
  function currentMs() {
    const base = S && S.now !== null ? S.now : RealDate.now();
    return base + (S ? S.virtualElapsed : 0);
  }
  function RulekitDate(...args) {
    if (!new.target) return new RealDate(currentMs()).toString();  // Date() called as function
    if (args.length === 0) return Reflect.construct(RealDate, [currentMs()], new.target);
    return Reflect.construct(RealDate, args, new.target);
  }
  Object.setPrototypeOf(RulekitDate, RealDate);
  RulekitDate.prototype = RealDate.prototype;
  RulekitDate.now = function now() { return currentMs(); };
  globalThis.Date = RulekitDate;

  // ---- timers: a virtual queue; waiting costs no wall-clock time, but counts against the limit
  let timerSeq = 0;
  function addTimer(fn, ms, args, repeat) {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
    const delay = Math.max(1, Number(ms) || 0);  // Node clamps delays below 1 ms to 1 ms
    const id = ++timerSeq;
    S.timers.push({ id, at: S.virtualElapsed + delay, fn, args, repeat: repeat ? delay : 0 });
    return id;
  }
  function clearTimer(id) {
    if (S) S.timers = S.timers.filter((t) => t.id !== id);
  }
  const timers = {
    setTimeout: (fn, ms, ...args) => addTimer(fn, ms, args, false),
    setInterval: (fn, ms, ...args) => addTimer(fn, ms, args, true),
    setImmediate: (fn, ...args) => addTimer(fn, 0, args, false),
    clearTimeout: clearTimer, clearInterval: clearTimer, clearImmediate: clearTimer,
  };
  Object.assign(globalThis, timers);

  // ---- console: captured into the outcome's logs --------------------------------------------
  const capturedConsole = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    capturedConsole[level] = function (...args) {
      if (S) S.logs.push(builtins.util.format(...args));
    };
  }
  globalThis.console = capturedConsole;

  globalThis.Buffer = builtins.Buffer;
  globalThis.atob = builtins.atob;
  globalThis.btoa = builtins.btoa;
  globalThis.process = {
    env: {},
    version: 'v22.0.0',
    versions: { node: '22.0.0' },
    platform: 'linux',
    nextTick: (fn, ...args) => { Promise.resolve().then(() => fn(...args)); },
  };

  // ---- require: built-ins, Python-supplied stubs, then node_modules (CommonJS) -------------
  const NODE_BUILTINS = {
    crypto: builtins.crypto, url: builtins.url, querystring: builtins.querystring,
    util: builtins.util, buffer: builtins.buffer,
  };
  const files = Object.create(null);      // '/node_modules/x/index.js' -> source
  const dirs = Object.create(null);       // every directory that holds a loaded file
  let stubs = Object.create(null);        // module name -> {source} | {value}
  const moduleCache = Object.create(null);
  const NEED_MODULE = { toString() { return 'rulekit: loading module'; } };

  function stripVersion(name) {
    // Auth0 pins versions inline: require('lodash@4.17.21'), require('@scope/pkg@1.0.0').
    const at = name.indexOf('@', name.startsWith('@') ? 1 : 0);
    return at > 0 ? name.slice(0, at) : name;
  }
  function dirname(p) { const i = p.lastIndexOf('/'); return i <= 0 ? '/' : p.slice(0, i); }
  function normalize(p) {
    const out = [];
    for (const part of p.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') out.pop(); else out.push(part);
    }
    return '/' + out.join('/');
  }
  function asFile(p) {
    for (const candidate of [p, p + '.js', p + '.json', p + '.cjs']) {
      if (candidate in files) return candidate;
    }
    return null;
  }
  function asDirectory(p) {
    const pkg = p + '/package.json';
    if (pkg in files) {
      let main = null;
      try { main = JSON.parse(files[pkg]).main; } catch (e) { main = null; }
      if (typeof main === 'string' && main) {
        const m = normalize(p + '/' + main);
        const found = asFile(m) || asFile(m + '/index');
        if (found) return found;
      }
    }
    return asFile(p + '/index');
  }
  function resolve(request, fromDir) {
    if (request.startsWith('./') || request.startsWith('../') || request.startsWith('/')) {
      const p = normalize(request.startsWith('/') ? request : fromDir + '/' + request);
      const found = asFile(p) || asDirectory(p);
      if (found) return found;
      throw moduleNotFound(request, fromDir);
    }
    const parts = request.split('/');
    const pkgName = request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    const candidates = [];
    for (let dir = fromDir; ; dir = dirname(dir)) {
      if (!dir.endsWith('/node_modules')) {
        candidates.push(normalize(dir + '/node_modules/' + pkgName));
      }
      if (dir === '/') break;
    }
    for (const c of candidates) {
      if (c in dirs) {
        const p = normalize(c + request.slice(pkgName.length));
        const found = asFile(p) || asDirectory(p);
        if (found) return found;
        throw moduleNotFound(request, fromDir);
      }
    }
    // Not loaded yet: ask Python to load the package, then the login is re-run from the start.
    S.needModule = { name: pkgName, request, candidates };
    throw NEED_MODULE;
  }
  function moduleNotFound(request, fromDir) {
    S.needModule = { name: request, request, candidates: [], missing: fromDir };
    return NEED_MODULE;
  }
  function load(path) {
    if (path in moduleCache) return moduleCache[path].exports;
    const module = { exports: {}, id: path, filename: path, loaded: false };
    moduleCache[path] = module;
    try {
      if (path.endsWith('.json')) {
        module.exports = JSON.parse(files[path]);
      } else {
        const wrapper = (0, eval)(
          '(function (exports, require, module, __filename, __dirname) {' + files[path] +
          '\n})\n//# sourceURL=' + path);
        wrapper.call(module.exports, module.exports, makeRequire(dirname(path)), module, path,
          dirname(path));
      }
    } catch (e) {
      delete moduleCache[path];
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }
  function makeRequire(fromDir) {
    return function require(name) {
      if (typeof name !== 'string') throw new TypeError('The "id" argument must be of type string');
      const bare = name.startsWith('node:') ? name.slice(5) : name;
      if (bare in NODE_BUILTINS) return NODE_BUILTINS[bare];
      const unversioned = stripVersion(name);
      if (unversioned in stubs) {
        const key = 'stub:' + unversioned;
        if (!(key in moduleCache)) {
          const stub = stubs[unversioned];
          const module = { exports: {} };
          if ('source' in stub) {
            (0, eval)('(function (exports, require, module) {' + stub.source +
              '\n})\n//# sourceURL=stub:' + unversioned)(module.exports, makeRequire('/'), module);
          } else {
            module.exports = stub.value;
          }
          moduleCache[key] = module;
        }
        return moduleCache[key].exports;
      }
      return load(resolve(unversioned, fromDir));
    };
  }
  const ruleRequire = makeRequire('/');

  // ---- errors Auth0 gives rules -------------------------------------------------------------
  class UnauthorizedError extends Error {
    constructor(message) { super(message); this.name = 'UnauthorizedError'; }
  }

  // ---- rules ----------------------------------------------------------------------------------
  const registry = [];  // [{name, factory}] in pipeline order

  function makeAuth0(state) {
    const record = (list) => (userId, metadata) => {
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

  function cloneJson(value) {
    if (value === undefined) return null;
    try { return JSON.parse(JSON.stringify(value)); } catch (e) { return String(value); }
  }

  function errorInfo(err, ruleName) {
    if (err === NEED_MODULE) return null;
    if (err && typeof err === 'object') {
      return { name: String(err.name || 'Error'), message: String(err.message ?? ''), rule: ruleName,
        stack: typeof err.stack === 'string' ? err.stack : null };
    }
    return { name: 'Error', message: String(err), rule: ruleName, stack: null };
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
    const before = JSON.stringify(S.context && S.context.multifactor);
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
      if (JSON.stringify(S.context && S.context.multifactor) !== before) S.mfaRule = rule.name;
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
      try {
        out.id_token_claims = cloneJson(ctx.idToken || {});
        out.access_token_claims = cloneJson(ctx.accessToken || {});
        if (ctx.redirect && ctx.redirect.url) out.redirect = { url: String(ctx.redirect.url) };
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
    addRule(name, factory) { registry.push({ name, factory }); return registry.length - 1; },
    addFiles(json) {
      const added = JSON.parse(json);
      for (const path of Object.keys(added)) {
        files[path] = added[path];
        for (let d = dirname(path); d !== '/' && !(d in dirs); d = dirname(d)) dirs[d] = true;
      }
    },
    setStubs(json) {
      stubs = Object.assign(Object.create(null), JSON.parse(json));
      for (const key of Object.keys(moduleCache)) if (key.startsWith('stub:')) delete moduleCache[key];
    },
    current() { return S ? S.current : null; },
    run(json) {
      const input = JSON.parse(json);
      runCounter += 1;
      S = {
        runId: runCounter, order: input.rules, user: input.user, context: input.context,
        now: input.now, virtualElapsed: 0, timeLimitMs: input.timeLimitMs,
        configuration: Object.freeze(Object.assign({}, input.configuration)),
        global: Object.create(globalThis), domain: input.domain,
        logs: [], appMetadataUpdates: [], userMetadataUpdates: [], rulesRun: [],
        timers: [], current: null, mfaRule: null, syncIndex: -1, continued: false,
        done: false, result: null, needModule: null,
      };
      S.auth0 = makeAuth0(S);
      runFrom(0);
      return report();
    },
    step() {
      // Called while a login is pending; microtasks have drained since the last call.
      if (S.done || S.needModule) return report();
      if (S.timers.length === 0) {
        fail({ name: 'CallbackError', rule: S.current, stack: null,
          message: `rule '${S.current}' never called callback (Auth0 would wait for the time limit, then fail the login)` });
        return report();
      }
      S.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const timer = S.timers.shift();
      S.virtualElapsed = timer.at;
      if (S.virtualElapsed > S.timeLimitMs) {
        fail({ name: 'TimeLimitExceeded', rule: S.current, stack: null,
          message: `rule '${S.current}' did not finish within the ${S.timeLimitMs / 1000} s time limit (timers waited ${timer.at} ms)` });
        return report();
      }
      if (timer.repeat) S.timers.push(Object.assign({}, timer, { at: timer.at + timer.repeat }));
      try {
        timer.fn(...timer.args);
      } catch (e) {
        if (!S.done) fail(errorInfo(e, S.current));
      }
      return report();
    },
  };
  void realSetTimeout;
})();
