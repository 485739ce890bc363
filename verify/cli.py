"""python -m verify --stack <stack> --github-repo owner/name

Reads the real AWS account and GitHub repository back (nothing is written) and prints one row per
check: pass, FAIL, or not run with the reason. Exit status: 0 every check passed; 1 a check failed
or did not run; 2 bad input (no stack, no AWS credentials, no GitHub token), one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import botocore.session
import pulumi
import requests

from tooling.offline_runner import StackConfigError
from verify import aws, github, repo
from verify.report import Check, exit_code, not_run, render

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def parse_args(argv: Sequence[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m verify", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="the stack (environment) to verify")
    parser.add_argument(
        "--github-repo",
        default=environ.get("GITHUB_REPOSITORY", ""),
        help="owner/name of the repository (default: $GITHUB_REPOSITORY)",
    )
    parser.add_argument(
        "--outputs",
        help="the stack's outputs as `pulumi stack output --json` prints them "
        "(default: run that command)",
    )
    parser.add_argument(
        "--bootstrap-stack",
        help="the AWS bootstrap's stack whose bootstrap/Pulumi.<name>.yaml holds its settings "
        "(default: bootstrap/Pulumi.yaml's defaults)",
    )
    parser.add_argument(
        "--github-stack",
        help="the GitHub settings stack whose bootstrap/github/Pulumi.<name>.yaml names the "
        "reviewers (default: only their presence is checked)",
    )
    return parser.parse_args(argv)


def missing_inputs(
    args: argparse.Namespace, session: botocore.session.Session, environ: Mapping[str, str]
) -> list[str]:
    missing = []
    if session.get_credentials() is None:
        missing.append("AWS credentials (a profile, AWS_ACCESS_KEY_ID or an assumed role)")
    if not environ.get("GITHUB_TOKEN"):
        missing.append("a GitHub token (GITHUB_TOKEN)")
    if not _REPOSITORY.match(args.github_repo or ""):
        missing.append("the repository (--github-repo owner/name or GITHUB_REPOSITORY)")
    return missing


def aws_rows(
    clients: aws.Clients,
    settings: repo.StackSettings,
    bootstrap: repo.BootstrapSettings,
    args: argparse.Namespace,
    identity: repo.RepositoryIdentity | aws.Missing,
) -> list[Check]:
    outputs = aws.stack_outputs(settings.stack, args.outputs)
    try:
        account = aws.resolve(clients, settings, bootstrap, outputs)
    except aws.Unavailable as error:
        return [not_run("aws: every AWS check", f"the credentials do not work: {error}")]
    first = aws.account_check(account)
    rows = [
        *aws.iam_checks(clients, account),
        *aws.boundary_check(clients, account),
        *aws.analyzer_checks(clients, aws.reviewed_documents(clients, account, identity)),
        *aws.stack_checks(clients, account),
    ]
    return [first, *rows]


def run(
    args: argparse.Namespace,
    session: botocore.session.Session,
    http: requests.Session,
    token: str,
) -> list[Check]:
    settings = repo.stack_settings(args.stack)
    bootstrap = repo.bootstrap_settings(args.bootstrap_stack)
    github_settings = repo.github_settings(args.github_stack)
    cache: dict[str, Any] = {}

    def clients(service: str) -> Any:
        if service not in cache:
            cache[service] = session.create_client(service, region_name=settings.region)
        return cache[service]

    hub = github.GitHub(http, token, args.github_repo)
    identity: repo.RepositoryIdentity | aws.Missing
    if bootstrap.github_repository_id and bootstrap.github_owner_id:
        identity = repo.RepositoryIdentity(
            args.github_repo,
            bootstrap.github_repository_id,
            bootstrap.github_owner_id,
            bootstrap.github_subject_prefix,
        )
    else:
        try:
            identity = github.identity(hub)
        except github.GitHubError as error:
            identity = aws.Missing(str(error))
    rows = aws_rows(clients, settings, bootstrap, args, identity)
    return [*rows, *github.github_checks(hub, github_settings, args.stack)]


def main(
    argv: Sequence[str] | None = None,
    *,
    session: botocore.session.Session | None = None,
    http: requests.Session | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    args = parse_args(argv, environ)
    try:
        repo.stack_settings(args.stack)
        repo.bootstrap_settings(args.bootstrap_stack)
        repo.github_settings(args.github_stack)
    except (StackConfigError, repo.SettingsError, pulumi.RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    session = session or botocore.session.get_session()
    missing = missing_inputs(args, session, environ)
    if missing:
        print(f"error: missing {' and '.join(missing)}", file=sys.stderr)
        return 2
    checks = run(args, session, http or requests.Session(), environ["GITHUB_TOKEN"])
    print(render(checks))
    return exit_code(checks)
