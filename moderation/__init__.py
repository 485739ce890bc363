"""The moderation CLI: list, delete, and (with pre-moderation) review and approve comments."""
