"""One row per check: pass, FAIL or not run (with the reason), and the exit code they add up to."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class Status(enum.Enum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "FAIL"
    NOT_RUN = "not run"


@dataclass(frozen=True)
class Check:
    """The outcome of one check; `detail` says what was compared, what differed or why it did
    not run."""

    name: str
    status: Status
    detail: str = ""


def passed(name: str, detail: str = "") -> Check:
    return Check(name, Status.PASS, detail)


def failed(name: str, detail: str) -> Check:
    return Check(name, Status.FAIL, detail)


def not_run(name: str, reason: str) -> Check:
    return Check(name, Status.NOT_RUN, reason)


def from_problems(name: str, problems: Sequence[str], ok: str, unrun: Sequence[str] = ()) -> Check:
    """FAIL when anything differed; otherwise not run when a part could not be checked; pass only
    when every part was checked and held."""
    if problems:
        more = f" (and {len(unrun)} not run: {'; '.join(unrun)})" if unrun else ""
        return failed(name, "; ".join(problems) + more)
    if unrun:
        return not_run(name, "; ".join(unrun))
    return passed(name, ok)


def exit_code(checks: Iterable[Check]) -> int:
    """0 only when every check passed (and there was one); 1 when any failed or did not run."""
    statuses = [check.status for check in checks]
    return 0 if statuses and all(s is Status.PASS for s in statuses) else 1


def render(checks: Sequence[Check], width: int = 100) -> str:
    """A plain-text table and a closing count line."""
    name_width = max([len("check"), *(len(c.name) for c in checks)])
    status_width = max(len(s.value) for s in Status)
    lines = [f"{'check':<{name_width}}  {'status':<{status_width}}  detail"]
    lines.append(f"{'-' * name_width}  {'-' * status_width}  {'-' * 6}")
    for check in checks:
        detail = check.detail if len(check.detail) <= width * 4 else check.detail[: width * 4] + "…"
        lines.append(f"{check.name:<{name_width}}  {check.status.value:<{status_width}}  {detail}")
    counts = {status: sum(c.status is status for c in checks) for status in Status}
    lines.append("")
    lines.append(
        f"verify: {counts[Status.PASS]} pass, {counts[Status.FAIL]} FAIL, "
        f"{counts[Status.NOT_RUN]} not run"
    )
    return "\n".join(lines)
