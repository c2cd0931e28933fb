from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from renda.api.models import ApiToken
from renda.core import audit


class Command(BaseCommand):
    help = "Create a REST API token acting as a user. The token is printed once, as the last line."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("username")
        parser.add_argument("name", help="What the token is for.")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        user = get_user_model().objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError("No such active user.")
        token, secret = ApiToken.issue(user=user, name=options["name"])
        audit.record("api.token_created", token, actor=None, congress_id=user.home_congress_id)
        self.stdout.write(f"API token for {user.username} ({options['name']}):")
        self.stdout.write(secret)
