"""The API document as text with a second `security` key on DELETE /comments: Python's json keeps
the last (SigV4), so every rule reading it sees a signed route; an importer that keeps the first
gets `security: []`, anonymous, and anyone may delete comments."""

CLASS = "d"
EDITS = [
    (
        "infra/comments_infra/api_definition.py",
        'return json.dumps(document, sort_keys=True, separators=(",", ":"))',
        'return json.dumps(document, sort_keys=True, separators=(",", ":")).replace(\n'
        '        \'"delete":{\', \'"delete":{"security":[],\', 1\n'
        "    )",
    ),
]
_BODY = [
    (policy, "RestApi 'comments-prod-api' body repeats the key 'security' in one object")
    for policy in (
        "apigateway-write-validation",
        "apigateway-integration-credentials",
        "apigateway-cors-origin",
        "apigateway-iam-authorization",
    )
]
# With the body unreadable, no route is known to be signed, so the moderator's grant on DELETE
# /comments names no AWS_IAM method; at preview that rule waits for the API's id, drawn at create.
EXPECT = [
    *_BODY,
    (
        "stack-iam-targets-own-table",
        "RolePolicy 'comments-prod-moderator-access' policy statement 'ModerationRoutes' names",
    ),
]
EXPECT_PREVIEW = _BODY
