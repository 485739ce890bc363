"""A second `dynamodb-provisioned-capacity` key at the end of prod's policy config: the JSON
reader keeps the last, the reviewer reads the first. The table's reads may scale to 40."""

from __future__ import annotations

CLASS = "f"
EXPECT = [
    (
        "dynamodb-provisioned-capacity",
        "Target 'comments-prod-read-scaling' autoscaling maxCapacity for dynamodb:table:ReadCapacityUnits is 40, above this stack's cap of 10 (maxReadCapacity)",
    ),
]
EDITS = [
    (
        "policy/config/prod.json",
        '"operations-budget-own-account": {',
        '"dynamodb-provisioned-capacity": {"maxReadCapacity": 400, "maxWriteCapacity": 5},\n'
        '  "operations-budget-own-account": {',
    )
]
CONFIG = {"comments:autoscalingMaxReadCapacity": 40}
