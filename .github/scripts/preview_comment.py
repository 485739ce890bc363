"""Post or update the pull request's one preview comment for a stack.

    python .github/scripts/preview_comment.py --stack dev --log preview.log --exit-code 0

Runs after `pulumi preview --diff` whether it passed or not, so a preview stopped by the policy
pack still shows the reviewer its violations. One comment per stack, found by a marker and
edited on every push, never duplicated.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from github_api import GitHub, own_item_with_marker, plain_log

# Pulumi prints policy results under this header (older releases: "Policy Violations:").
POLICY_HEADERS = ("Policies:", "Policy Violations:")


def marker(stack: str) -> str:
    return f"<!-- comments-preview:{stack} -->"


def policy_section(log: str) -> str:
    """The lines of the policy section: from its header to the next unindented header."""
    lines = plain_log(log).splitlines()
    for start, line in enumerate(lines):
        if line.strip() in POLICY_HEADERS and not line.startswith(" "):
            section: list[str] = []
            for following in lines[start + 1 :]:
                if following and not following[0].isspace():
                    break
                section.append(following)
            return "\n".join(section).strip("\n")
    return ""


def comment_body(stack: str, log: str, exit_code: int, commit: str) -> str:
    violations = policy_section(log)
    if exit_code == 0:
        headline = f"### ✅ `pulumi preview` of **{stack}** passed the policy pack"
    else:
        headline = f"### ❌ `pulumi preview` of **{stack}** failed (exit {exit_code})"
    parts = [marker(stack), headline, f"Commit `{commit}`."]
    if violations:
        parts += ["**Policy results**", f"```text\n{violations}\n```"]
    elif exit_code != 0:
        parts.append("No policy section in the output: the program or the backend failed first.")
    parts += [
        "<details><summary>Property-level diff and full output</summary>",
        "",
        f"```text\n{plain_log(log)}\n```",
        "</details>",
    ]
    return "\n\n".join(parts)


def upsert(github: GitHub, pull_request: int, stack: str, body: str) -> str:
    """Edit this stack's comment if the pull request has one, else create it."""
    path = f"/issues/{pull_request}/comments"
    existing = own_item_with_marker(github.pages(path), marker(stack))
    if existing is not None:
        github.request("PATCH", f"/issues/comments/{existing['id']}", {"body": body})
        return "updated"
    github.request("POST", path, {"body": body})
    return "created"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--exit-code", type=int, required=True)
    parser.add_argument("--pull-request", type=int, default=int(os.environ.get("PR_NUMBER", "0")))
    parser.add_argument("--commit", default=os.environ.get("HEAD_SHA", ""))
    args = parser.parse_args(argv)
    if args.pull_request <= 0:
        print("::error::preview_comment.py needs --pull-request (or PR_NUMBER)")
        return 2
    log = args.log.read_text(encoding="utf-8", errors="replace") if args.log.exists() else ""
    body = comment_body(args.stack, log, args.exit_code, args.commit)
    action = upsert(GitHub.from_environment(), args.pull_request, args.stack, body)
    print(f"Preview comment for {args.stack} {action} on pull request #{args.pull_request}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
