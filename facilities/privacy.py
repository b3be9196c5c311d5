"""What families may learn from a facility's roster, as pure rules.

The roster is not public: a family looking for the person they want to visit types at
least ROSTER_NAME_MIN_LETTERS letters of a name, or the person's whole ID number, and sees
at most ROSTER_RESULTS_MAX people. A housing unit's name can say a person's health or
custody level, so it is shown only where the facility marks the unit as shown to families.
"""

ROSTER_NAME_MIN_LETTERS = 3
ROSTER_RESULTS_MAX = 20


def roster_name_query_allowed(query: str) -> bool:
    """Whether `query` may be matched against names: one of its words has at least
    ROSTER_NAME_MIN_LETTERS letters."""
    return any(
        sum(char.isalpha() for char in word) >= ROSTER_NAME_MIN_LETTERS for word in query.split()
    )
