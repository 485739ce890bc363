"""Entry point of the GitHub settings stack: read config, declare RepositorySettings."""

import sys
from pathlib import Path

import pulumi

# The package next door (bootstrap/comments_bootstrap) holds the subject template's claim keys
# the AWS roles trust, so both programs take them from one place.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from comments_bootstrap.github_settings import (
    CODEOWNERS,
    EnvironmentSettings,
    RepositorySettings,
    RepositorySettingsArgs,
    check_names,
    load_workflow,
    workflow_actions,
)

config = pulumi.Config()
# Exactly the pull-request workflow's jobs: renaming one changes the required check.
required_checks = check_names(load_workflow())
environments = config.require_object("environments")
settings = RepositorySettings(
    "comments",
    RepositorySettingsArgs(
        repository=config.require("repository"),
        environments={
            stack: EnvironmentSettings.parse(stack, raw) for stack, raw in environments.items()
        },
        reviewed_environments=config.require_object("reviewedEnvironments"),
        reviewer_users=config.require_object("reviewerUsers"),
        reviewer_teams=config.require_object("reviewerTeams"),
        required_approvals=config.require_int("requiredApprovals"),
        required_checks=required_checks,
        # Exactly the actions .github/workflows use: adding one to a workflow means running this.
        allowed_actions=workflow_actions(),
        # The team CODEOWNERS must name for every platform path (checked before anything runs).
        platform_owners=(
            f"@{pulumi.Config('github').require('owner')}/{config.require('platformOwnersTeam')}"
        ),
        codeowners=CODEOWNERS.read_text(encoding="utf-8") if CODEOWNERS.is_file() else "",
    ),
)
pulumi.export("requiredChecks", required_checks)
pulumi.export(
    "allowedActions", settings.actions_permissions.allowed_actions_config.patterns_alloweds
)
pulumi.export("oidcSubjectClaimKeys", settings.subject_template.include_claim_keys)
pulumi.export("platformOwners", settings.platform_owners)
