"""The roles' permissions boundary set to AWS's PowerUserAccess ("the boundary blocked a feature"): a
boundary that allows nearly everything bounds nothing. The boundary is outside the stack by design,
so only its value can be checked."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/service.py",
        'return f"arn:aws:iam::{account_id}:policy/{BOUNDARY_POLICY_PATH}/{service_name}-integration-boundary"',
        'return "arn:aws:iam::aws:policy/PowerUserAccess"',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "Role 'comments-prod-integration-role' permissionsBoundary is 'arn:aws:iam::aws:policy/PowerUserAccess'",
    ),
    (
        "resource-inputs-reviewed",
        "Role 'comments-prod-moderator-role' permissionsBoundary is 'arn:aws:iam::aws:policy/PowerUserAccess'",
    ),
]
