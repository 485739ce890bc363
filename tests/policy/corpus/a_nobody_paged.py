"""prod's alarms page nobody (`comments:alarmSubscriptions: []`): the seven alarms exist and tell
no one. Found by a review; operations-alarm-subscribers is advisory in prod's policy config."""

CLASS = "a"
CONFIG: dict[str, list[str]] = {"comments:alarmSubscriptions": []}
EXPECT = [("operations-alarm-subscribers", "has no subscription")]
KNOWN_GAP = "operations-alarm-subscribers is advisory in policy/config/prod.json"
