"""The table ignores changes to point-in-time recovery: "stop the deploy from fighting the
console toggle". A console switch-off then survives every deploy, while the state the pack reads
still says it is on."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        'ignore_changes=[f"{kind.lower()}Capacity" for kind, on in scaling.items() if on],',
        'ignore_changes=[f"{kind.lower()}Capacity" for kind, on in scaling.items() if on]\n'
        '                + ["pointInTimeRecovery"],',
    )
]
EXPECT = [("resource-options-reviewed", "ignores changes to 'pointInTimeRecovery'")]
