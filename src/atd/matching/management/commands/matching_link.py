"""atd match [--train] [--rebuild-keys]: link pending feed batches and new enrollments now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from atd.matching import services


class Command(BaseCommand):
    help = "Link unlinked feed batches and newly enrolled participants; --train retrains first."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--train", action="store_true", help="EM-train a new model version")
        parser.add_argument(
            "--rebuild-keys",
            action="store_true",
            help="rebuild the blocking-key table from the people tables (after a bulk load)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["rebuild_keys"]:
            written = services.blocking_keys_rebuild()
            self.stdout.write(f"blocking keys rebuilt: {written} name row(s)")
        if opts["train"]:
            model = services.linkage_model_train(actor=None, note="trained from the command line")
            self.stdout.write(f"model version {model.version} trained and active")
        for result in services.feed_batches_link_pending(actor=None):
            self.stdout.write(
                f"batch {result.run.batch_id}: {result.candidates_created} candidate(s) queued"
            )
        enrolled = services.enrollments_link_pending(actor=None)
        if enrolled is not None:
            self.stdout.write(f"new enrollments: {enrolled.candidates_created} candidate(s) queued")
