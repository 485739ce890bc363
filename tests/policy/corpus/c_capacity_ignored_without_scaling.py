"""Read auto scaling is turned off in prod, and the table's ignoreChanges is "simplified" to
always ignore both capacities: read capacity now drifts with nothing owning it."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
CONFIG = {"comments:autoscalingMaxReadCapacity": 0}
EDITS = [
    (
        SERVICE,
        'ignore_changes=[f"{kind.lower()}Capacity" for kind, on in scaling.items() if on],',
        'ignore_changes=["readCapacity", "writeCapacity"],',
    )
]
EXPECT = [
    (
        "ignore-changes-autoscaled-capacity",
        "ignores changes to 'readCapacity', but no scaling target of this stack scales its "
        "dynamodb:table:ReadCapacityUnits",
    )
]
