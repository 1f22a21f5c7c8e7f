"""Who may do what with devices (the API and the console pages share these sets).

Every office staff member sees the office's inventory. Fitting a device (assign, swap, return)
is the work of whoever supervises the wearer: a case officer or contractor specialist for a
participant in their own caseload, a supervisor for the office; the services check the
participant's and the device's scope. Receiving shipments, changing a device's lifecycle
state, rotating credentials and counting stock stay with supervisors and admins (ADR 0019).
"""

from __future__ import annotations

from atd.core.roles import Role

VIEW_ROLES = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
FITTING_ROLES = VIEW_ROLES
INVENTORY_ROLES = (Role.SUPERVISOR, Role.ADMIN)
