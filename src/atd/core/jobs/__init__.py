"""The job system: django-tasks (database backend) for the queue, plus what it lacks — periodic
firing once per period across replicas, leases that let a killed worker's job be retried,
retries with backoff, and progress an admin can see. ADR 0015 explains the choice."""
