from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

GROUP_NAME = "Network administrators"

# Viewing is seeing the queue, the members and the audit trail; "change" on requests
# and memberships is what the decision and revocation actions ask for (the rows
# themselves stay read-only in the admin). Scope comes from NetworkAdministrator rows.
PERMISSIONS = [
    ("access_requests", "view_accessrequest"),
    ("access_requests", "change_accessrequest"),
    ("access_requests", "view_membership"),
    ("access_requests", "change_membership"),
    ("accounts", "view_auditevent"),
]


class Command(BaseCommand):
    help = (
        f'Create or update the "{GROUP_NAME}" group with exactly the permissions a '
        "network administrator needs. Add a staff user to it and give them "
        "NetworkAdministrator rows for their networks."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        group, created = Group.objects.get_or_create(name=GROUP_NAME)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in PERMISSIONS
        ]
        group.permissions.set(permissions)
        if options["verbosity"] >= 1:
            verb = "Created" if created else "Updated"
            self.stdout.write(f'{verb} the group "{GROUP_NAME}" ({len(permissions)} permissions).')
