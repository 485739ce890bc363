"""Moderator sessions of 12 hours "so moderators are not logged out": leaked moderator credentials
keep deleting comments for half a day."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "max_session_duration=3600,",
        "max_session_duration=43200,",
    ),
]
EXPECT = [
    ("resource-inputs-reviewed", "Role 'comments-prod-moderator-role' maxSessionDuration is 43200"),
]
