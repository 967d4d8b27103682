// The nearest peer of rulekit's harness: the same rendered Rule or Action run by Node.js in a
// `vm` context, each login going in as a JSON line and its outcome coming out as JSON.
// Usage: node bench/node_vm.js SPEC.json LOGINS.jsonl [--serve]
//   SPEC: {"kind": "rule" | "action", "code": "<rendered JS>", "rounds": N}
// Prints one JSON object: {"node", "logins", "seconds": [per round], "mfa": count}.
// With --serve, runs one round for each line read on stdin and prints that round's object
// (seconds: [one]), so that its rounds can be interleaved with rulekit's.
'use strict';

const fs = require('fs');
const vm = require('vm');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const lines = fs.readFileSync(process.argv[3], 'utf8').split('\n').filter((line) => line);

const sandbox = vm.createContext({ console: { log() {}, warn() {}, error() {} } });

function ruleRunner(code) {
  // Auth0 stores a rule as one function expression.
  const rule = vm.runInContext('(' + code + '\n)', sandbox, { filename: 'rule.js' });
  return (line) => {
    const input = JSON.parse(line);
    let out = null;
    rule(input.user, input.context, (err, user, context) => {
      const mf = context && context.multifactor;
      out = err ? { mfa: null, denied: err.name === 'UnauthorizedError' ? { message: err.message } : null,
        error: err.name === 'UnauthorizedError' ? null : { name: err.name, message: err.message } }
        : { mfa: mf && mf.provider ? mf : null, denied: null, error: null };
    });
    if (out === null) out = { mfa: null, denied: null, error: { name: 'CallbackError', message: 'no callback' } };
    return JSON.stringify(out);
  };
}

function actionRunner(code) {
  const factory = vm.runInContext(
    '(function (exports, require, module) {' + code + '\n})', sandbox, { filename: 'action.js' });
  const module = { exports: {} };
  factory(module.exports, require, module);
  const handler = module.exports.onExecutePostLogin;
  return async (line) => {
    const event = JSON.parse(line);
    const out = { mfa: null, denied: null, error: null };
    const api = {
      multifactor: { enable(provider, options) { out.mfa = Object.assign({ provider }, options || {}); } },
      access: { deny(reason) { out.denied = { message: String(reason) }; } },
      idToken: { setCustomClaim() {} },
      accessToken: { setCustomClaim() {} },
    };
    try {
      await handler(event, api);
    } catch (e) {
      out.error = { name: e.name, message: e.message };
    }
    return JSON.stringify(out);
  };
}

async function round(run) {
  const outputs = new Array(lines.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) outputs[i] = await run(lines[i]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, mfa: outputs.filter((text) => JSON.parse(text).mfa !== null).length };
}

function report(seconds, mfa) {
  process.stdout.write(JSON.stringify({ node: process.version, logins: lines.length, seconds, mfa }) + '\n');
}

async function main() {
  const run = spec.kind === 'action' ? actionRunner(spec.code) : ruleRunner(spec.code);
  if (process.argv[4] === '--serve') {
    for await (const _ of require('readline').createInterface({ input: process.stdin })) {
      const done = await round(run);
      report([done.seconds], done.mfa);
    }
    return;
  }
  const seconds = [];
  let mfa = 0;
  for (let r = 0; r < spec.rounds; r++) {
    const done = await round(run);
    seconds.push(done.seconds);
    mfa = done.mfa;
  }
  report(seconds, mfa);
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
