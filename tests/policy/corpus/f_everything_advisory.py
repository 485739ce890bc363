"""One word in the policy config: `"all": "advisory"`. Every policy without a level of its own
(most of them: their entries hold only parameters) now only warns, and the same pull request
raises the stage's throttling past prod's caps."""

from __future__ import annotations

CLASS = "f"
EXPECT = [
    (
        "apigateway-throttling-within-caps",
        "MethodSettings 'comments-prod-throttling' throttlingRateLimit is 1000, above this stack's cap of 100 (maxRateLimit)",
    ),
    (
        "apigateway-throttling-within-caps",
        "MethodSettings 'comments-prod-throttling' throttlingBurstLimit is 2000, above this stack's cap of 200 (maxBurstLimit)",
    ),
]
EDITS = [("policy/config/prod.json", '"all": "mandatory",', '"all": "advisory",')]
CONFIG = {"comments:throttleRateLimit": 1000, "comments:throttleBurstLimit": 2000}
