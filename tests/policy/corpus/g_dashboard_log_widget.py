"""A Logs Insights widget on the stack's dashboard ("latest 4xx"): each time anyone opens the
dashboard it scans the access log, billed per GB scanned, with no bound the stack sets."""

CLASS = "g"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        '        widget(12, 15, "Write capacity: consumed vs provisioned", capacity_metrics("Write")),\n',
        '        widget(12, 15, "Write capacity: consumed vs provisioned", capacity_metrics("Write")),\n'
        '        {"type": "log", "x": 0, "y": 21, "width": 24, "height": 6, "properties": {\n'
        '            "title": "Latest 4xx", "region": region, "view": "table",\n'
        '            "query": "SOURCE \'access\' | filter status >= 400 | sort @timestamp desc"}},\n',
    ),
]
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "Dashboard 'comments-prod-dashboard' has a 'log' widget",
    ),
]
