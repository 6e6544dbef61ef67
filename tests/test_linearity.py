"""Loading costs work linear in the input.

Timing is too noisy on shared machines to pin in a test, so this counts
what the loader does instead: the Python function calls made while loading
a synthetic schema at 1x and at 4x.  Linear work makes 4x the calls (give
or take the fixed start-up calls), in total and for every single function.
"""

from __future__ import annotations

import cProfile
import pstats
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_check import synthetic_schema

from qapidoc import load_text


def _calls(units: int) -> dict[tuple[str, int, str], int]:
    text = synthetic_schema(units)
    load_text("synthetic.json", text)          # warm caches
    profile = cProfile.Profile()
    profile.enable()
    result = load_text("synthetic.json", text)
    profile.disable()
    assert not result.diagnostics
    stats = pstats.Stats(profile)
    return {key: value[1] for key, value in stats.stats.items()}  # type: ignore[attr-defined]


def test_function_calls_grow_linearly() -> None:
    small, large = _calls(10), _calls(40)
    total_small, total_large = sum(small.values()), sum(large.values())
    assert 3.9 <= total_large / total_small <= 4.05
    for key, count in large.items():
        before = small.get(key, 0)
        # Anything called more than a handful of times must scale with the
        # input, not faster.
        if count > 50:
            assert count <= 4.1 * before + 10, f"{key[2]} ({key[0]}:{key[1]}): {before} -> {count}"
