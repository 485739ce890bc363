"""A traffic spike "needs" more reads: the pull request raises prod's read cap in
policy/config/prod.json and, in the same change, the auto scaling ceiling of the table's reads to the
new cap."""

from __future__ import annotations

CLASS = "f"
EXPECT = [
    (
        "dynamodb-provisioned-capacity",
        "Target 'comments-prod-read-scaling' autoscaling maxCapacity for dynamodb:table:ReadCapacityUnits is 25, above this stack's cap of 10 (maxReadCapacity)",
    ),
]
EDITS = [("policy/config/prod.json", '"maxReadCapacity": 10,', '"maxReadCapacity": 25,')]
CONFIG = {"comments:autoscalingMaxReadCapacity": 25}
