"""`python -m emulator deploy --config KEY=VALUE`: a deploy with config the stack file does not hold.

Tests that need a setting of their own (tight throttling in tests/abuse) deploy with it; the next
plain deploy goes back to the stack's config.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulator.__main__ import config_overrides
from tests.local_environment import isolated_env, run_emulator
from tooling.offline_runner import StackConfigError

pytestmark = pytest.mark.e2e


def test_values_are_read_as_a_stack_file_holds_them() -> None:
    assert config_overrides(
        [
            "comments:throttleRateLimit=5",
            "comments:dataProtection=true",
            'comments:corsAllowedOrigins=["https://a.example"]',
            "comments:stageName=v2=beta",
        ]
    ) == {
        "comments:throttleRateLimit": 5,
        "comments:dataProtection": True,
        "comments:corsAllowedOrigins": ["https://a.example"],
        "comments:stageName": "v2=beta",
    }


@pytest.mark.parametrize("pair", ["comments:throttleRateLimit", "=5"])
def test_a_pair_without_key_and_value_is_refused(pair: str) -> None:
    with pytest.raises(StackConfigError, match="expected KEY=VALUE"):
        config_overrides([pair])


def _throttle(state: Path) -> Any:
    apis = json.loads((state / "gateway-state.json").read_text())["restApis"]
    [api] = apis.values()
    return api["stages"]["v1"]["throttle"]


def test_a_deploy_with_overrides_then_one_without(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    try:
        tight = run_emulator(
            env,
            "deploy",
            "--config",
            "comments:throttleRateLimit=5",
            "--config=comments:throttleBurstLimit=7",
        )
        assert tight.returncode == 0, tight.stdout + tight.stderr
        assert _throttle(tmp_path) == {"rateLimit": 5.0, "burstLimit": 7}

        refused = run_emulator(env, "deploy", "--config", "comments:throttleBurstLimit=many")
        assert refused.returncode == 2
        assert "comments:throttleBurstLimit" in refused.stderr, refused.stderr
        assert _throttle(tmp_path) == {"rateLimit": 5.0, "burstLimit": 7}

        plain = run_emulator(env, "deploy")
        assert plain.returncode == 0, plain.stderr
        assert "updated   aws:apigateway/methodSettings:MethodSettings" in plain.stdout
        assert _throttle(tmp_path) == {"rateLimit": 100.0, "burstLimit": 200}
    finally:
        run_emulator(env, "down")
