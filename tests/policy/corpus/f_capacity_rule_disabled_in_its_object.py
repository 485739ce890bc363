"""The capacity rule's entry keeps its caps and gains `"enforcementLevel": "disabled"` (the
object form of a level, easy to miss next to the numbers); the table's reads may scale to 30."""

from __future__ import annotations

CLASS = "f"
EXPECT = [
    (
        "dynamodb-provisioned-capacity",
        "Target 'comments-prod-read-scaling' autoscaling maxCapacity for dynamodb:table:ReadCapacityUnits is 30, above this stack's cap of 10 (maxReadCapacity)",
    ),
]
EDITS = [
    (
        "policy/config/prod.json",
        '"maxReadCapacity": 10,',
        '"enforcementLevel": "disabled",\n    "maxReadCapacity": 10,',
    )
]
CONFIG = {"comments:autoscalingMaxReadCapacity": 30}
