"""`atd scheduler`: an alias of `atd worker` (the same code: it fires periodic jobs once per
period across replicas and runs queued jobs). Kept so existing deployments keep working."""

from atd.core.management.commands.worker import Command as WorkerCommand


class Command(WorkerCommand):
    help = "Alias of `atd worker` (fires periodic jobs and runs queued jobs)"
