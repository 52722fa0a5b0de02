"""Short names for the five roles, for the services' own access tests.

The authorisation matrix over every operation of the four services is
`tests/security/test_authorisation_matrix.py`, its expected cells
`tests/security/authorisation_matrix.md`.
"""

from __future__ import annotations

from shared.auth import Role

DA, CA, TL, VO, RE = (
    Role.DISTRICT_ADMIN,
    Role.COMMUNITY_ADMIN,
    Role.TEAM_LEADER,
    Role.VOLUNTEER,
    Role.RESIDENT,
)
COMMUNITY_ROLES = (CA, TL, VO, RE)
EVERYONE = (DA, CA, TL, VO, RE)
