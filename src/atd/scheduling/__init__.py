"""Office capacity, appointments, backlog horizon and planner."""
