// rulekit: what Auth0's Rules and Actions runtimes share, as seen by the code they run: a clock
// that --now can freeze, virtual timers, console captured into logs, Node's globals, and a
// CommonJS `require` over built-ins, Python-supplied stubs and node_modules files.
// Evaluated once per V8 context after node_builtins.js; the harnesses use globalThis.__rulekitCommon.
(function () {
  'use strict';

  const builtins = globalThis.__rulekitNodeBuiltins({});
  const RealDate = Date;

  // ---- per-login state -------------------------------------------------------------------
  let S = null;

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

  // ---- Math.random: on a frozen clock, seeded anew for each login (mulberry32), so that a
  // run repeats (rulekit diff, equiv and the matrix compare runs of code that writes a random
  // value; a reviewer's identical code "changed" on 102 of 104 logins). Otherwise V8's own.
  const RealRandom = Math.random;
  Math.random = function random() {
    if (!S || S.now === null || S.now === undefined) return RealRandom();
    S.randomState = (S.randomState + 0x6D2B79F5) | 0;
    let t = S.randomState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

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
  globalThis.global = globalThis;  // Node's name for it (a Rule gets its own `global` instead)
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
    // builtins: what rulekit emulates, for the message when nothing provides the package.
    S.needModule = { name: pkgName, request, candidates, builtins: Object.keys(NODE_BUILTINS) };
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
        evaluatingPackage(() => wrapper.call(module.exports, module.exports,
          makeRequire(dirname(path)), module, path, dirname(path)));
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
            const wrapper = (0, eval)('(function (exports, require, module) {' + stub.source +
              '\n})\n//# sourceURL=stub:' + unversioned);
            evaluatingPackage(() => wrapper(module.exports, makeRequire('/'), module));
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

  // ---- a new container -------------------------------------------------------------------------
  // What code puts on the global object (an undeclared variable in sloppy mode, globalThis.x,
  // `JSON = ...`) lives as long as the container: in Node, Auth0's `global` is that object. A
  // login in a new container starts from the global object as it was before the first login:
  // properties added since are deleted, deleted or replaced ones put back as they were
  // (descriptors: a getter or a read-only value is undone too). Kept: rulekit's own __rulekit*,
  // and what a package set or replaced while it was evaluated (packages are shared; a polyfill
  // needs its global). If a global that a loaded package's source names had to be undone, the
  // packages are evaluated again (a new container): one may rely on it. The check costs about
  // 0.7 µs and allocates nothing. Not seen: a property added non-enumerable or keyed by a
  // Symbol, a global's attributes changed in place (made read-only, same value), a built-in
  // changed in place (Array.prototype...); not undone: a non-configurable property.
  // The functions it needs are taken now: code may replace Reflect or Object later.
  const G = globalThis;
  const ownNames = Object.getOwnPropertyNames;
  const ownDesc = Reflect.getOwnPropertyDescriptor;
  const defineProp = Reflect.defineProperty;
  const deleteProp = Reflect.deleteProperty;
  const setProp = Reflect.set;
  const sameValue = Object.is;
  const NativeMap = Map;
  const makeFunction = Function;
  const quote = JSON.stringify;
  let baseKeys = null;  // the global object's own string keys before the first login
  let baseValues = null;  // their values (a getter for an accessor), compared by identity
  let baseDescs = null;  // their descriptors, to put them back
  let baseIndex = null;  // key -> index
  let enumerableCount = 0;  // what for-in counts (inherited enumerable properties too)
  let sameValues = null;  // (values, G, ownDesc) => every baseline value is still in place
  let packageGlobals = new NativeMap();  // key -> descriptor before a package set it (undefined: none)
  const namedByPackages = new NativeMap();  // key -> does a loaded package's source name it
  function valueOf(desc) { return desc === undefined ? undefined : ('value' in desc ? desc.value : desc.get); }
  function countEnumerable() {
    let count = 0;
    for (const key in G) count += 1;  // (no array: Object.keys here grew the heap)
    return count;
  }
  function takeBaseline() {
    baseKeys = ownNames(G);
    baseDescs = baseKeys.map((key) => ownDesc(G, key));
    baseValues = baseDescs.map(valueOf);
    baseIndex = new NativeMap(baseKeys.map((key, i) => [key, i]));
    enumerableCount = countEnumerable();
    sameValues = compileCheck();
  }
  function compileCheck() {
    // One function naming each global: `Promise === $v[3] && ...` compiles to global-property
    // loads that V8 caches (0.1 µs for all), where G[key] in a loop cost 3 µs. Left out: what
    // cannot change (undefined, NaN, Infinity). A deleted global makes the check throw, which
    // counts as changed.
    const identifier = /^[A-Za-z_$][\w$]*$/;
    const tests = [];
    baseKeys.forEach((key, i) => {
      const desc = baseDescs[i];
      if (!desc.configurable && !desc.writable && 'value' in desc) return;
      const named = identifier.test(key) && key !== 'arguments' && !key.startsWith('$');
      const read = named ? key : '$g[' + quote(key) + ']';
      if (!('value' in desc)) tests.push(`$d($g, ${quote(key)}).get === $v[${i}]`);
      else if (desc.value !== desc.value) tests.push(`${read} !== ${read}`);  // NaN
      else tests.push(`${read} === $v[${i}]`);
    });
    try {
      return makeFunction('$v', '$g', '$d', 'return ' + (tests.join(' && ') || 'true') + ';');
    } catch (e) {  // a key that is a reserved word: read them all through the descriptors
      return ($v) => baseKeys.every((key, i) => sameValue(valueOf(ownDesc(G, key)), $v[i]));
    }
  }
  function startLogin(warm) {
    if (baseKeys === null) takeBaseline();
    else if (!warm) freshGlobalObject(false);
  }
  function unchanged() {
    try {
      return countEnumerable() === enumerableCount && sameValues(baseValues, G, ownDesc);
    } catch (e) {
      return false;  // a global deleted, or a getter put in place of a value threw: undo it
    }
  }
  function putBack(key, desc) {
    const now = ownDesc(G, key);
    if (now !== undefined && sameValue(valueOf(now), valueOf(desc)) && now.writable === desc.writable) return false;
    if (!defineProp(G, key, desc) && 'value' in desc) setProp(G, key, desc.value);
    return true;
  }
  function freshGlobalObject(force) {
    if (baseKeys === null || (!force && unchanged())) return;
    const undone = [];
    for (const key of ownNames(G)) {
      if (!baseIndex.has(key) && !key.startsWith('__rulekit') && deleteProp(G, key)) undone.push(key);
    }
    for (let i = 0; i < baseKeys.length; i++) {
      if (putBack(baseKeys[i], baseDescs[i])) undone.push(baseKeys[i]);
    }
    takeBaseline();  // with rulekit's own and what could not be undone: the next check is cheap
    if (!force && undone.some(namedByAPackage)) newContainer();
  }
  function namedByAPackage(key) {
    // Could a loaded package rely on this global (set it lazily, or found it already set)?
    let named = namedByPackages.get(key);
    if (named === undefined) {
      const word = new RegExp('(^|[^\\w$])' + key.replace(/[$.*+?^()|[\]{}\\]/g, '\\$&') + '($|[^\\w$])');
      named = Object.keys(moduleCache).some((path) => word.test(path.startsWith('stub:')
        ? (stubs[path.slice(5)] || {}).source || '' : files[path] || ''));
      namedByPackages.set(key, named);
    }
    return named;
  }
  function evaluatingPackage(evaluate) {
    // What a package sets or replaces on the global object while it is evaluated is its own,
    // kept while it is shared. An evaluation that stops (a module to load first) records
    // nothing: it runs again.
    if (baseKeys === null) return evaluate();
    const before = new NativeMap(ownNames(G).map((key) => [key, valueOf(ownDesc(G, key))]));
    const result = evaluate();
    namedByPackages.clear();  // one more package source to search
    let changed = false;
    for (const key of ownNames(G)) {
      const desc = ownDesc(G, key);
      if (before.has(key) && sameValue(before.get(key), valueOf(desc))) continue;
      changed = true;
      const i = baseIndex.get(key);
      if (!packageGlobals.has(key)) packageGlobals.set(key, i === undefined ? undefined : baseDescs[i]);
      if (i === undefined) {
        baseIndex.set(key, baseKeys.length);
        baseKeys.push(key);
        baseDescs.push(desc);
        baseValues.push(valueOf(desc));
      } else {
        baseDescs[i] = desc;
        baseValues[i] = valueOf(desc);
      }
    }
    if (changed) {
      enumerableCount = countEnumerable();
      sameValues = compileCheck();
    }
    return result;
  }
  function newContainer() {
    // Packages and stubs are evaluated again on their next require, as in a new container,
    // and what they set on the global object goes with them.
    for (const key of Object.keys(moduleCache)) delete moduleCache[key];
    namedByPackages.clear();
    if (baseKeys !== null && packageGlobals.size > 0) {
      // The baseline goes back to before the packages; freshGlobalObject puts that back.
      const keys = [], descs = [];
      for (let i = 0; i < baseKeys.length; i++) {
        const key = baseKeys[i];
        const original = packageGlobals.has(key) ? packageGlobals.get(key) : baseDescs[i];
        if (original !== undefined) { keys.push(key); descs.push(original); }
      }
      baseKeys = keys;
      baseDescs = descs;
      baseValues = descs.map(valueOf);
      baseIndex = new NativeMap(keys.map((key, i) => [key, i]));
      packageGlobals = new NativeMap();
    }
    freshGlobalObject(true);
  }


  // With V8's natives syntax enabled (the engine asks for it), the harness drains the microtask
  // queue itself, so a login that awaits Promises and timers completes inside one call.
  let drainMicrotasks = null;
  try {
    drainMicrotasks = new Function('%PerformMicrotaskCheckpoint();');
  } catch (e) {
    drainMicrotasks = null;  // V8 started without --allow-natives-syntax: Python steps instead
  }

  function settle(advance) {
    // Run until the login is done: microtasks first, then the next virtual timer, repeatedly.
    if (drainMicrotasks === null) return;
    for (;;) {
      drainMicrotasks();
      if (S.done || S.needModule) return;
      advance();
    }
  }

  function cloneJson(value) {
    if (value === undefined) return null;
    try { return JSON.parse(JSON.stringify(value)); } catch (e) { return String(value); }
  }

  function errorInfo(err, name) {
    // The error part of an outcome; `stack` lets Python map the line to the template.
    if (err && typeof err === 'object') {
      return { name: String(err.name || 'Error'), message: String(err.message ?? ''), rule: name,
        stack: typeof err.stack === 'string' ? err.stack : null };
    }
    return { name: 'Error', message: String(err), rule: name, stack: null };
  }

  function advance(noun, fail, nothingLeft) {
    // Fire the next virtual timer, or end the login when nothing is left to wait for.
    const timer = nextTimer();
    if (timer === null) {
      fail(Object.assign({ rule: S.current, stack: null }, nothingLeft()));
      return;
    }
    if (S.virtualElapsed > S.timeLimitMs) {
      fail({ name: 'TimeLimitExceeded', rule: S.current, stack: null,
        message: `${noun} '${S.current}' did not finish within the ${S.timeLimitMs / 1000} s time limit (timers waited ${timer.at} ms)` });
      return;
    }
    try {
      timer.fn(...timer.args);
    } catch (e) {
      if (e !== NEED_MODULE && !S.done) fail(errorInfo(e, S.current));
    }
  }

  function batch(json, runInput) {
    // Many logins in one call: each report is already JSON, so they are joined, not re-encoded.
    // Stops at a login that needs a module loaded; Python loads it and sends the rest again.
    // What all logins share (time limit, configuration, order...) comes once, not per login;
    // the harness copies what a rule or Action could change (configuration, secrets).
    const { shared, inputs } = JSON.parse(json);
    const parts = [];
    for (let i = 0; i < inputs.length; i++) {
      const text = runInput(Object.assign(inputs[i], shared));
      if (S.needModule || !S.done) {
        return '{"index":' + i + ',"need":' + JSON.stringify(S.needModule) + ',"results":[' + parts.join(',') + ']}';
      }
      parts.push(text);
    }
    return '{"index":' + inputs.length + ',"need":null,"results":[' + parts.join(',') + ']}';
  }

  // Auth0, "Create Custom Claims" (General restrictions): OpenID standard claims and claims
  // Auth0 uses internally "cannot be customized or modified ... In case of collisions, the
  // transaction won't fail, but your custom claim won't be added to your tokens". Nor can a
  // namespace be an Auth0 domain (auth0.com, webtask.io, webtask.run) or the urn:auth0 URN.
  const RESTRICTED_CLAIMS = new Set(['acr', 'act', 'active', 'amr', 'at_hash', 'ath', 'attest',
    'aud', 'auth_time', 'authorization_details', 'azp', 'c_hash', 'client_id', 'cnf', 'cty',
    'dest', 'entitlements', 'events', 'exp', 'groups', 'gty', 'htm', 'htu', 'iat',
    'internalService', 'iss', 'jcard', 'jku', 'jti', 'jwe', 'jwk', 'kid', 'may_act', 'mky',
    'nbf', 'nonce', 'object_id', 'org_id', 'org_name', 'orig', 'origid', 'permissions', 'roles',
    'rph', 's_hash', 'sid', 'sip_callid', 'sip_cseq_num', 'sip_date', 'sip_from_tag',
    'sip_via_branch', 'sub', 'sub_jwk', 'toe', 'txn', 'typ', 'uuid', 'vot', 'vtm', 'x5t#S256']);
  const AUTH0_DOMAINS = ['auth0.com', 'webtask.io', 'webtask.run'];
  // Protocols where Auth0 cannot redirect ("Redirect with Actions" and "Redirect Users from
  // Within Rules": the Resource Owner endpoint, password exchange, refresh token exchange).
  // A non-interactive login: its authorization request asked for prompt=none (read from a
  // Rule's context or an Action's event, when the login starts).
  // prompt=none in the authorization request: its query, or (an Action's event) the
  // transaction's prompt list ("List of instructions indicating whether the user may be
  // prompted", which Auth0 fills from the same request).
  function silentLogin(holder) {
    // The user coming back to /continue from a redirect is not a silent login: prompt=none
    // cannot redirect at all (interaction_required), so its query is the first request's.
    const transaction = holder && typeof holder === 'object' ? holder.transaction : null;
    const protocol = holder && typeof holder === 'object'
      ? (transaction && typeof transaction === 'object' ? transaction.protocol : holder.protocol) : null;
    if (protocol === 'redirect-callback') return false;
    // A token exchange has no prompt parameter: it goes to /oauth/token, not /authorize, and
    // MFA there is mfa_required through the MFA API (NO_REDIRECT), whatever a query says.
    if (NO_REDIRECT.includes(protocol)) return false;
    const request = holder && typeof holder === 'object' ? holder.request : null;
    const query = request && typeof request === 'object' ? request.query : null;
    if (query && typeof query === 'object' && query.prompt === 'none') return true;
    const prompt = transaction && typeof transaction === 'object' ? transaction.prompt : null;
    return Array.isArray(prompt) && prompt.includes('none');
  }

  // A silent login that needs MFA: prompt=none "must not display any user interaction (such
  // as authentication, consent, or MFA)", Auth0 answers with an error (Configure Silent
  // Authentication; its log: "Failed Silent Auth ... Multifactor authentication required").
  // rulekit lets it through only when the session already passed MFA and the browser may be
  // remembered (allowRememberBrowser): the prompt would not be shown.
  function silentMfaError(silent, mfa, sessionMfa, rule) {
    if (!silent || !mfa || (mfa.allowRememberBrowser === true && sessionMfa)) return null;
    return { name: 'login_required', rule: rule ?? null, stack: null,
      message: 'Multifactor authentication required in a non-interactive login (prompt=none): Auth0 cannot show the MFA prompt and fails it' };
  }

  // Whether this login's session already passed MFA (authentication.methods has 'mfa').
  function sessionHadMfa(holder) {
    const auth = holder && typeof holder === 'object' ? holder.authentication : null;
    const methods = auth && typeof auth === 'object' ? auth.methods : null;
    return Array.isArray(methods) && methods.some((m) => m && m.name === 'mfa');
  }

  // The same token exchanges have no page to show an MFA prompt on: Auth0 answers the token
  // request with `mfa_required` (and an mfa_token), which the client completes through the MFA
  // API, or the exchange fails ("Authenticate with ROPG and MFA"; "Use Refresh Tokens":
  // "Bypass MFA"). Such an outcome says so (extra.mfa_api).
  const NO_REDIRECT = Object.freeze(['oauth2-resource-owner', 'oauth2-resource-owner-jwt-bearer',
    'oauth2-password', 'oauth2-refresh-token']);

  function claimRestriction(key) {
    if (RESTRICTED_CLAIMS.has(key)) return 'restricted claim';
    const first = key.charCodeAt(0) | 0x20;  // only 'h...' and 'u...' can be a namespace
    if (first !== 0x68 && first !== 0x75) return null;
    const lower = key.toLowerCase();
    if (lower.startsWith('urn:auth0')) return 'Auth0 namespace';
    const url = /^https?:\/\/(?:[^@/?#]*@)?([^:/?#]+)/.exec(lower);
    if (url && AUTH0_DOMAINS.some((d) => url[1] === d || url[1].endsWith('.' + d))) return 'Auth0 namespace';
    return null;
  }

  // The claims a token gets: those Auth0 refuses go to `dropped` ({token, claim, reason}).
  // `claims` itself when none is refused (every login passes here: no copy, no allocation).
  function tokenClaims(claims, token, dropped) {
    let kept = null;
    for (const key in claims) {
      const reason = claimRestriction(key);
      if (reason === null) {
        if (kept !== null) kept[key] = claims[key];
        continue;
      }
      if (kept === null) {
        kept = {};
        for (const earlier in claims) {
          if (earlier === key) break;
          kept[earlier] = claims[earlier];
        }
      }
      dropped.push({ token, claim: key, reason });
    }
    return kept === null ? claims : kept;
  }

  function nextTimer() {
    // The earliest virtual timer, with the clock moved to it; null when none is left.
    if (S.timers.length === 0) return null;
    S.timers.sort((a, b) => a.at - b.at || a.id - b.id);
    const timer = S.timers.shift();
    S.virtualElapsed = timer.at;
    if (timer.repeat) S.timers.push(Object.assign({}, timer, { at: timer.at + timer.repeat }));
    return timer;
  }

  globalThis.__rulekitCommon = {
    NEED_MODULE,
    console: capturedConsole,
    makeRequire,
    nextTimer,
    advance,
    batch,
    startLogin,
    newContainer,
    cloneJson,
    errorInfo,
    utf8Length: (text) => builtins.Buffer.byteLength(text, 'utf8'),
    settle,
    tokenClaims,
    claimRestriction,
    NO_REDIRECT, silentLogin, silentMfaError, sessionHadMfa,
    canDrain: drainMicrotasks !== null,
    begin(state) {
      // Fields every harness state has; the harness adds its own.
      Object.assign(state, { virtualElapsed: 0, timers: [], logs: [], needModule: null, current: null,
        randomState: 20261128 });
      S = state;
      return state;
    },
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
  };
})();
