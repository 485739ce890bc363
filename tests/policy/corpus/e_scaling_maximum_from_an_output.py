"""The table's scaling maximum computed inside an apply over the table's name, itself read back
from the table's ARN output: 40000 units against prod's caps of 10 and 5, and far over its
budget. Numbers unknown on a first deploy: the capacity and budget rules refuse them at preview."""

CLASS = "e"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "table_name=self.table.name,\n                    tags=tags,",
        'table_name=self.table.arn.apply(lambda arn: arn.rsplit("/", 1)[-1]),\n'
        "                    tags=tags,",
    ),
    (
        "infra/comments_infra/autoscaling.py",
        "max_capacity=scaling.maximum,",
        "max_capacity=pulumi.Output.from_input(table_name).apply(lambda _: 40000),",
    ),
]
EXPECT = [
    (
        "dynamodb-provisioned-capacity",
        "Target 'comments-prod-read-scaling' autoscaling maxCapacity for dynamodb:table:ReadCapacityUnits is 40000",
    ),
    (
        "dynamodb-provisioned-capacity",
        "Target 'comments-prod-write-scaling' autoscaling maxCapacity for dynamodb:table:WriteCapacityUnits is 40000",
    ),
    ("dynamodb-monthly-cost-budget", "above this stack's budget"),
]
EXPECT_PREVIEW = [
    (
        "dynamodb-provisioned-capacity",
        "Target 'comments-prod-read-scaling' maxCapacity is unknown at preview, so this rule cannot check it",
    ),
    (
        "dynamodb-provisioned-capacity",
        "Target 'comments-prod-write-scaling' maxCapacity is unknown at preview, so this rule cannot check it",
    ),
    (
        "dynamodb-monthly-cost-budget",
        "resourceId is unknown at preview, so this rule cannot check it",
    ),
    (
        "resource-inputs-reviewed",
        "Target 'comments-prod-read-scaling' maxCapacity is not known until apply",
    ),
    (
        "resource-inputs-reviewed",
        "Target 'comments-prod-write-scaling' maxCapacity is not known until apply",
    ),
]
