"""The stage-wide throttling rate computed inside an apply over the access log group's ARN (an
output AWS assigns), 5000 requests a second against prod's cap of 100. Unknown on a first
deploy: the throttling rules refuse it at preview rather than let `up` apply it."""

CLASS = "e"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "throttling_rate_limit=settings.throttle_rate_limit,",
        "throttling_rate_limit=log_group.arn.apply(lambda _: 5000),",
    )
]
EXPECT = [
    (
        "apigateway-throttling-within-caps",
        "MethodSettings 'comments-prod-throttling' throttlingRateLimit is 5000, above this stack's cap of 100",
    ),
]
EXPECT_PREVIEW = [
    (
        "dynamodb-monthly-cost-budget",
        "MethodSettings 'comments-prod-throttling' settings.throttlingRateLimit is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-throttling-within-caps",
        "MethodSettings 'comments-prod-throttling' settings.throttlingRateLimit is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-stage-throttled",
        "MethodSettings 'comments-prod-throttling' settings.throttlingRateLimit is unknown at preview, so this rule cannot check it",
    ),
    (
        "resource-inputs-reviewed",
        "MethodSettings 'comments-prod-throttling' settings.throttlingRateLimit is not known until apply",
    ),
]
