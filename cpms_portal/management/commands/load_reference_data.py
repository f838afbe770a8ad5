from django.core.management.base import BaseCommand

from access_requests.reference_data import load_access_reference_data
from preferences.reference_data import load_thematic_areas


class Command(BaseCommand):
    help = (
        "Load the applications, ERN organisation tree, access profiles and thematic areas. "
        "Idempotent: only missing rows are created, administrators' edits are kept."
    )

    def handle(self, *args, **options):
        report = load_access_reference_data()
        report.add("thematic areas", load_thematic_areas())
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded: {report}."))
