from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def var(settings, tmp_path) -> Path:
    """Each test has its own XINYONG_VAR: a fresh seal key pair under keys/ and the
    report files under media/, so tests neither share keys nor leave files behind."""
    root = tmp_path / "var"
    root.mkdir()
    settings.VAR_DIR = root
    settings.MEDIA_ROOT = root / "media"
    return root
