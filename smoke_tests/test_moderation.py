"""The moderation routes on a deployed stack: refused unsigned, and (with a moderator's
credentials, see conftest) a signed delete removes exactly the comment it names and, with
pre-moderation, a new comment stays out of the public GET until a signed approval.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from moderation.client import CommentsApi
from smoke_tests.conftest import NOT_SIGNED, Api, Comments


def test_an_unsigned_delete_is_refused_and_changes_nothing(
    api: Api, comments: Comments, slug: str
) -> None:
    comment = comments.submit(slug=slug, author="smoke", comment="must survive an unsigned delete")
    query = urlencode({"slug": slug, "createdAt": comment["createdAt"]}, quote_via=quote, safe="")
    response = api.request("DELETE", f"/comments?{query}")
    assert response.status_code == 403, response.text
    assert response.json() == NOT_SIGNED
    comments.approve(comment)  # still there to approve (pre-moderation)
    assert [c["createdAt"] for c in api.all_comments(slug)] == [comment["createdAt"]]


def test_the_moderator_deletes_one_comment(
    api: Api, comments: Comments, moderator: CommentsApi | None, slug: str
) -> None:
    if moderator is None:
        pytest.skip("no moderator credentials (SMOKE_MODERATOR_PROFILE); checked the refusal only")
    kept = comments.publish(slug=slug, author="smoke", comment="kept")
    spam = comments.publish(slug=slug, author="smoke", comment="spam")
    deleted = moderator.delete(slug, spam["createdAt"])
    assert deleted is not None and deleted["comment"] == "spam"
    assert [c["createdAt"] for c in api.all_comments(slug)] == [kept["createdAt"]]
    assert moderator.delete(slug, spam["createdAt"]) is None  # idempotent: nothing there any more


def test_a_pending_comment_waits_for_approval(
    api: Api, comments: Comments, moderator: CommentsApi | None, slug: str
) -> None:
    if not comments.pre_moderated:
        pytest.skip("post-moderating stack: comments are public at once (the read-back tests)")
    pending = comments.submit(slug=slug, author="smoke", comment="waits for a moderator")
    assert api.list_comments(slug=slug).json() == {"items": [], "next": None}
    comments.approve(pending)  # without credentials: the unsigned approval refused, then skipped
    assert moderator is not None
    assert moderator.approve(slug, pending["createdAt"]) is None  # approved already: 404
    assert api.all_comments(slug) == [pending]
