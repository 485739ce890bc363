"""Open, update or close the one drift issue of an environment.

    python .github/scripts/drift_issue.py --stack prod --log preview.log --exit-code 0

`pulumi preview --refresh --expect-no-changes` exits 0 when the environment matches its program
(the issue, if open, is closed) and fails with Pulumi's "no changes were expected" error when
it drifted (the issue is opened, or its body replaced with the new diff). Any other failure is
not drift: this exits non-zero with one error line and leaves the issue as it is.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from github_api import GitHub, own_item_with_marker, plain_log

# pkg/backend/backenderr: the error `--expect-no-changes` raises ("... for <op> but ...").
DRIFT_MESSAGE = "no changes were expected"


def marker(stack: str) -> str:
    return f"<!-- comments-drift:{stack} -->"


def classify(log: str, exit_code: int) -> str:
    if exit_code == 0:
        return "clean"
    return "drift" if DRIFT_MESSAGE in log else "error"


def issue_body(stack: str, log: str, run_url: str) -> str:
    return "\n\n".join(
        [
            marker(stack),
            f"The **{stack}** environment no longer matches its program on `main`: "
            "`pulumi preview --refresh --expect-no-changes` proposed the changes below. "
            "The next deploy would revert them. Find out who changed what (CloudTrail), then "
            "either put the change into the program through a pull request or let a deploy "
            "revert it. This issue closes itself when the environment is clean again.",
            f"Detected by {run_url}",
            "<details open><summary>Property-level diff</summary>",
            "",
            f"```text\n{plain_log(log)}\n```",
            "</details>",
        ]
    )


def open_drift_issue(github: GitHub, stack: str) -> dict[str, object] | None:
    issues = (i for i in github.pages("/issues?state=open") if "pull_request" not in i)
    return own_item_with_marker(issues, marker(stack))


def report(github: GitHub, stack: str, log: str, exit_code: int, run_url: str) -> str:
    state = classify(log, exit_code)
    if state == "error":
        return state
    existing = open_drift_issue(github, stack)
    if state == "drift":
        body = issue_body(stack, log, run_url)
        if existing is None:
            github.request("POST", "/issues", {"title": f"Drift in {stack}", "body": body})
            return "opened"
        github.request("PATCH", f"/issues/{existing['number']}", {"body": body})
        return "updated"
    if existing is None:
        return "clean"
    github.request(
        "POST", f"/issues/{existing['number']}/comments", {"body": f"Clean again: {run_url}"}
    )
    github.request(
        "PATCH", f"/issues/{existing['number']}", {"state": "closed", "state_reason": "completed"}
    )
    return "closed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--exit-code", type=int, required=True)
    args = parser.parse_args(argv)
    log = args.log.read_text(encoding="utf-8", errors="replace") if args.log.exists() else ""
    run_url = "{}/{}/actions/runs/{}".format(
        os.environ.get("GITHUB_SERVER_URL", "https://github.com"),
        os.environ.get("GITHUB_REPOSITORY", ""),
        os.environ.get("GITHUB_RUN_ID", ""),
    )
    outcome = report(GitHub.from_environment(), args.stack, log, args.exit_code, run_url)
    if outcome == "error":
        print(
            f"::error::The drift check of {args.stack} failed before it could compare "
            f"(exit {args.exit_code}); see the log above. No issue was changed."
        )
        return 1
    print(f"Drift check of {args.stack}: {outcome}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
