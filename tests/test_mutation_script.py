"""scripts/mutation_test.py: the mutants it makes, its keys, and how a hang is told from a failure."""

import ast
import importlib.util
import pathlib
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
_SPEC = importlib.util.spec_from_file_location("mutation_test", ROOT / "scripts" / "mutation_test.py")
mutation_test = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(mutation_test)

TOY = textwrap.dedent('''
    """Docstring: 1 < 2 is never mutated."""
    __all__ = ["f"]

    def f(a, b):
        """Neither is this: a + b."""
        if a <= b and not b:
            return a[1:3]
        total = a * 2.5 - 1
        return total
''')


def _mutants(source):
    tree = ast.parse(source)
    lines = source.splitlines()
    return [(site, mutation_test.mutant_key("toy.py", tree, site, lines),
             ast.unparse(mutation_test.apply_mutation(tree, site)[0]))
            for site in mutation_test.mutation_sites(tree)]


def test_every_operator_makes_the_expected_single_change():
    keys = sorted(key.split(" :: ")[1] for _, key, _ in _mutants(TOY))
    assert keys == sorted([
        "a <= b -> a < b",                     # compare
        "a <= b and (not b) -> a <= b or not b",   # boolean swap
        "not b -> b",                          # boolean: not dropped
        "1:3 -> 1:3 + 1", "1:3 -> 1 + 1:3",    # slice bounds
        "1 -> 0", "3 -> 2",                    # int constants off by one
        "a * 2.5 - 1 -> a * 2.5 + 1", "a * 2.5 -> a / 2.5",   # arithmetic
        "2.5 -> 2.525", "1 -> 0",              # float scaled by 1.01, int moved
        "total = a * 2.5 - 1 -> pass",         # statement dropped
    ])
    # docstrings and __all__ offer nothing; each mutant differs from the source
    original = ast.unparse(ast.parse(TOY))
    assert all(text != original for _, _, text in _mutants(TOY))


def test_a_repeated_number_is_shown_in_the_smallest_expression_that_is_unique():
    source = "def g(m):\n    return m.shape[0] != m.shape[1] or m.shape[0] > 3\n"
    keys = [key.split(" :: ")[1] for _, key, _ in _mutants(source)]
    assert "m.shape[0] != m.shape[1] -> m.shape[1] != m.shape[1]" in keys
    assert "m.shape[0] > 3 -> m.shape[1] > 3" in keys
    assert "3 -> 2" in keys


def test_keys_name_the_line_and_survive_edits_elsewhere_in_the_module():
    keys = {key for _, key, _ in _mutants(TOY)}
    shifted = {key for _, key, _ in _mutants("import os\nX = os.sep\n" + TOY)}
    assert keys <= shifted          # AST positions moved, the keys did not
    assert "toy.py:f:if a <= b and not b: :: a <= b -> a < b" in keys


def test_equivalent_keys_are_real_mutants_of_the_current_modules():
    """Every exclusion still names a mutant the script makes (a stale key would hide nothing)."""
    by_module = {}
    for key in mutation_test.EQUIVALENT:
        by_module.setdefault(key.split(":", 1)[0], set()).add(key)
    for module, keys in by_module.items():
        source = (ROOT / "workbench" / module).read_text()
        tree = ast.parse(source)
        lines = source.splitlines()
        made = {mutation_test.mutant_key(module, tree, site, lines) for site in mutation_test.mutation_sites(tree)}
        assert keys <= made, keys - made
        assert all(mutation_test.EQUIVALENT[key].strip() for key in keys)   # each with a reason


def _toy_repo(tmp_path, body):
    (tmp_path / "test_toy.py").write_text(textwrap.dedent(body))
    (tmp_path / f"{mutation_test._PLUGIN_NAME}.py").write_text(mutation_test._PLUGIN)
    return tmp_path


def test_a_hang_is_reported_with_the_running_test_and_its_stack(tmp_path):
    root = _toy_repo(tmp_path, '''
        def test_quick():
            assert True

        def test_hangs():
            while True:
                pass
    ''')
    run = mutation_test._run_tests(root, ["test_toy.py"], timeout=4)
    assert run.outcome == "timeout"
    assert run.running == "test_toy.py::test_hangs"
    assert "test_quick" in " ".join(run.durations)
    where, compiling = mutation_test._innermost_frame(run.stack)
    assert "test_toy.py" in where and "test_hangs" in where and not compiling


def test_a_confirmed_hang_counts_as_a_loop_and_a_failure_after_a_timeout_as_a_kill(tmp_path, monkeypatch):
    root = _toy_repo(tmp_path, '''
        import os, pathlib, time

        def test_hangs():
            while True:
                pass
    ''')
    monkeypatch.setitem(mutation_test.TESTS, "toy.py", ["test_toy.py"])
    monkeypatch.setattr(mutation_test, "_run_tests", _with_short_timeouts(mutation_test._run_tests))
    outcome, _, note = mutation_test._judge(root, "toy.py", 5, {}, None)
    assert outcome == "loop" and "test_hangs" in note


def test_a_run_that_passes_the_second_time_is_an_unresolved_timeout_not_a_kill(tmp_path, monkeypatch):
    flag = tmp_path / "first"
    root = _toy_repo(tmp_path, f'''
        import pathlib

        def test_slow_once():
            flag = pathlib.Path({str(flag)!r})
            if not flag.exists():
                flag.write_text("x")
                while True:
                    pass
    ''')
    monkeypatch.setitem(mutation_test.TESTS, "toy.py", ["test_toy.py"])
    monkeypatch.setattr(mutation_test, "_run_tests", _with_short_timeouts(mutation_test._run_tests))
    outcome, _, note = mutation_test._judge(root, "toy.py", 5, {}, None)
    assert outcome == "timeout", note


def _with_short_timeouts(run_tests):
    """The confirmation run's budget is at least 60 s: shorten it for the test."""
    def run(copy_root, tests, timeout, cache_dir=None):
        return run_tests(copy_root, tests, min(timeout, 5), cache_dir)
    return run


@pytest.mark.parametrize("outcomes, rate", [(["killed", "loop", "survived", "timeout"], "50%"),
                                            (["killed"] * 9 + ["timeout"], "90%")])
def test_report_counts_timeouts_apart_and_not_as_kills(outcomes, rate):
    rows = [{"package": "p", "outcome": o} for o in outcomes]
    table = mutation_test.report_table(rows, {"p": 2}).splitlines()
    assert table[0].split() == ["package", "mutants", "killed", "loop", "survived", "timeout",
                                "kill", "rate", "equivalent"]
    counts = [str(outcomes.count(k)) for k in ("killed", "loop", "survived", "timeout")]
    assert table[1].split() == ["p", str(len(outcomes)), *counts, rate, "2"]


def test_a_rerun_finds_a_mutant_by_its_key_after_edits_elsewhere():
    old = "def f(a, b):\n    return a + b\n"
    tree, lines = ast.parse(old), old.splitlines()
    (site,) = [s for s in mutation_test.mutation_sites(tree) if s[1] == "arith"]
    row = {"site": list(site), "key": mutation_test.mutant_key("toy.py", tree, site, lines)}
    # an edit above it moves the AST positions: the same mutant is found by its key
    moved = "def g(c):\n    return c * 2\n\n\ndef f(a, b):\n    return a + b\n"
    moved_tree = ast.parse(moved)
    found = mutation_test._site_of("toy.py", moved_tree, moved.splitlines(), row)
    assert found is not None and found != site
    assert mutation_test.mutant_key("toy.py", moved_tree, found, moved.splitlines()) == row["key"]
    # unchanged: the recorded site itself; its line rewritten: gone
    assert mutation_test._site_of("toy.py", tree, lines, row) == site
    changed = "def f(a, b):\n    return a - b\n"
    assert mutation_test._site_of("toy.py", ast.parse(changed), changed.splitlines(), row) is None
