"""The benchmark suite: measure, compare with the floor and with Node, print, write JSON."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final

from toolkit import (
    ActionsRuntime,
    Artifact,
    Engine,
    Outcome,
    RulesRuntime,
    load_actions,
    load_manifest,
    load_rules,
    render,
    to_action_shape,
    to_rule_shape,
)

from ._fuzz import SEED, FuzzRates, XdistRates, fuzz_in_process, fuzz_with_xdist

__all__ = ["Config", "main", "run_suite"]

ROOT: Final = Path(__file__).resolve().parent.parent
MANIFEST: Final = ROOT / "rules_src" / "manifest.toml"
NODE_SCRIPT: Final = Path(__file__).resolve().parent / "node_vm.js"
RULE: Final = "require-mfa-for-ai-admins"  # the example MFA rule/Action of the manifest
Login = dict[str, Any]


@dataclass(frozen=True)
class Config:
    quick: bool
    corpus: int  # distinct logins, drawn by Hypothesis
    rounds: int  # interleaved rounds for V8-side figures (medians reported)
    batch_logins: int  # logins per batch round (the corpus repeated)
    fuzz_examples: int
    fuzz_rounds: int
    xdist_examples: int  # per test; 0 skips the pytest/xdist runs
    xdist_tests: int
    render_templates: int
    startup_runs: int
    memory_logins: int


FULL: Final = Config(quick=False, corpus=500, rounds=7, batch_logins=10_000, fuzz_examples=1_000,
                     fuzz_rounds=3, xdist_examples=500, xdist_tests=4, render_templates=100,
                     startup_runs=7, memory_logins=100_000)
QUICK: Final = Config(quick=True, corpus=40, rounds=2, batch_logins=400, fuzz_examples=30,
                      fuzz_rounds=1, xdist_examples=0, xdist_tests=0, render_templates=10,
                      startup_runs=1, memory_logins=300)

# Targets of issue 7, section 3: (key, description, comparison, limit).
TARGETS: Final = (
    ("batch_vs_node", "batch throughput vs Node vm (x)", ">=", 0.5),
    ("single_vs_floor", "one-login latency vs bare engine call (x)", "<=", 1.25),
    ("fuzz_vs_generation", "fuzz rate vs bare generation (x)", ">=", 0.8),
    ("fuzz_xdist_scaling", "fuzz rate -n 2 vs one process (x)", ">", 1.0),
    ("render_s", "render 100 templates (s)", "<", 1.0),
    ("startup_s", "rulekit --help (s)", "<", 0.5),
    ("peak_rss_mb", "peak RSS, 100,000-login batch (MB)", "<", 300.0),
)


# ------------------------------------------------------------------------------------ inputs
def make_corpus(size: int, artifacts: Sequence[Artifact], role: str, *,
                adversarial: bool) -> tuple[list[Login], str]:
    """``size`` neutral logins from the public strategy, seeded: the same on every run."""
    from toolkit._diff import generate_corpus

    corpus = generate_corpus(artifacts, size, SEED, known_roles=[role], adversarial=adversarial)
    return corpus, (f"toolkit.strategies.logins(known_roles, dictionary, adversarial={adversarial})"
                    " via toolkit._diff.generate_corpus")


def _mfa_role() -> str:
    entry = load_manifest(MANIFEST).get(RULE)
    roles = entry.params.get("roles") if entry is not None else None
    return str(roles[0]) if isinstance(roles, list) and roles else "ai_system_admin"


def _repeat(items: Sequence[Any], count: int) -> list[Any]:
    return [items[i % len(items)] for i in range(count)]


# ------------------------------------------------------------------------------ measurements
def _per_call_us(calls: Callable[[], int]) -> float:
    start = time.perf_counter()
    count = calls()
    return (time.perf_counter() - start) / count * 1e6


def _per_second(calls: Callable[[], int]) -> float:
    start = time.perf_counter()
    count = calls()
    return count / (time.perf_counter() - start)


def _renamed(user: Login, n: int) -> Login:
    return {**user, "user_id": f"{user.get('user_id') or 'user'}-{n}"}


class _Fresh:
    """The corpus, as logins no call has seen: every call of every latency row and round gets
    its own user_id. A script V8 has compiled before comes from its compilation cache, and the
    same login text again would measure that cache (fuzzing never repeats a login)."""

    def __init__(self, pairs: list[tuple[Login, Login]], events: list[Login]) -> None:
        self.pairs, self.events, self.count = pairs, events, 0

    def _next(self) -> int:
        self.count += 1
        return self.count

    def rule_pairs(self) -> list[tuple[Login, Login]]:
        return [(_renamed(user, self._next()), context) for user, context in self.pairs]

    def action_events(self) -> list[Login]:
        return [{**event, "user": _renamed(event["user"], self._next())} for event in self.events]

    def texts(self) -> list[str]:
        return [json.dumps({"user": user, "context": context}) for user, context in self.rule_pairs()]


class _NodeRounds:
    """``bench/node_vm.js --serve`` on one kind's logins: one Node round per ``round()`` call,
    so that Node's rounds interleave with rulekit's and each ratio compares like with like."""

    def __init__(self, node: str, folder: Path, kind: str, code: str, logins: list[Any]) -> None:
        spec, lines = folder / f"{kind}.json", folder / f"{kind}.jsonl"
        spec.write_text(json.dumps({"kind": kind, "code": code, "rounds": 1}))
        lines.write_text("".join(json.dumps(x) + "\n" for x in logins))
        self._process = subprocess.Popen([node, str(NODE_SCRIPT), str(spec), str(lines), "--serve"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
        self.mfa = 0
        self._closed: tuple[int, str] | None = None

    def round(self, timeout: float = 300.0) -> float:
        """One round over every login: logins per second."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write("go\n")
        self._process.stdin.flush()
        with selectors.DefaultSelector() as waiting:
            waiting.register(self._process.stdout, selectors.EVENT_READ)
            ready = waiting.select(timeout)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            self._process.kill()
            raise RuntimeError(f"bench/node_vm.js gave no round within {timeout:g} s: "
                               f"{self.close()[1]}")
        result = json.loads(line)
        self.mfa = result["mfa"]
        return float(result["logins"] / result["seconds"][0])

    def close(self) -> tuple[int, str]:
        """Stop Node (once): its exit code and what it wrote on stderr."""
        if self._closed is None:
            try:  # closes Node's stdin: its loop ends
                _, errors = self._process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                _, errors = self._process.communicate()
            self._closed = (self._process.returncode, str(errors or "").strip())
        return self._closed

    def finish(self) -> None:
        """Stop Node; an error if it failed (a warning on stderr alone is not a failure)."""
        code, errors = self.close()
        if code != 0:
            raise RuntimeError(f"bench/node_vm.js exited with {code}: {errors}")


def _node_rule_shapes(pairs: list[tuple[Login, Login]]) -> list[Login]:
    return [dict(zip(("user", "context"), pair, strict=True)) for pair in pairs]


def measure_v8(config: Config, corpus: list[Login], rules: list[Artifact],
               actions: list[Artifact]) -> tuple[dict[str, float], dict[str, Any]]:
    """Floor, one login per call and batches, interleaved round by round with each other and
    with Node's rounds on the same logins (when ``node`` is on PATH); medians."""
    pairs = [to_rule_shape(login) for login in corpus]
    events = [to_action_shape(login) for login in corpus]
    texts = [json.dumps({"user": user, "context": context}) for user, context in pairs]
    fresh = _Fresh(pairs, events)
    batch_pairs = _repeat(pairs, config.batch_logins)
    batch_events = _repeat(events, config.batch_logins)
    samples: dict[str, list[float]] = {}
    info: dict[str, Any] = {}
    node = shutil.which("node")
    with Engine() as engine, RulesRuntime(rules) as rule_rt, ActionsRuntime(actions) as action_rt, \
            mini_racer_reference() as plain_racer, \
            tempfile.TemporaryDirectory(prefix="rulekit-bench-node-") as tmp, ExitStack() as stack:
        nodes: dict[str, _NodeRounds] = {}
        if node is not None:
            info["node_version"] = subprocess.run([node, "--version"], capture_output=True,
                                                  text=True, check=True).stdout.strip()
            shapes = {"rule": _node_rule_shapes(batch_pairs), "action": batch_events}
            for kind, artifact in (("rule", rules[0]), ("action", actions[0])):
                nodes[kind] = _NodeRounds(node, Path(tmp), kind, artifact.code, shapes[kind])
                stack.callback(nodes[kind].close)
        echo = engine.eval("(function (text) { return text; })")
        # The least a harness must do with a login: parse it (and answer something short).
        parse = engine.eval("(function (text) { return typeof JSON.parse(text); })")
        plain_echo = plain_racer.eval("(function (text) { return text; })")
        info["v8"] = engine._live().v8_version

        def calls_of(call: Callable[[Any], Any], items: list[Any]) -> Callable[[], int]:
            def run() -> int:
                for item in items:
                    call(item)
                return len(items)
            return run

        def mini_racer_call() -> Callable[[], int]:
            # Reference only: the same echo called the way mini-racer's API calls a function.
            return calls_of(plain_echo, fresh.texts())

        def floor() -> Callable[[], int]:
            return calls_of(lambda text: engine.call(echo, text), fresh.texts())

        def floor_parse() -> Callable[[], int]:
            return calls_of(lambda text: engine.call(parse, text), fresh.texts())

        def floor_timeout() -> Callable[[], int]:
            return calls_of(lambda text: engine.call(echo, text, timeout=20.0), fresh.texts())

        def single_rule() -> Callable[[], int]:
            return calls_of(lambda pair: rule_rt.run(*pair), fresh.rule_pairs())

        def single_action() -> Callable[[], int]:
            return calls_of(action_rt.run, fresh.action_events())

        def batch_rule() -> int:
            return len(rule_rt.run_batch(batch_pairs))

        def batch_action() -> int:
            return len(action_rt.run_batch(batch_events))

        latency = {"floor_us": floor, "floor_with_timeout_us": floor_timeout,
                   "floor_parse_us": floor_parse,
                   "single_rule_us": single_rule, "single_action_us": single_action,
                   "mini_racer_call_us": mini_racer_call}
        throughput = {"batch_rule_per_s": batch_rule, "batch_action_per_s": batch_action}
        for prepare in latency.values():  # warm up V8's JIT
            prepare()()
        for calls in throughput.values():
            calls()
        for runner in nodes.values():
            runner.round()  # warm-up
        for _ in range(config.rounds):
            for key, prepare in latency.items():
                samples.setdefault(key, []).append(_per_call_us(prepare()))
            for key, calls in throughput.items():
                samples.setdefault(key, []).append(_per_second(calls))
                kind = key.split("_")[1]
                if kind in nodes:  # right after ours: the same state of the machine
                    samples.setdefault(f"node_{kind}_per_s", []).append(nodes[kind].round())
        for kind, runner in nodes.items():
            info[f"node_mfa_{kind}"] = runner.mfa
            runner.finish()
            info[f"batch_vs_node_{kind}"] = statistics.median(
                ours / theirs for ours, theirs in zip(samples[f"batch_{kind}_per_s"],
                                                      samples[f"node_{kind}_per_s"], strict=True))
        # The machine's load drifts: compare each figure with the floor of its own round.
        for kind in ("rule", "action"):
            info[f"single_vs_floor_{kind}"] = statistics.median(
                ours / floor for ours, floor in zip(samples[f"single_{kind}_us"], samples["floor_us"],
                                                    strict=True))
        for key in ("floor_with_timeout", "floor_parse"):
            info[f"{key}_vs_floor"] = statistics.median(
                ours / floor for ours, floor in zip(samples[f"{key}_us"], samples["floor_us"],
                                                    strict=True))
        # Checked against Node's decisions on the same lines.
        info["mfa_rule"] = sum(map(_asks_mfa, rule_rt.run_batch(batch_pairs)))
        info["mfa_action"] = sum(map(_asks_mfa, action_rt.run_batch(batch_events)))
    info["login_json_bytes"] = round(statistics.mean(len(text) for text in texts))
    info["samples"] = {key: [round(v, 2) for v in values] for key, values in samples.items()}
    return {key: statistics.median(values) for key, values in samples.items()}, info


def _asks_mfa(outcome: Outcome) -> bool:
    """The code asked for MFA: Node's bare harness counts a silent login (prompt=none) that
    asks for it as MFA, where rulekit, as Auth0, fails it (login_required)."""
    return outcome.mfa is not None or (outcome.silent_login_refused
                                       and (outcome.error or {}).get("name") == "login_required")


@contextmanager
def mini_racer_reference() -> Iterator[Any]:
    """A MiniRacer context used as mini-racer ships it (no rulekit Engine around it)."""
    from py_mini_racer import MiniRacer

    racer = MiniRacer()
    try:
        yield racer
    finally:
        racer.close()


def measure_adversarial_batch(config: Config, corpus: list[Login], rules: list[Artifact]
                              ) -> tuple[dict[str, float], dict[str, int]]:
    """RulesRuntime.run_batch on the adversarial logins (bigger, more Unicode), and Node's vm
    on the same logins when ``node`` is on PATH, round after round: medians, and MFA counts."""
    pairs = _repeat([to_rule_shape(login) for login in corpus], config.batch_logins)
    node = shutil.which("node")
    rates: dict[str, list[float]] = {"batch_rule_adversarial_per_s": []}
    mfa: dict[str, int] = {}
    with RulesRuntime(rules) as runtime, \
            tempfile.TemporaryDirectory(prefix="rulekit-bench-node-") as tmp, ExitStack() as stack:
        runner = None
        if node is not None:
            runner = _NodeRounds(node, Path(tmp), "rule", rules[0].code, _node_rule_shapes(pairs))
            stack.callback(runner.close)
            runner.round()  # warm-up
            rates["node_rule_adversarial_per_s"] = []
        runtime.run_batch(pairs)
        for _ in range(max(1, config.rounds // 2)):
            rates["batch_rule_adversarial_per_s"].append(
                _per_second(lambda: len(runtime.run_batch(pairs))))
            if runner is not None:
                rates["node_rule_adversarial_per_s"].append(runner.round())
        mfa["rulekit"] = sum(map(_asks_mfa, runtime.run_batch(pairs)))
        if runner is not None:
            mfa["node"] = runner.mfa
            runner.finish()
    return {key: statistics.median(values) for key, values in rates.items()}, mfa


def _render_tree(folder: Path, count: int) -> Path:
    """A rules_src with ``count`` templates (copies of the example's), one manifest entry each."""
    shutil.copytree(ROOT / "rules_src" / "templates", folder / "templates")
    source = (ROOT / "rules_src" / "templates" / "mfa_for_roles.js.j2").read_text(encoding="utf-8")
    entries = []
    for i in range(count):
        (folder / "templates" / f"bench_{i:03}.js.j2").write_text(
            source + f"{{# bench copy {i} #}}\n", encoding="utf-8")
        entries.append(
            f'[[rules]]\nname = "bench-rule-{i:03}"\ntemplate = "templates/bench_{i:03}.js.j2"\n'
            f'order = {i + 1}\nenabled = true\ntargets = ["action", "rule"]\n'
            f'[rules.params]\nroles = ["role_{i}"]\nprovider = "any"\n'
            f'roles_source = "app_metadata"\n')
    manifest = folder / "manifest.toml"
    manifest.write_text("version = 1\n\n" + "\n".join(entries), encoding="utf-8")
    return manifest


def measure_render(config: Config) -> dict[str, float]:
    """``render()`` of a manifest with N templates (both targets each), median of 3, in-process."""
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="rulekit-bench-render-") as tmp:
        manifest = _render_tree(Path(tmp) / "rules_src", config.render_templates)
        for _ in range(3):
            start = time.perf_counter()
            artifacts = render(manifest, Path(tmp) / "build")
            times.append(time.perf_counter() - start)
    assert len(artifacts) == 2 * config.render_templates
    # Scaled to 100 templates in quick mode (render time is linear in the templates).
    return {"render_s": statistics.median(times) * 100 / config.render_templates,
            "render_artifacts": float(len(artifacts))}


def _wall(command: list[str], runs: int) -> float:
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_startup(config: Config) -> dict[str, float]:
    script = Path(sys.executable).parent / "rulekit"
    rulekit = [str(script)] if script.exists() else [sys.executable, "-m", "toolkit"]
    _wall([*rulekit, "--help"], 1)  # warm the file cache
    return {"startup_s": _wall([*rulekit, "--help"], config.startup_runs),
            "python_startup_s": _wall([sys.executable, "-c", "pass"], config.startup_runs)}


# Runs the CLI and reports its own high-water RSS. Not ru_maxrss from wait4: on Linux a child's
# maxrss starts at its parent's RSS at fork (here the bench, with V8 and Hypothesis loaded).
_VMHWM_CLI = """\
import atexit, sys
def _report():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                sys.stderr.write('rulekit-bench-vmhwm-kb ' + line.split()[1] + '\\n')
atexit.register(_report)
sys.argv = ['rulekit', *sys.argv[1:]]
from toolkit.cli import main
main()
"""


def _peak_rss_mb(arguments: list[str]) -> tuple[float, float]:
    """Peak RSS (MB) and wall time of ``rulekit ARGUMENTS``, stdout discarded."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _VMHWM_CLI, *arguments], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=900)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"rulekit {' '.join(arguments)} failed: {done.stderr.strip()[-2000:]}")
    marks = [line.split()[1] for line in done.stderr.splitlines()
             if line.startswith("rulekit-bench-vmhwm-kb ")]
    if not marks:
        raise RuntimeError("the peak RSS was not reported (no /proc/self/status?)")
    return int(marks[-1]) / 1024, elapsed


def measure_memory(config: Config, corpus: list[Login]) -> dict[str, float]:
    """Peak RSS of ``rulekit run RULE --batch FILE --json`` (a subprocess) on N neutral logins,
    next to the same command on one login (Python, V8 and rulekit loaded)."""
    with tempfile.TemporaryDirectory(prefix="rulekit-bench-memory-") as tmp:
        many, one = Path(tmp) / "many.jsonl", Path(tmp) / "one.jsonl"
        lines = [json.dumps(login) + "\n" for login in corpus]
        with many.open("w", encoding="utf-8") as handle:
            for i in range(config.memory_logins):
                handle.write(lines[i % len(lines)])
        one.write_text(lines[0], encoding="utf-8")
        base, _ = _peak_rss_mb(["run", RULE, "--batch", str(one), "--json"])
        peak, seconds = _peak_rss_mb(["run", RULE, "--batch", str(many), "--json"])
    return {"peak_rss_mb": peak, "baseline_rss_mb": base,
            "cli_batch_per_s": config.memory_logins / seconds}


def machine(v8: str | None, node: str | None) -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    try:
        racer = version("mini-racer")
    except PackageNotFoundError:
        racer = "unknown"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or None
    return {"cpus": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
            "cpu_model": model or "unknown", "platform": platform.platform(),
            "python": platform.python_version(), "v8": v8, "mini_racer": racer, "node": node,
            "commit": commit}


# ---------------------------------------------------------------------------------- the run
def _ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def _worst(values: Sequence[float | None], *, higher_is_better: bool) -> float | None:
    present = [v for v in values if v is not None]
    if len(present) < len(values) or not present:
        return None
    return min(present) if higher_is_better else max(present)


def run_suite(config: Config, log: Callable[[str], None]) -> dict[str, Any]:
    notes: list[str] = []
    role = _mfa_role()
    rules = load_rules(MANIFEST, names=[RULE])
    actions = load_actions(MANIFEST, names=[RULE])
    log(f"corpus: {config.corpus} realistic and {config.corpus} adversarial logins (seed {SEED})")
    corpus, corpus_strategy = make_corpus(config.corpus, rules, role, adversarial=False)
    adversarial, _ = make_corpus(config.corpus, rules, role, adversarial=True)

    log("V8: floor, one login per call, batches")
    figures, v8_info = measure_v8(config, corpus, rules, actions)
    node_info: dict[str, Any] = {"version": v8_info.get("node_version")}
    if node_info["version"] is None:
        notes.append("node is not on PATH: the Node vm comparison was skipped")
    for kind in ("rule", "action"):
        if f"node_mfa_{kind}" in v8_info:
            node_info[f"mfa_{kind}"] = v8_info[f"node_mfa_{kind}"]
    log("adversarial logins: RulesRuntime.run_batch and Node vm")
    adversarial_figures, adversarial_mfa = measure_adversarial_batch(config, adversarial, rules)
    figures.update(adversarial_figures)
    v8_info["mfa_rule_adversarial"] = adversarial_mfa["rulekit"]
    if "node" in adversarial_mfa:
        node_info["mfa_rule_adversarial"] = adversarial_mfa["node"]
    for kind in ("rule", "action", "rule_adversarial"):
        if f"mfa_{kind}" in node_info and node_info[f"mfa_{kind}"] != v8_info[f"mfa_{kind}"]:
            notes.append(f"Node and rulekit disagree on MFA for the {kind}: {node_info[f'mfa_{kind}']} "
                         f"vs {v8_info[f'mfa_{kind}']} of {config.batch_logins} logins")

    log("Hypothesis: generation vs checking (in process)")
    fuzz: FuzzRates = fuzz_in_process(rules, role, examples=config.fuzz_examples,
                                      rounds=config.fuzz_rounds)
    figures["fuzz_generated_per_s"] = fuzz.generated_per_s
    figures["fuzz_checked_per_s"] = fuzz.checked_per_s
    notes.extend(f"property failed: {failure}" for failure in fuzz.failures)
    xdist: list[XdistRates] = []
    if config.xdist_examples:
        log("Hypothesis under pytest: one process, then -n 2")
        try:
            xdist = fuzz_with_xdist(MANIFEST, RULE, role, examples=config.xdist_examples,
                                    tests=config.xdist_tests, worker_counts=(1, 2))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            notes.append(f"pytest-xdist runs failed: {exc}")
    else:
        notes.append("quick mode: the pytest / xdist fuzzing runs were skipped")

    log(f"render {config.render_templates} templates, start-up, memory "
        f"({config.memory_logins:,} logins)")
    figures.update(measure_render(config))
    figures.update(measure_startup(config))
    figures.update(measure_memory(config, corpus))
    if config.quick:
        notes.append(f"quick mode: render scaled from {config.render_templates} templates; peak "
                     f"RSS measured on {config.memory_logins} logins, not 100,000")

    by_workers = {x.workers: x for x in xdist}
    one, two = by_workers.get(1), by_workers.get(2)
    ratios: dict[str, float | None] = {
        # Per round (ours and Node's back to back), then the median: load drifts between rounds.
        "batch_vs_node_rule": v8_info.get("batch_vs_node_rule"),
        "batch_vs_node_action": v8_info.get("batch_vs_node_action"),
        "batch_vs_node_rule_adversarial": _ratio(figures["batch_rule_adversarial_per_s"],
                                                 figures.get("node_rule_adversarial_per_s")),
        "single_vs_floor_rule": v8_info["single_vs_floor_rule"],
        "single_vs_floor_action": v8_info["single_vs_floor_action"],
        "floor_with_timeout_vs_floor": v8_info["floor_with_timeout_vs_floor"],
        "floor_parse_vs_floor": v8_info["floor_parse_vs_floor"],
        "mini_racer_call_vs_floor": _ratio(figures["mini_racer_call_us"], figures["floor_us"]),
        "single_vs_mini_racer_call_rule": _ratio(figures["single_rule_us"],
                                                 figures["mini_racer_call_us"]),
        "batch_vs_floor_rule": _ratio(figures["batch_rule_per_s"], 1e6 / figures["floor_us"]),
        "batch_vs_floor_action": _ratio(figures["batch_action_per_s"], 1e6 / figures["floor_us"]),
        "fuzz_vs_generation": _ratio(fuzz.checked_per_s, fuzz.generated_per_s),
        "fuzz_vs_generation_pytest": _ratio(one.checked_per_s, one.generated_per_s) if one else None,
        "fuzz_vs_generation_xdist2": _ratio(two.checked_per_s, two.generated_per_s) if two else None,
        "fuzz_xdist_scaling": _ratio(two.checked_per_s, one.checked_per_s) if one and two else None,
        "startup_vs_python": _ratio(figures["startup_s"], figures["python_startup_s"]),
        "peak_rss_vs_baseline": _ratio(figures["peak_rss_mb"], figures["baseline_rss_mb"]),
        "cli_batch_vs_node_action": _ratio(figures["cli_batch_per_s"],
                                           figures.get("node_action_per_s")),
    }
    ratios["batch_vs_node"] = _worst([ratios["batch_vs_node_rule"], ratios["batch_vs_node_action"]],
                                     higher_is_better=True)
    ratios["single_vs_floor"] = _worst([ratios["single_vs_floor_rule"],
                                        ratios["single_vs_floor_action"]], higher_is_better=False)
    checked: dict[str, float | None] = {**ratios, **figures}
    targets = [_target(key, what, op, limit, checked.get(key)) for key, what, op, limit in TARGETS]
    return {
        "schema": 1,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": config.quick,
        "machine": machine(v8_info.get("v8"), node_info.get("version")),
        "setup": {"rule": RULE, "manifest": str(MANIFEST.relative_to(ROOT)), "mfa_role": role,
                  **asdict(config), "fuzz_strategy": fuzz.strategy,
                  "corpus_strategy": corpus_strategy,
                  "adversarial_login_json_bytes": round(statistics.mean(
                      len(json.dumps(dict(zip(("user", "context"), to_rule_shape(login), strict=True))))
                      for login in adversarial)),
                  "login_json_bytes": v8_info["login_json_bytes"],
                  "headline_ratios": "the worse of the Rule and the Action"},
        "ratios": {key: _round(value) for key, value in sorted(ratios.items())},
        "figures": {key: _round(value) for key, value in sorted(figures.items())},
        "xdist": [asdict(x) for x in xdist],
        "samples": v8_info["samples"],
        "mfa_count": {"rulekit_rule": v8_info["mfa_rule"], "rulekit_action": v8_info["mfa_action"],
                      "rulekit_rule_adversarial": v8_info["mfa_rule_adversarial"],
                      "node_rule": node_info.get("mfa_rule"),
                      "node_action": node_info.get("mfa_action"),
                      "node_rule_adversarial": node_info.get("mfa_rule_adversarial")},
        "targets": targets,
        "notes": notes,
    }


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return float(f"{value:.4g}")


def _target(key: str, what: str, op: str, limit: float, value: float | None) -> dict[str, Any]:
    if value is None or not math.isfinite(value):
        status = "SKIP"
    else:
        passed = {">=": value >= limit, "<=": value <= limit, "<": value < limit,
                  ">": value > limit}[op]
        status = "PASS" if passed else "MISS"
    return {"key": key, "target": f"{what} {op} {limit:g}", "value": _round(value), "status": status}


# ------------------------------------------------------------------------------------ output
def _fmt(value: float | None, spec: str = ".3g") -> str:
    return "n/a" if value is None else format(value, spec)


def table(result: dict[str, Any]) -> str:
    f, r, s = result["figures"], result["ratios"], result["setup"]
    m = result["machine"]

    def x(value: float | None, to: str) -> str:
        return f"{_fmt(value, '.2f')}x {to}" if value is not None else "n/a"

    def rate(key: str) -> str:
        return f"{_fmt(f.get(key), ',.0f')} logins/s"

    rows = [
        ("floor: Engine.call, JSON echo (no limit)", f"{_fmt(f['floor_us'], '.0f')} us/call", "1.00x floor"),
        ("  same, with a 20 s time limit", f"{_fmt(f['floor_with_timeout_us'], '.0f')} us/call",
         x(r["floor_with_timeout_vs_floor"], "floor")),
        ("  same login parsed by JSON.parse (the least a harness does)",
         f"{_fmt(f['floor_parse_us'], '.0f')} us/call", x(r["floor_parse_vs_floor"], "floor")),
        ("  mini-racer's own function call, same echo (reference)",
         f"{_fmt(f['mini_racer_call_us'], '.0f')} us/call", x(r["mini_racer_call_vs_floor"], "floor")),
        ("RulesRuntime.run (one login, Outcome)", f"{_fmt(f['single_rule_us'], '.0f')} us/login",
         x(r["single_vs_floor_rule"], "floor")),
        ("ActionsRuntime.run (one login, Outcome)", f"{_fmt(f['single_action_us'], '.0f')} us/login",
         x(r["single_vs_floor_action"], "floor")),
        ("RulesRuntime.run_batch", rate("batch_rule_per_s"), x(r["batch_vs_node_rule"], "Node")),
        ("ActionsRuntime.run_batch", rate("batch_action_per_s"), x(r["batch_vs_node_action"], "Node")),
        ("Node vm, Rule (JSON in/out)", rate("node_rule_per_s"),
         x(_ratio(f.get("node_rule_per_s"), 1e6 / f["floor_us"]), "floor")),
        ("Node vm, Action (JSON in/out)", rate("node_action_per_s"),
         x(_ratio(f.get("node_action_per_s"), 1e6 / f["floor_us"]), "floor")),
        (f"adversarial logins ({s['adversarial_login_json_bytes']:,} B): RulesRuntime.run_batch",
         rate("batch_rule_adversarial_per_s"), x(r["batch_vs_node_rule_adversarial"], "Node")),
        ("adversarial logins: Node vm, Rule", rate("node_rule_adversarial_per_s"), ""),
        ("Hypothesis: generate only", rate("fuzz_generated_per_s"), "1.00x generation"),
        ("Hypothesis: generate + run + check", rate("fuzz_checked_per_s"),
         x(r["fuzz_vs_generation"], "generation")),
    ]
    for run in result["xdist"]:
        label = "pytest, one process" if run["workers"] == 1 else f"pytest -n {run['workers']}"
        rows.append((f"{label}: generate only", f"{_fmt(run['generated_per_s'], ',.0f')} logins/s",
                     ""))
        rows.append((f"{label}: generate + check", f"{_fmt(run['checked_per_s'], ',.0f')} logins/s",
                     x(_ratio(run["checked_per_s"], run["generated_per_s"]), "generation")))
    rows += [
        ("render 100 templates (200 artifacts)", f"{_fmt(f['render_s'], '.3f')} s",
         x(f["render_s"] / 1.0, "budget")),
        ("rulekit --help", f"{_fmt(f['startup_s'], '.3f')} s", x(r["startup_vs_python"], "python -c pass")),
        (f"peak RSS, rulekit run --batch ({s['memory_logins']:,} logins)",
         f"{_fmt(f['peak_rss_mb'], '.0f')} MB", x(r["peak_rss_vs_baseline"], "one login")),
        ("  CLI batch throughput (read, project, run, print)", rate("cli_batch_per_s"),
         x(r["cli_batch_vs_node_action"], "Node")),
    ]
    width = max(len(row[0]) for row in rows) + 2
    lines = [f"rulekit bench: {s['rule']}, {s['corpus']} realistic logins "
             f"({s['login_json_bytes']:,} B of JSON each) x {s['rounds']} rounds (medians)"
             f"{' [quick]' if result['quick'] else ''}",
             f"machine: {m['cpus']} CPUs ({m['cpu_model']}), Python {m['python']}, V8 {m['v8']}, "
             f"Node {m['node'] or 'absent'}, {result['date']}", ""]
    lines += [f"{name:<{width}}{figure:>22}   {ratio}" for name, figure, ratio in rows]
    lines += ["", "targets (README \"Performance\"):"]
    lines += [f"  {t['status']:<5} {t['target']:<52} {_fmt(t['value'])}" for t in result["targets"]]
    lines += [f"note: {note}" for note in result["notes"]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes (seconds, for the test suite); figures are not comparable")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench.json",
                        help="where to write the JSON (default: build/bench.json)")
    options = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    result = run_suite(QUICK if options.quick else FULL, log)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    print(f"\nwritten: {options.out}")
    return 0
