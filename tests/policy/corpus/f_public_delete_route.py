"""A "self-service delete": DELETE /comments joins prod's publicRoutes and the API document
drops the route's SigV4 requirement, so anyone may delete any comment."""

from __future__ import annotations

CLASS = "f"
EXPECT = [
    (
        "apigateway-iam-authorization",
        "RestApi 'comments-prod-api' DELETE /comments is not AWS_IAM-authorized",
    ),
]
EDITS = [
    (
        "policy/config/prod.json",
        '"OPTIONS /comments"\n',
        '"OPTIONS /comments",\n      "DELETE /comments"\n',
    ),
    (
        "infra/comments_infra/api_definition.py",
        'POST_MODERATION_ROUTES = (("DELETE", COMMENTS_PATH),)\n'
        "PRE_MODERATION_ROUTES = (*POST_MODERATION_ROUTES,",
        "POST_MODERATION_ROUTES: tuple[tuple[str, str], ...] = ()\n"
        'PRE_MODERATION_ROUTES = (("DELETE", COMMENTS_PATH),',
    ),
    (
        "infra/comments_infra/api_definition.py",
        '"summary": "Moderation: delete one comment (SigV4, the stack\'s moderator role)",\n        "security": [{SIGV4_SCHEME: []}],',
        '"summary": "Moderation: delete one comment (SigV4, the stack\'s moderator role)",\n        "security": [],',
    ),
]
