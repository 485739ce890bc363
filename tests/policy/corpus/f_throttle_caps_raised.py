"""A launch: prod's throttling caps and the stage's limits go up together, fifty-fold."""

from __future__ import annotations

CLASS = "f"
EXPECT = [
    (
        "apigateway-throttling-within-caps",
        "MethodSettings 'comments-prod-throttling' throttlingRateLimit is 5000, above this stack's cap of 100 (maxRateLimit)",
    ),
    (
        "apigateway-throttling-within-caps",
        "MethodSettings 'comments-prod-throttling' throttlingBurstLimit is 5000, above this stack's cap of 200 (maxBurstLimit)",
    ),
]
EDITS = [
    ("policy/config/prod.json", '"maxRateLimit": 100,', '"maxRateLimit": 5000,'),
    ("policy/config/prod.json", '"maxBurstLimit": 200', '"maxBurstLimit": 5000'),
]
CONFIG = {"comments:throttleRateLimit": 5000, "comments:throttleBurstLimit": 5000}
