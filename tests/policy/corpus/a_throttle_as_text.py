"""The stage's rate limit given as text ("10000"): counted by its value, it is above prod's cap."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "throttling_rate_limit=settings.throttle_rate_limit,",
        'throttling_rate_limit="10000",',
    ),
]
EXPECT = [
    (
        "apigateway-throttling-within-caps",
        "throttlingRateLimit is 10000, above this stack's cap of 100 (maxRateLimit)",
    ),
]
