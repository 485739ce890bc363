"""prod's access logs kept one day (`comments:logRetentionDays: 1`): abuse older than a day can no
longer be traced. Found by a review; the access-logging rule only asks for more than 0 days."""

CLASS = "a"
CONFIG = {"comments:logRetentionDays": 1}
EXPECT = [("apigateway-stage-access-logging", "retention")]
KNOWN_GAP = "no policy parameter sets a minimum log retention per stack yet"
