"""GitHub REST API answers as the kit reads them, shaped like the examples of GitHub's own REST
API description (github/rest-api-description, descriptions/api.github.com/dereferenced/
api.github.com.deref.yaml: actions/get-custom-oidc-sub-claim-for-repo,
actions/get-github-actions-permissions-repository, actions/get-allowed-actions-repository
(#/components/examples/selected-actions), actions/get-github-actions-default-workflow-permissions-
repository, repos/get-repo-rulesets, repos/get-repo-ruleset, repos/get-environment,
repos/list-deployment-branch-policies, repos/get), with the values bootstrap/github sets instead
of the examples' ones. Each function returns a fresh copy a test may change."""

from __future__ import annotations

from typing import Any

from verify import repo

REPOSITORY = "example-org/comments"
REPOSITORY_ID = 123456789
RULESET_ID = 42
REVIEWER_USER = 1
SETTINGS = repo.github_settings()


def repository() -> dict[str, Any]:
    return {
        "id": REPOSITORY_ID,
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": "comments",
        "full_name": REPOSITORY,
        "owner": {"login": "example-org", "id": 1, "type": "Organization"},
        "private": False,
        "default_branch": "main",
    }


def oidc_subject() -> dict[str, Any]:
    return {
        "use_default": False,
        "include_claim_keys": list(SETTINGS.subject_claim_keys),
        "sub_claim_prefix": f"repo:{REPOSITORY}",
    }


def actions_permissions() -> dict[str, Any]:
    return {
        "enabled": True,
        "allowed_actions": "selected",
        "selected_actions_url": "https://api.github.com/repositories/42/actions/permissions/selected-actions",
        "sha_pinning_required": True,
    }


def selected_actions() -> dict[str, Any]:
    return {
        "github_owned_allowed": False,
        "verified_allowed": False,
        "patterns_allowed": list(SETTINGS.allowed_actions),
    }


def workflow_permissions() -> dict[str, Any]:
    return {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": False}


def _links(path: str) -> dict[str, Any]:
    return {
        "self": {"href": f"https://api.github.com/repos/{REPOSITORY}/{path}"},
        "html": {"href": f"https://github.com/{REPOSITORY}/rules/{RULESET_ID}"},
    }


def rulesets() -> list[dict[str, Any]]:
    return [
        {
            "id": RULESET_ID,
            "name": "main",
            "target": "branch",
            "source_type": "Repository",
            "source": REPOSITORY,
            "enforcement": "active",
            "node_id": "RRS_lACkVXNlcgQB",
            "_links": _links(f"rulesets/{RULESET_ID}"),
            "created_at": "2023-07-15T08:43:03Z",
            "updated_at": "2023-08-23T16:29:47Z",
        }
    ]


def ruleset() -> dict[str, Any]:
    return {
        "id": RULESET_ID,
        "name": "main",
        "target": "branch",
        "source_type": "Repository",
        "source": REPOSITORY,
        "enforcement": "active",
        "bypass_actors": [],
        "current_user_can_bypass": "never",
        "node_id": "RRS_lACkVXNlcgQB",
        "_links": _links(f"rulesets/{RULESET_ID}"),
        "conditions": {"ref_name": {"include": ["refs/heads/main"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": SETTINGS.required_approvals,
                    "dismiss_stale_reviews_on_push": True,
                    "require_code_owner_review": True,
                    "require_last_push_approval": True,
                    "required_review_thread_resolution": True,
                    "allowed_merge_methods": ["merge", "squash", "rebase"],
                },
            },
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": True,
                    "do_not_enforce_on_create": False,
                    "required_status_checks": [
                        {"context": check, "integration_id": SETTINGS.actions_app_id}
                        for check in SETTINGS.required_checks
                    ],
                },
            },
        ],
        "created_at": "2023-07-15T08:43:03Z",
        "updated_at": "2023-08-23T16:29:47Z",
    }


def _user(login: str, user_id: int) -> dict[str, Any]:
    return {
        "login": login,
        "id": user_id,
        "node_id": "MDQ6VXNlcjE=",
        "url": f"https://api.github.com/users/{login}",
        "type": "User",
        "site_admin": False,
    }


def environment(name: str) -> dict[str, Any]:
    """A deploy environment: with bootstrap/github's defaults only prod has reviewers."""
    rules: list[dict[str, Any]] = []
    if name in SETTINGS.reviewed_environments:
        rules.append(
            {
                "id": 3755,
                "node_id": "MDQ6R2F0ZTM3NTU=",
                "prevent_self_review": True,
                "type": "required_reviewers",
                "reviewers": [{"type": "User", "reviewer": _user("octocat", REVIEWER_USER)}],
            }
        )
    rules.append({"id": 3756, "node_id": "MDQ6R2F0ZTM3NTY=", "type": "branch_policy"})
    return {
        "id": 161088068,
        "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
        "name": name,
        "url": f"https://api.github.com/repos/{REPOSITORY}/environments/{name}",
        "html_url": f"https://github.com/{REPOSITORY}/deployments/activity_log?environments_filter={name}",
        "created_at": "2020-11-23T22:00:40Z",
        "updated_at": "2020-11-23T22:00:40Z",
        "can_admins_bypass": False,
        "protection_rules": rules,
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
    }


def preview_environment(name: str) -> dict[str, Any]:
    return {
        "id": 161088069,
        "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY5",
        "name": name,
        "url": f"https://api.github.com/repos/{REPOSITORY}/environments/{name}",
        "html_url": f"https://github.com/{REPOSITORY}/deployments/activity_log?environments_filter={name}",
        "created_at": "2020-11-23T22:00:40Z",
        "updated_at": "2020-11-23T22:00:40Z",
        "can_admins_bypass": True,
        "protection_rules": [],
        "deployment_branch_policy": None,
    }


def branch_policies() -> dict[str, Any]:
    return {
        "total_count": 1,
        "branch_policies": [
            {
                "id": 361472,
                "node_id": "MDE2OkdhdGVCcmFuY2hQb2xpY3kzNjE0NzI=",
                "name": "main",
                "type": "branch",
            }
        ],
    }


def answers(stack: str) -> dict[str, Any]:
    """Path under /repos/<owner>/<name> -> the JSON body of a 200 answer."""
    return {
        "": repository(),
        "/actions/oidc/customization/sub": oidc_subject(),
        "/actions/permissions": actions_permissions(),
        "/actions/permissions/selected-actions": selected_actions(),
        "/actions/permissions/workflow": workflow_permissions(),
        "/rulesets": rulesets(),
        f"/rulesets/{RULESET_ID}": ruleset(),
        f"/environments/{stack}": environment(stack),
        f"/environments/{stack}/deployment-branch-policies": branch_policies(),
        f"/environments/preview-{stack}": preview_environment(f"preview-{stack}"),
    }
