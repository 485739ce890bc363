"""The GitHub side of the pipeline as code: environments, their variables and rules, the ruleset
of main with the PR workflow's jobs as required checks (pinned to GitHub Actions) and the code
owners' review, the Actions settings (read-only default token, allowed actions) and the OIDC
subject template the AWS roles' trust relies on. Used by bootstrap/github (a Pulumi program of
its own)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pulumi
import pulumi_github as github
import yaml

from comments_bootstrap import documents

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
PR_WORKFLOW = REPOSITORY_ROOT / documents.PREVIEW_WORKFLOW
WORKFLOWS = PR_WORKFLOW.parent
# `owner/repo[/path]@ref`: an action or a reusable workflow of another repository.
_REMOTE_USES = re.compile(r"([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_./-]+)?)@[^@\s]+")
_MATRIX_EXPRESSION = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")
COMPONENT_TYPE = "comments:bootstrap:RepositorySettings"
MAIN = "main"
# The GitHub Actions app's id (GitHub's REST API: GET /apps/github-actions), the integration a
# required check must come from.
GITHUB_ACTIONS_APP_ID = 15368
# GitHub reads the first of .github/CODEOWNERS, CODEOWNERS and docs/CODEOWNERS it finds, from the
# pull request's base branch ("About code owners").
CODEOWNERS = REPOSITORY_ROOT / ".github" / "CODEOWNERS"
# What only the platform owners may approve: the pack and its config (the route contract
# included), the stacks' files and the project's config defaults, the bootstrap (AWS roles and
# these settings), the workflows and CODEOWNERS itself, and what the deploy runs the pack with
# (the pinned requirements and CLI).
CODE_OWNED_PATHS = (
    "/policy/",
    "/environments/",
    "/Pulumi.yaml",
    "/bootstrap/",
    "/.github/",
    "/requirements/",
    "/.pulumi.version",
)


def load_workflow(path: Path = PR_WORKFLOW) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        workflow: dict[str, Any] = yaml.safe_load(handle)
    return workflow


def _matrix_rows(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The matrix's combinations (axes crossed, then `include` rows), or one empty row."""
    matrix = dict(job.get("strategy", {}).get("matrix", {}))
    include = matrix.pop("include", [])
    matrix.pop("exclude", None)
    rows: list[dict[str, Any]] = [{}]
    for axis, values in matrix.items():
        rows = [{**row, axis: value} for row in rows for value in values]
    return [*(rows if matrix else []), *include] or [{}]


def _matrix_value(row: dict[str, Any], match: re.Match[str]) -> str:
    return str(row[match.group(1)])


def check_names(workflow: dict[str, Any]) -> list[str]:
    """The status check each job reports: its `name` (the id if none), once per matrix row."""
    names: list[str] = []
    for job_id, job in workflow["jobs"].items():
        template = str(job.get("name", job_id))
        for row in _matrix_rows(job):
            names.append(_MATRIX_EXPRESSION.sub(partial(_matrix_value, row), template))
    return names


def workflow_actions(directory: Path = WORKFLOWS) -> list[str]:
    """Every action and other repository's workflow the workflows use (`owner/repo[/path]`,
    without the ref), from steps and from jobs calling a workflow; this repository's own
    (`./...`) are always allowed."""
    used: set[str] = set()
    for path in sorted(directory.glob("*.y*ml")):
        for job_name, job in load_workflow(path)["jobs"].items():
            for where, uses in [
                ("", job.get("uses")),
                *((" step", s.get("uses")) for s in job.get("steps", [])),
            ]:
                if uses is None or str(uses).startswith("./"):
                    continue
                match = _REMOTE_USES.fullmatch(str(uses))
                if match is None:
                    raise ValueError(
                        f"{path.name}: job {job_name}{where} uses {uses!r}: not owner/repo@ref, "
                        "which the Actions allow-list cannot name"
                    )
                used.add(match.group(1))
    return sorted(used)


def preview_stacks(workflow: dict[str, Any]) -> list[str]:
    """The stacks pr.yml previews: every one of them needs both of its GitHub environments."""
    return [str(row["stack"]) for row in _matrix_rows(workflow["jobs"]["preview"])]


def _could_match_under(pattern: str, path: str) -> bool:
    """Whether a CODEOWNERS pattern may match a file under (or at) `path` (`/dir/` or `/file`):
    an unanchored pattern (no '/' but a trailing one) matches at any depth, and one starting with
    a wildcard anywhere; an anchored one only when it starts inside `path`."""
    anchored = "/" in pattern.rstrip("/")
    if not anchored or pattern.startswith(("*", "/*", "/**")):
        return True
    return ("/" + pattern.lstrip("/")).startswith(path)


def codeowners_problems(text: str, owners: str) -> list[str]:
    """What keeps `owners` (`@org/team`) from being the code owners of every CODE_OWNED_PATHS
    entry: a path without its own line, or a later line (the last match wins) that may match
    files under it and names anyone else."""
    rules: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            rules.append((fields[0], fields[1:]))
    problems: list[str] = []
    for path in CODE_OWNED_PATHS:
        positions = [i for i, (pattern, _) in enumerate(rules) if pattern == path]
        if not positions:
            problems.append(f"{path} has no line of its own")
            continue
        for pattern, names in rules[positions[-1] :]:
            if _could_match_under(pattern, path) and names != [owners]:
                problems.append(
                    f"{path}: the line '{pattern} {' '.join(names)}' may match files under it "
                    f"and does not name exactly {owners}"
                )
    return problems


def render_subject(claim_keys: list[str], claims: dict[str, str]) -> str:
    """The `sub` GitHub builds from a template: `context` stands for itself (for example
    `environment:prod`), every other key as `key:value`, joined by ':' in the template's order."""
    return ":".join(
        claims["context"] if key == "context" else f"{key}:{claims[key]}" for key in claim_keys
    )


@dataclass(frozen=True)
class EnvironmentSettings:
    """What one stack's two GitHub environments hold (bootstrap outputs of its AWS account)."""

    aws_region: str
    deploy_role_arn: str
    preview_role_arn: str
    backend_url: str = ""
    pulumi_org: str = ""
    deploy_team: str = ""
    preview_team: str = ""

    @classmethod
    def parse(cls, stack: str, raw: dict[str, Any]) -> EnvironmentSettings:
        keys = {
            "awsRegion": "aws_region",
            "deployRoleArn": "deploy_role_arn",
            "previewRoleArn": "preview_role_arn",
            "backendUrl": "backend_url",
            "pulumiOrg": "pulumi_org",
            "deployTeam": "deploy_team",
            "previewTeam": "preview_team",
        }
        unknown = sorted(set(raw) - set(keys))
        if unknown:
            raise ValueError(f"environments.{stack}: unknown keys {unknown}; known: {sorted(keys)}")
        settings = cls(**{keys[k]: str(v) for k, v in raw.items()})
        for key in ("awsRegion", "deployRoleArn", "previewRoleArn"):
            if not getattr(settings, keys[key]):
                raise ValueError(f"environments.{stack}.{key} is required")
        if settings.backend_url and not settings.backend_url.startswith("s3://"):
            raise ValueError(
                f"environments.{stack}.backendUrl={settings.backend_url!r}: the bootstrap's "
                "s3:// backendUrl, or leave it out for Pulumi Cloud"
            )
        if not settings.backend_url:
            missing = [
                k
                for k in ("pulumiOrg", "deployTeam", "previewTeam")
                if not getattr(settings, keys[k])
            ]
            if missing:
                raise ValueError(f"environments.{stack}: Pulumi Cloud backend needs {missing}")
        return settings

    def variables(self, *, preview: bool) -> dict[str, str]:
        """The environment's variables, as the workflows read them; unset ones are left out
        (GitHub stores no empty variable, and the workflows read a missing one as '')."""
        values = {
            "AWS_PREVIEW_ROLE_ARN" if preview else "AWS_DEPLOY_ROLE_ARN": (
                self.preview_role_arn if preview else self.deploy_role_arn
            ),
            "AWS_REGION": self.aws_region,
            "PULUMI_BACKEND_URL": self.backend_url,
            "PULUMI_ORG": self.pulumi_org,
            "PULUMI_TEAM": self.preview_team if preview else self.deploy_team,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class RepositorySettingsArgs:
    repository: str
    """The repository's name (its owner is the provider's `github:owner`)."""
    environments: dict[str, EnvironmentSettings]
    reviewed_environments: list[str]
    reviewer_users: list[int] = field(default_factory=list)
    reviewer_teams: list[int] = field(default_factory=list)
    required_approvals: int = 1
    required_checks: list[str] = field(default_factory=list)
    allowed_actions: list[str] = field(default_factory=list)
    platform_owners: str = ""
    """`@<github:owner>/<platformOwnersTeam>`: the code owners of CODE_OWNED_PATHS."""
    codeowners: str = ""
    """The text of .github/CODEOWNERS as it is in the checkout this program runs from."""

    def __post_init__(self) -> None:
        if not self.repository or "/" in self.repository:
            raise ValueError(
                f"repository={self.repository!r}: the name only; the owner is github:owner"
            )
        stacks = preview_stacks(load_workflow())
        if sorted(self.environments) != sorted(stacks):
            raise ValueError(
                f"environments: {sorted(self.environments)} must be exactly the stacks "
                f"{documents.PREVIEW_WORKFLOW} previews: {sorted(stacks)}"
            )
        unknown = sorted(set(self.reviewed_environments) - set(self.environments))
        if unknown:
            raise ValueError(f"reviewedEnvironments: {unknown} are not environments")
        if self.reviewed_environments and not (self.reviewer_users or self.reviewer_teams):
            raise ValueError(
                f"reviewedEnvironments {self.reviewed_environments} need reviewers: set "
                "reviewerUsers or reviewerTeams (GitHub user or team ids)"
            )
        if self.required_approvals < 1:
            raise ValueError("requiredApprovals: at least 1 review before merging to main")
        if not self.required_checks:
            raise ValueError(f"no required checks: {documents.PREVIEW_WORKFLOW} has no jobs")
        if not self.allowed_actions:
            raise ValueError("allowed_actions: the workflows use no action; nothing would run")
        # The ruleset requires the code owners' review; a path no valid line owns needs none.
        if not re.fullmatch(r"@[A-Za-z0-9-]+/[A-Za-z0-9_.-]+", self.platform_owners):
            raise ValueError(
                f"platform owners {self.platform_owners!r}: @<github:owner>/<platformOwnersTeam>"
            )
        problems = codeowners_problems(self.codeowners, self.platform_owners)
        if problems:
            lines = "; ".join(f"{path} {self.platform_owners}" for path in CODE_OWNED_PATHS)
            raise ValueError(
                f".github/CODEOWNERS does not make {self.platform_owners} the code owners "
                f"({'; '.join(problems)}): merge a CODEOWNERS with these lines first: {lines}"
            )


class RepositorySettings(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: RepositorySettingsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        repo = args.repository
        self.platform_owners = args.platform_owners

        # Every OIDC token names the workflow file and ref its job came from: what the deploy
        # roles (one workflow on main) and the preview roles trust (bootstrap/).
        self.subject_template = github.ActionsRepositoryOidcSubjectClaimCustomizationTemplate(
            f"{name}-oidc-subject",
            repository=repo,
            use_default=False,
            include_claim_keys=list(documents.SUBJECT_CLAIM_KEYS),
            opts=child,
        )
        # A job's token can do only what its `permissions:` grant; and no workflow token can
        # approve a pull request, which would satisfy the review rule with the pull request's
        # own code.
        github.WorkflowRepositoryPermissions(
            f"{name}-workflow-permissions",
            repository=repo,
            default_workflow_permissions="read",
            can_approve_pull_request_reviews=False,
            opts=child,
        )
        # Only the actions the workflows use run here, each pinned to a full commit SHA: a
        # pull request cannot bring in another action, nor a tag someone can move.
        self.actions_permissions = github.ActionsRepositoryPermissions(
            f"{name}-actions-permissions",
            repository=repo,
            enabled=True,
            allowed_actions="selected",
            allowed_actions_config=github.ActionsRepositoryPermissionsAllowedActionsConfigArgs(
                github_owned_allowed=False,
                verified_allowed=False,
                patterns_alloweds=[f"{action}@*" for action in args.allowed_actions],
            ),
            sha_pinning_required=True,
            opts=child,
        )

        for stack, settings in args.environments.items():
            reviewed = stack in args.reviewed_environments
            deploy = github.RepositoryEnvironment(
                f"{name}-{stack}",
                repository=repo,
                environment=stack,
                # Only branches matching a policy below (main) may deploy to it.
                deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                    protected_branches=False, custom_branch_policies=True
                ),
                reviewers=[
                    github.RepositoryEnvironmentReviewerArgs(
                        users=args.reviewer_users, teams=args.reviewer_teams
                    )
                ]
                if reviewed
                else None,
                prevent_self_review=reviewed,
                can_admins_bypass=False,  # main only, for administrators too
                opts=child,
            )
            github.RepositoryEnvironmentDeploymentPolicy(
                f"{name}-{stack}-main-only",
                repository=repo,
                environment=deploy.environment,
                branch_pattern=MAIN,
                opts=pulumi.ResourceOptions(parent=deploy),
            )
            # Pull requests preview here: no branch rule, no reviewer; read-only credentials.
            preview = github.RepositoryEnvironment(
                f"{name}-{documents.preview_environment(stack)}",
                repository=repo,
                environment=documents.preview_environment(stack),
                opts=child,
            )
            for environment, is_preview in ((deploy, False), (preview, True)):
                for variable, value in settings.variables(preview=is_preview).items():
                    github.ActionsEnvironmentVariable(
                        f"{name}-{stack}{'-preview' if is_preview else ''}-{variable}",
                        repository=repo,
                        environment=environment.environment,
                        variable_name=variable,
                        value=value,
                        opts=pulumi.ResourceOptions(parent=environment),
                    )

        # Every rule of main in one ruleset. Each required check is pinned to the GitHub Actions
        # app: a status of the same name posted by anything else (a token with `statuses: write`,
        # another app) does not satisfy it. No bypass actor: administrators follow it too.
        self.ruleset = github.RepositoryRuleset(
            f"{name}-main",
            repository=repo,
            name="main",
            target="branch",
            enforcement="active",
            # main, by name: it is the branch deploy.yml deploys and the environments admit.
            conditions=github.RepositoryRulesetConditionsArgs(
                ref_name=github.RepositoryRulesetConditionsRefNameArgs(
                    includes=[f"refs/heads/{MAIN}"], excludes=[]
                )
            ),
            rules=github.RepositoryRulesetRulesArgs(
                deletion=True,
                non_fast_forward=True,
                pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                    required_approving_review_count=args.required_approvals,
                    dismiss_stale_reviews_on_push=True,
                    require_last_push_approval=True,
                    required_review_thread_resolution=True,
                    # A change to a path CODEOWNERS (on main) assigns needs one of its owners'
                    # approvals: the pack, its config, the stacks, bootstrap and workflows.
                    require_code_owner_review=True,
                ),
                required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
                    strict_required_status_checks_policy=True,
                    required_checks=[
                        github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(
                            context=check, integration_id=GITHUB_ACTIONS_APP_ID
                        )
                        for check in args.required_checks
                    ],
                ),
            ),
            opts=child,
        )
        self.register_outputs({"requiredChecks": args.required_checks})
