"""A run killed at any moment sends no message twice and loses none silently: every
expected invitation is delivered once, or named as uncertain in Meldingen."""

from __future__ import annotations

import random

import pytest
from conftest import TODAY
from killtrial import EXPECTED, one_trial


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_killed_send_never_duplicates_and_never_loses_silently(demo_template, tmp_path, seed):
    trial = one_trial(demo_template, tmp_path / "site", TODAY.isoformat(), EXPECTED, 0.12, random.Random(seed))
    assert trial.duplicates == 0, trial
    assert trial.invited | trial.uncertain >= EXPECTED, trial
