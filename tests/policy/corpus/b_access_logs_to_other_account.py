"""Access logs computed from the stack's log group but sent to the same-named log group of another
account: provenance is the log group, the value is someone else's."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "lambda values: log_group_arn(*values[0], values[1])",
        'lambda values: log_group_arn(values[0][0], values[0][1], "444444444444", values[1])',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "Stage 'comments-prod-stage' accessLogSettings.destinationArn is 'arn:aws:logs:us-east-1:444444444444:log-group:comments-prod-access-logs-0c4a3e6'",
    ),
]
