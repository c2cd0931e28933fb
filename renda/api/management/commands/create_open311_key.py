from django.core.management.base import BaseCommand, CommandError

from renda.api.models import Open311Key
from renda.congress.models import Congress
from renda.core import audit


class Command(BaseCommand):
    help = "Create an Open311 API key for one congress. The key is printed once, as the last line."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("name", help="Who the key is for, e.g. the 12345 hotline system.")
        parser.add_argument(
            "--congress", type=int, help="Congress id (default: the only town congress)."
        )

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        congress_id = options.get("congress")
        if congress_id:
            congress = Congress.objects.filter(
                pk=congress_id, is_active=True, level__in=["town", "county"]
            ).first()
        else:
            towns = list(Congress.objects.filter(level="town", is_active=True)[:2])
            congress = towns[0] if len(towns) == 1 else None
            if congress is None and towns:
                raise CommandError("Several congresses exist: name one with --congress ID.")
        if congress is None:
            raise CommandError("No such congress.")
        key, secret = Open311Key.issue(name=options["name"], congress=congress)
        audit.record("open311.key_created", key, congress_id=congress.pk)
        self.stdout.write(f"Open311 key for {congress} ({options['name']}):")
        self.stdout.write(secret)
