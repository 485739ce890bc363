"""The reviewed trust documents the kit compares with the deployed ones: built in the subject
form the repository's prefix is in, with the subjects the bootstrap's roles trust."""

from __future__ import annotations

import pytest

from verify import repo

NAME, REPOSITORY_ID, OWNER_ID = "example-org/comments", "123456789", "24681357"
PREFIXES = {
    "name": "repo:example-org/comments",
    "immutable": "repo:example-org@24681357/comments@123456789",
}
WORKFLOWS = f"{NAME}/.github/workflows"


def scope(environment: str = "dev") -> repo.Scope:
    return repo.Scope(
        partition="aws",
        account_id="111111111111",
        region="us-east-1",
        environment=environment,
        bootstrap=repo.bootstrap_settings(),
        secrets_key_arn=None,
        dynamodb_key_arn="",
    )


def identity(prefix: str, owner_id: str = OWNER_ID) -> repo.RepositoryIdentity:
    return repo.RepositoryIdentity(NAME, REPOSITORY_ID, owner_id, prefix)


def subjects(document: repo.Document) -> list[str]:
    sub = "token.actions.githubusercontent.com:sub"
    return [
        operator[sub]
        for statement in document["Statement"]
        for name, operator in statement["Condition"].items()
        if name in ("StringEquals", "StringLike") and sub in operator
    ]


@pytest.mark.parametrize("form", list(PREFIXES))
def test_trusts_are_built_in_the_form_of_the_subject_prefix(form: str) -> None:
    prefix = PREFIXES[form]
    head = f"{prefix}:repository_id:{REPOSITORY_ID}"
    main = "ref:refs/heads/main:job_workflow_ref"
    assert subjects(repo.preview_trust(scope(), identity(prefix))) == [
        f"{head}:environment:preview-dev:ref:refs/pull/*/merge"
        f":job_workflow_ref:{WORKFLOWS}/pr.yml@refs/pull/*/merge",
        f"{head}:environment:preview-dev:{main}:{WORKFLOWS}/drift.yml@refs/heads/main",
        f"{head}:environment:preview-dev:{main}:{WORKFLOWS}/verify.yml@refs/heads/main",
    ]
    assert subjects(repo.deploy_trust(scope("prod"), identity(prefix))) == [
        f"{head}:environment:prod:{main}:{WORKFLOWS}/deploy-environment.yml@refs/heads/main"
    ]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        pytest.param(identity(""), "no subject prefix for example-org/comments", id="no prefix"),
        pytest.param(
            identity(PREFIXES["immutable"], owner_id="13572468"),
            "is in no form the bootstrap knows",
            id="another owner id",
        ),
        pytest.param(
            identity("repo:example-org/other"), "is in no form the bootstrap knows", id="another"
        ),
    ],
)
def test_a_prefix_in_no_known_form_builds_no_trust(
    who: repo.RepositoryIdentity, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        repo.preview_trust(scope(), who)
