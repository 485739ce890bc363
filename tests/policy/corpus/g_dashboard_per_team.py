"""Two more dashboards, one per team watching the service: $3 a month each, and the budget
counted no dashboard."""

from typing import Any

import pulumi_aws as aws

CLASS = "g"
EXPECT = [("dynamodb-monthly-cost-budget", "CloudWatch dashboards $9.0000 (3 resources)")]


def apply(service: Any) -> None:
    for team in ("support", "product"):
        aws.cloudwatch.Dashboard(
            f"comments-prod-{team}-dashboard",
            dashboard_name=f"comments-prod-{team}",
            dashboard_body='{"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, '
            '"height": 2, "properties": {"markdown": "comments"}}]}',
        )
