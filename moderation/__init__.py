"""The moderation CLI: list, delete and approve comments through the API's signed routes."""
