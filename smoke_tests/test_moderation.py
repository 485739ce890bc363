"""The moderation route on a deployed stack: refused unsigned, and (with a moderator's
credentials) a signed delete removes exactly the comment it names.

Moderator credentials: on the local stack, the local moderator `make deploy` writes; elsewhere
the AWS profile named by SMOKE_MODERATOR_PROFILE (one that assumes the stack's moderator role).
Without them only the refusal is checked.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlencode

import botocore.session
import pytest
from botocore.credentials import Credentials

from moderation.client import CommentsApi, region_of
from smoke_tests.conftest import Api


def _moderator_credentials() -> Credentials | None:
    profile = os.environ.get("SMOKE_MODERATOR_PROFILE")
    if profile:
        return botocore.session.Session(profile=profile).get_credentials()
    if os.environ.get("SMOKE_STACK", "local") != "local" or os.environ.get("SMOKE_BASE_URL"):
        return None
    from emulator import moderator
    from emulator.environment import Paths

    local = moderator.files(Paths.default().root)
    if not local.credentials_file.exists():
        return None
    session = botocore.session.Session(profile=local.profile)
    session.set_config_variable("config_file", str(local.config_file))
    session.set_config_variable("credentials_file", str(local.credentials_file))
    return session.get_credentials()


def _comment(api: Api, slug: str, text: str) -> int:
    response = api.post_comment(slug=slug, author="smoke", comment=text)
    assert response.status_code == 201, response.text
    created: int = response.json()["createdAt"]
    return created


def test_an_unsigned_delete_is_refused_and_changes_nothing(api: Api, slug: str) -> None:
    created = _comment(api, slug, "must survive an unsigned delete")
    query = urlencode({"slug": slug, "createdAt": created}, quote_via=quote, safe="")
    response = api.request("DELETE", f"/comments?{query}")
    assert response.status_code == 403, response.text
    assert response.json() == {"message": "Missing Authentication Token"}
    assert [c["createdAt"] for c in api.all_comments(slug)] == [created]


def test_the_moderator_deletes_one_comment(api: Api, slug: str) -> None:
    credentials = _moderator_credentials()
    if credentials is None:
        pytest.skip("no moderator credentials (SMOKE_MODERATOR_PROFILE); checked the refusal only")
    kept = _comment(api, slug, "kept")
    spam = _comment(api, slug, "spam")
    moderation = CommentsApi(api.base_url, credentials, region_of(api.base_url, "us-east-1"))
    deleted = moderation.delete(slug, spam)
    assert deleted is not None and deleted["comment"] == "spam"
    assert [c["createdAt"] for c in api.all_comments(slug)] == [kept]
    assert moderation.delete(slug, spam) is None  # idempotent: nothing there any more
