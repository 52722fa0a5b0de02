"""The browser tests' own rule: a missing Chromium skips them, except in CI."""

from __future__ import annotations

import pytest

from tests.web.conftest import MISSING_CHROMIUM, _missing


def test_a_missing_browser_skips_outside_ci_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        _missing(MISSING_CHROMIUM)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI: not skipped"):
        _missing(MISSING_CHROMIUM)
