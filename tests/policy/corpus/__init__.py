"""The bypass corpus: each module is one attempt to get a change past the policy pack.

A module says what it tries in its docstring and declares:
- `CLASS`: the kind of attempt, one of `ATTEMPT_CLASSES` below;
- `EXPECT`: the exact mandatory findings, `(policy name, fragment of its message)` each;
- optionally `EDITS`: `(path, old, new)` replacements in a copy of the repository (a program,
  stack-config or policy-config edit; each `old` must occur);
- optionally `CONFIG`: stack config overrides for `prod` (`{"comments:key": value}`);
- optionally `apply(service)`: code run at the end of `infra/__main__.py` with the program's
  `CommentsService`;
- optionally `EXIT = 2` with `ERROR`, a fragment of the error line: the program itself refuses
  the change (its settings validation), so `make policy` exits 2 and `pulumi preview` fails too;
  `EXPECT` is then empty;
- optionally `EXPECT_PREVIEW`: the exact mandatory findings at preview, when they differ from
  `EXPECT` (a value unknown at preview is refused as undecidable, by the rules that read it);
- optionally `PREVIEW_GAP`: why the entry does not yet fail at preview (a known gap, reported as
  a strict xfail, so the day it fails there the marker must go);
- optionally `KNOWN_GAP`: why the pack does not refuse the entry yet in either mode (an attempt a
  review got through, recorded with the findings it should produce; a strict xfail in both).

tests/policy/test_corpus.py checks every entry against `make policy ENV=prod` in both offline
modes: known values, and a preview of a first deploy (every created resource's outputs unknown).
"""

ATTEMPT_CLASSES = {
    "a": "inputs no rule reads",
    "b": "a reference whose provenance is checked but whose value is not",
    "c": "resource options the pack never sees",
    "d": "the meaning of the API document",
    "e": "values unknown at preview",
    "f": "the change edits the pack or its config alongside the program",
    "g": "cost outside the budget",
}
