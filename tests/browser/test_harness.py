"""The tier's own checks can fail: a notebook with a warning and an exception is reported as such."""

from __future__ import annotations

import labdriver
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.timeout(180)
def test_errors_and_warnings_are_reported(notebooks: labdriver.Notebooks) -> None:
    page = notebooks.open("browser-fixtures/broken-demo.ipynb")
    page.run_all()
    errors = page.error_outputs()
    assert any("fixture warning on stderr" in e for e in errors), errors
    assert any("ZeroDivisionError" in e for e in errors), errors
    prompts = page.state()["prompts"]
    # Run All stops at the error: the last cell never ran
    assert "[" in prompts[-1] and not any(ch.isdigit() for ch in prompts[-1]), prompts
