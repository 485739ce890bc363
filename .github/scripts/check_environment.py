"""Check a GitHub environment's variables against the stack before any Pulumi command runs.

    python .github/scripts/check_environment.py --stack prod --github-environment prod \
        --role-variable AWS_DEPLOY_ROLE_ARN

Reads the variables the job passes in its environment (the role ARN, AWS_REGION,
PULUMI_BACKEND_URL, PULUMI_ORG, PULUMI_TEAM). The first problem found is one `::error::` line
naming the variable and where to set it, and exit 1. Otherwise it writes the job's
`stack-name`, `backend` (s3 or cloud) and `cloud-url` to $GITHUB_OUTPUT.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tooling.offline_runner import StackConfigError, load_project, load_stack_config  # noqa: E402

WALKTHROUGH = "README.md, 'Bootstrap'"


class ConfigurationError(Exception):
    """One line that says what is wrong and where to fix it."""


def _where(variable: str, github_environment: str) -> str:
    return (
        f"variable {variable} of the GitHub environment '{github_environment}' "
        f"(Settings > Environments > {github_environment}; bootstrap/github declares it)"
    )


def check(
    stack: str,
    github_environment: str,
    role_variable: str,
    env: dict[str, str],
    root: Path = ROOT,
) -> dict[str, str]:
    """The job's outputs, or ConfigurationError for the first mismatch."""
    for variable in (role_variable, "AWS_REGION"):
        if not env.get(variable, "").strip():
            raise ConfigurationError(f"{_where(variable, github_environment)} is not set")
    project = load_project(root)
    try:
        stack_region = load_stack_config(stack, project).get("aws:region", "")
    except StackConfigError as error:
        raise ConfigurationError(str(error)) from None
    region = env["AWS_REGION"].strip()
    if region != stack_region:
        raise ConfigurationError(
            f"{_where('AWS_REGION', github_environment)} is '{region}' but stack {stack}'s "
            f"aws:region is '{stack_region}' (environments/Pulumi.{stack}.yaml, else "
            "Pulumi.yaml): make them equal"
        )
    backend_url = env.get("PULUMI_BACKEND_URL", "").strip()
    if backend_url.startswith("s3://"):
        stack_file = project.stack_config_dir / f"Pulumi.{stack}.yaml"
        document = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
        provider = str(document.get("secretsprovider", ""))
        if not provider.startswith("awskms://"):
            raise ConfigurationError(
                f"stack {stack} keeps its state in S3 ({_where('PULUMI_BACKEND_URL', github_environment)}) "
                f"but environments/Pulumi.{stack}.yaml has no awskms:// secretsprovider: run "
                f"'pulumi stack change-secrets-provider --stack {stack} <the bootstrap's "
                f"secretsProviders.{stack} output>' and commit the file ({WALKTHROUGH})"
            )
        return {"stack-name": stack, "backend": "s3", "cloud-url": backend_url}
    if backend_url and not backend_url.startswith("https://"):
        raise ConfigurationError(
            f"{_where('PULUMI_BACKEND_URL', github_environment)} is '{backend_url}': use the "
            "bootstrap's s3:// backendUrl output, or leave it empty for Pulumi Cloud"
        )
    for variable in ("PULUMI_ORG", "PULUMI_TEAM"):
        if not env.get(variable, "").strip():
            raise ConfigurationError(
                f"{_where(variable, github_environment)} is not set (Pulumi Cloud backend: "
                f"PULUMI_BACKEND_URL is {backend_url or 'empty'})"
            )
    return {
        "stack-name": f"{env['PULUMI_ORG'].strip()}/{stack}",
        "backend": "cloud",
        "cloud-url": backend_url,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--github-environment", required=True)
    parser.add_argument("--role-variable", required=True)
    args = parser.parse_args(argv)
    try:
        outputs = check(args.stack, args.github_environment, args.role_variable, dict(os.environ))
    except ConfigurationError as error:
        print(f"::error::{error}")
        return 1
    output_file = os.environ.get("GITHUB_OUTPUT")
    lines = "".join(f"{key}={value}\n" for key, value in outputs.items())
    if output_file:
        with open(output_file, "a", encoding="utf-8") as handle:
            handle.write(lines)
    print(f"Stack {outputs['stack-name']} ({outputs['backend']} backend), region checked.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
