"""linkage/similarity.py is DuckDB's Jaro-Winkler, value for value (the Spark backend scores
with it, so a pair lands on the same side of every threshold on both backends). Pure."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atd.matching.linkage.similarity import jaro_winkler

_con = duckdb.connect()


def _duckdb(a: str, b: str) -> float:
    row = _con.execute("SELECT jaro_winkler_similarity(?, ?)", [a, b]).fetchone()
    assert row is not None
    return float(row[0])


# Few distinct letters, so that matches, transpositions and shared prefixes are common.
_text = st.text(alphabet="aeinoprst 0123éñü", max_size=16)


@given(_text, _text)
@settings(max_examples=600, deadline=None)
def test_it_is_duckdbs_jaro_winkler(a: str, b: str) -> None:
    assert jaro_winkler(a, b) == pytest.approx(_duckdb(a, b), abs=1e-12)


@given(_text)
@settings(max_examples=200, deadline=None)
def test_a_near_copy_scores_as_on_duckdb(a: str) -> None:
    b = a[::-1][:3] + a[3:] if len(a) > 3 else a + "x"
    assert jaro_winkler(a, b) == pytest.approx(_duckdb(a, b), abs=1e-12)


def test_the_pair_the_two_backends_disagreed_on() -> None:
    # Splink's Spark jar gives 0.899 here (half transpositions kept as a fraction), under the
    # street level's 0.9; DuckDB rounds them down and gives 0.914.
    assert jaro_winkler("3624 pine st", "4626 pine st") == pytest.approx(0.9141414141414141)
    assert _duckdb("3624 pine st", "4626 pine st") == pytest.approx(0.9141414141414141)


def test_edges() -> None:
    assert jaro_winkler(None, "a") is None
    assert jaro_winkler("", "") == 0.0 == _duckdb("", "")
    assert jaro_winkler("ana", "ana") == 1.0
