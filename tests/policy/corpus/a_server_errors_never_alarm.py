"""`comments:alarmServerErrorPercent: 100`, a value the stack settings accept: the 5xx alarm fires
when the share of 5xx answers is above 1, which it never is."""

CLASS = "a"
CONFIG = {"comments:alarmServerErrorPercent": 100}
EXPECT = [
    ("resource-inputs-reviewed", "MetricAlarm 'comments-prod-api-5xx-rate' threshold is 1"),
]
