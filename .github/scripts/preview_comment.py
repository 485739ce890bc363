"""Post or update the pull request's one preview comment per stack.

    python3 .github/scripts/preview_comment.py --previews DIR dev staging prod

DIR holds `<stack>.log` and `<stack>.exit-code` of each stack's `pulumi preview --diff`, the
artifacts of pr.yml's preview jobs. Runs whether the previews passed or not, so a preview stopped
by the policy pack still shows the reviewer its violations. One comment per stack, found by a
marker at its start and edited on every push, never duplicated.

The files come from jobs that ran the pull request's code, so they are untrusted data: the log is
quoted in code blocks that it cannot close, cut to fit GitHub's limit, and an exit code that is
not a number reads as unknown. The required `preview (<stack>)` check, not this comment, decides
whether the pull request may merge.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from github_api import MAX_LOG_CHARS, GitHub, own_item_with_marker, plain_log

# Pulumi prints policy results under this header (older releases: "Policy Violations:").
POLICY_HEADERS = ("Policies:", "Policy Violations:")
_EXIT_CODE = re.compile(r"[0-9]{1,3}")


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


def comment_body(stack: str, log: str | None, exit_code: int | None, commit: str) -> str:
    """The comment for one stack; `log` None: the preview job kept no output."""
    if log is None:
        return "\n\n".join(
            [
                marker(stack),
                f"### ❌ No `pulumi preview` output for **{stack}**",
                f"Commit `{commit}`.",
                f"The job stopped before the preview ran: see the `preview ({stack})` check's log.",
            ]
        )
    violations = policy_section(log)
    if exit_code == 0:
        headline = f"### ✅ `pulumi preview` of **{stack}** passed the policy pack"
    elif exit_code is None:
        headline = f"### ❌ `pulumi preview` of **{stack}** failed (exit code unknown)"
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
        # The policy section and the log share what GitHub allows (policy_section is cut to
        # the limit already).
        f"```text\n{plain_log(log, MAX_LOG_CHARS - len(violations))}\n```",
        "</details>",
    ]
    return "\n\n".join(parts)


def read_preview(previews: Path, stack: str) -> tuple[str | None, int | None]:
    """The stack's log (None if the job kept none) and exit code (None unless a number)."""
    log_file, code_file = previews / f"{stack}.log", previews / f"{stack}.exit-code"
    if not log_file.is_file():
        return None, None
    log = log_file.read_text(encoding="utf-8", errors="replace")
    code = (
        code_file.read_text(encoding="ascii", errors="replace").strip()
        if code_file.is_file()
        else ""
    )
    return log, int(code) if _EXIT_CODE.fullmatch(code) else None


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
    parser.add_argument("stacks", nargs="+", metavar="STACK")
    parser.add_argument("--previews", type=Path, required=True)
    parser.add_argument("--pull-request", type=int, default=int(os.environ.get("PR_NUMBER", "0")))
    parser.add_argument("--commit", default=os.environ.get("HEAD_SHA", ""))
    args = parser.parse_args(argv)
    if args.pull_request <= 0:
        print("::error::preview_comment.py needs --pull-request (or PR_NUMBER)")
        return 2
    github = GitHub.from_environment()
    for stack in args.stacks:
        log, exit_code = read_preview(args.previews, stack)
        body = comment_body(stack, log, exit_code, args.commit)
        action = upsert(github, args.pull_request, stack, body)
        print(f"Preview comment for {stack} {action} on pull request #{args.pull_request}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
