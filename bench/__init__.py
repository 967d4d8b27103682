"""rulekit's benchmark suite (``make bench``; ``python -m bench --help``).

Measures, in one run, on the example MFA rule/Action and the same logins: a bare call into V8
(the floor), rulekit one login per call, rulekit in batches, Node.js running the same code in a
``vm`` context, Hypothesis fuzzing against bare generation, rendering, start-up and peak memory.
Prints a table and writes ``build/bench.json``; targets are reported (PASS/MISS), never asserted.
"""
