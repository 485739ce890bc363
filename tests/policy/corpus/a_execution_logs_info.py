"""Execution logging at INFO "to debug a 500": API Gateway writes to a log group it creates outside
the stack, kept forever; dataTraceEnabled stays false, so the access-logging rule passes."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        'logging_level="OFF",',
        'logging_level="INFO",',
    ),
]
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "MethodSettings 'comments-prod-throttling' sets loggingLevel 'INFO'",
    ),
    (
        "resource-inputs-reviewed",
        "MethodSettings 'comments-prod-throttling' settings.loggingLevel is 'INFO'",
    ),
]
