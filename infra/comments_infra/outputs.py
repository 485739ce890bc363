"""Stack output names, shared by the program, its tests, the local deploy and the smoke tests."""

URL = "url"
TABLE_NAME = "tableName"
API_ID = "apiId"
STAGE_NAME = "stageName"
ALARM_TOPIC_ARN = "alarmTopicArn"
DASHBOARD_NAME = "dashboardName"
# The role a moderator assumes to sign moderation requests (python -m moderation).
MODERATOR_ROLE_ARN = "moderatorRoleArn"
# "pre" or "post" (comments:moderation): what POST /comments answers, so clients such as the smoke
# tests know whether a new comment is visible at once or waits for approval.
MODERATION = "moderation"
PRE_MODERATION = "pre"
POST_MODERATION = "post"

ALL = (
    URL,
    TABLE_NAME,
    API_ID,
    STAGE_NAME,
    ALARM_TOPIC_ARN,
    DASHBOARD_NAME,
    MODERATOR_ROLE_ARN,
    MODERATION,
)
