"""Bad configuration stops the program with one message naming the key and the allowed values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

from comments_infra.settings import ConfigError, parse_settings
from tooling.offline_runner import REPO_ROOT, StackConfigError, load_stack_config, run_stack

VALID = {
    "tableReadCapacity": "1",
    "tableWriteCapacity": "1",
    "throttleRateLimit": "10",
    "throttleBurstLimit": "20",
    "corsAllowedOrigins": '["https://www.example.com"]',
    "logRetentionDays": "30",
    "dataProtection": "false",
    "stageName": "v1",
    "smokeSlugPrefix": "/__smoke__/",
    "smokeTtlHours": "24",
    "integrationRoleBoundary": "true",
    "moderation": "post",
}


def parse(**changes: str | None) -> None:
    values = {**VALID, **changes}
    parse_settings(values.get)


def test_valid_settings_parse() -> None:
    settings = parse_settings(VALID.get)
    assert settings.cors_allowed_origins == ("https://www.example.com",)
    assert settings.throttle_rate_limit == 10.0
    assert settings.pre_moderation is False
    assert parse_settings({**VALID, "moderation": "pre"}.get).pre_moderation is True


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "tableReadCapacity",
            "0",
            "comments:tableReadCapacity='0': allowed values are whole numbers 1..40000",
        ),
        (
            "tableWriteCapacity",
            "two",
            "comments:tableWriteCapacity='two': allowed values are whole numbers 1..40000",
        ),
        (
            "throttleRateLimit",
            "0",
            "comments:throttleRateLimit='0': allowed values are numbers above 0 up to 10000",
        ),
        (
            "throttleRateLimit",
            "fast",
            "comments:throttleRateLimit='fast': allowed values are numbers above 0 up to 10000",
        ),
        (
            "throttleBurstLimit",
            "5001",
            "comments:throttleBurstLimit='5001': allowed values are whole numbers 1..5000",
        ),
        (
            "corsAllowedOrigins",
            "https://a.example",
            "comments:corsAllowedOrigins='https://a.example': allowed values are a JSON list of origins",
        ),
        (
            "corsAllowedOrigins",
            "[]",
            "comments:corsAllowedOrigins='[]': allowed values are a JSON list of origins",
        ),
        (
            "corsAllowedOrigins",
            '["https://a.example/"]',
            "comments:corsAllowedOrigins: 'https://a.example/' is not an origin",
        ),
        (
            "corsAllowedOrigins",
            '["*", "https://a.example"]',
            "comments:corsAllowedOrigins: '*' is not an origin",
        ),
        (
            "corsAllowedOrigins",
            '["https://a.example", "https://a.example"]',
            "comments:corsAllowedOrigins: origins must not repeat",
        ),
        (
            "logRetentionDays",
            "10",
            "comments:logRetentionDays='10': allowed values are 1, 3, 5, 7, 14, 30",
        ),
        (
            "dataProtection",
            "yes",
            "comments:dataProtection='yes': allowed values are true or false",
        ),
        (
            "stageName",
            "v 1",
            "comments:stageName='v 1': allowed values are 1-128 letters, digits or _",
        ),
        (
            "smokeSlugPrefix",
            "/__smoke__/'$x",
            'comments:smokeSlugPrefix="/__smoke__/\'$x": allowed values are /__smoke__/ followed by',
        ),
        # Every page path starts with '/': as the smoke prefix, every comment would expire.
        ("smokeSlugPrefix", "/", "comments:smokeSlugPrefix='/': allowed values are /__smoke__/"),
        ("smokeSlugPrefix", "/blog/", "comments:smokeSlugPrefix='/blog/': allowed values are"),
        ("smokeSlugPrefix", "/__smoke__", "comments:smokeSlugPrefix='/__smoke__': allowed"),
        (
            "smokeTtlHours",
            "0",
            "comments:smokeTtlHours='0': allowed values are whole numbers 1..720",
        ),
        ("stageName", None, "comments:stageName is not set"),
        ("moderation", "before", "comments:moderation='before': allowed values are pre or post"),
    ],
)
def test_each_bad_value_is_named(key: str, value: str | None, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(**{key: value})
    assert str(raised.value).startswith(message)


def test_config_error_is_a_clean_pulumi_run_error() -> None:
    assert issubclass(ConfigError, pulumi.RunError)


def test_bad_value_in_a_stack_stops_the_program() -> None:
    with pytest.raises(pulumi.RunError, match="comments:tableReadCapacity='0'"):
        run_stack("dev", config_overrides={"comments:tableReadCapacity": 0})


def test_stack_file_values_override_project_defaults() -> None:
    config = load_stack_config("prod")
    assert config["comments:tableReadCapacity"] == "2"
    assert config["comments:tableWriteCapacity"] == "1"  # the Pulumi.yaml default
    assert config["comments:dataProtection"] == "true"
    assert config["aws:allowedAccountIds"] == '["333333333333"]'


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        (
            "nope",
            "no stack 'nope': environments/Pulumi.nope.yaml not found (stacks here: dev, local, prod, staging)",
        ),
        ("../prod", "invalid stack name '../prod'"),
    ],
)
def test_unknown_or_invalid_stack(stack: str, message: str) -> None:
    with pytest.raises(StackConfigError) as raised:
        load_stack_config(stack)
    assert str(raised.value).startswith(message)


def _repo_with_stack(tmp_path: Path, body: str) -> Path:
    (tmp_path / "environments").mkdir()
    (tmp_path / "Pulumi.yaml").write_text((REPO_ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "environments" / "Pulumi.test.yaml").write_text(body)
    return tmp_path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "config:\n  comments:apiKey:\n    secure: AAABAxyz\n",
            "config comments:apiKey in Pulumi.test.yaml is a secret: the offline runner cannot decrypt secrets",
        ),
        (
            "config:\n  comments:tableReadCapcity: 2\n",
            "unknown config key comments:tableReadCapcity in Pulumi.test.yaml; known keys:",
        ),
        (
            "config:\n  comments:dataProtection: maybe\n",
            "config comments:dataProtection: 'maybe' is not of the type declared in Pulumi.yaml (boolean)",
        ),
        (
            "config:\n  comments:tableReadCapacity: '2'\n",
            "config comments:tableReadCapacity: '2' is not of the type declared in Pulumi.yaml (integer)",
        ),
        ("config: [\n", "Pulumi.test.yaml is not valid YAML"),
        (
            # A namespace typo would reach no one and leave the default throttle in force.
            "config:\n  comment:throttleRateLimit: 100\n",
            "config key comment:throttleRateLimit in Pulumi.test.yaml is in namespace 'comment', "
            "which is neither this project's nor a provider's; did you mean "
            "comments:throttleRateLimit? namespaces here: aws, comments, github, pulumi",
        ),
        (
            "config:\n  awz:region: us-east-1\n",
            "config key awz:region in Pulumi.test.yaml is in namespace 'awz', which is neither "
            "this project's nor a provider's; did you mean aws:region?",
        ),
    ],
)
def test_stack_file_problems(tmp_path: Path, body: str, message: str) -> None:
    from tooling.offline_runner import load_project

    root = _repo_with_stack(tmp_path, body)
    with pytest.raises(StackConfigError) as raised:
        load_stack_config("test", load_project(root))
    assert str(raised.value).startswith(message)


def test_command_line_prints_one_line_and_exits_non_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tooling.offline_runner", "nope"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: no stack 'nope': environments/Pulumi.nope.yaml not found (stacks here: dev, local, prod, staging)"
    ]
