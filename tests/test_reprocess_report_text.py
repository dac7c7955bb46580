"""`sohoa reprocess`'s text report says what changed in a list field: the decisions of the same
rules whose outcome changed are not called 'reordered' (walkthrough s14: a retention rule's new
period printed 'decisions: reordered')."""

from __future__ import annotations

from cli.reprocess_commands import _change


def test_a_list_change_names_what_changed() -> None:
    assert _change(["A7.2", "R.15"], ["A7.2", "R.15"]) == "same rules, other outcomes or evidence"
    assert _change(["A7.2", "R.15"], ["R.15", "A7.2"]) == "reordered"
    assert _change(["A7.2"], ["A7.2", "R.15"]) == "+ R.15"
    assert _change("5 năm", "10 năm") == "5 năm -> 10 năm"
