"""The integration role's policy as text with `Resource` written twice in its statement, "*"
first, then the table: the pack's reader (Python's, last wins) would see only the table, while
a reader that keeps the first sees every table of the account."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        '    return json.dumps({"Version": "2012-10-17", "Statement": statements})\n',
        '    return json.dumps({"Version": "2012-10-17", "Statement": statements}).replace(\n'
        '        \'"Resource": \', \'"Resource": "*", "Resource": \', 1\n'
        "    )\n",
    ),
]
EXPECT = [
    (
        "iam-least-privilege",
        "RolePolicy 'comments-prod-integration-access' policy repeats the key 'Resource'",
    ),
    # Unread, the policy grants nothing the stack can vouch for: every integration's call fails.
    *[
        (
            "stack-integration-role-grants-table",
            f"RestApi 'comments-prod-api' {route} calls dynamodb:{action} as role",
        )
        for route, action in (
            ("DELETE /comments", "DeleteItem"),
            ("GET /comments", "Query"),
            ("POST /comments", "UpdateItem"),
        )
    ],
]
