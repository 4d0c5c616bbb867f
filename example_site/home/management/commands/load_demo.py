from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from example_site.demo import iter_loaders

DEMO_ADMIN = ("admin", "changeme")


class Command(BaseCommand):
    help = _("Load the example site's demo content (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--create-admin",
            action="store_true",
            help=_(
                "Also create the superuser 'admin' (password 'changeme') if absent."
            ),
        )

    def handle(self, *args, create_admin=False, **options):
        home = None
        for name, module in iter_loaders():
            self.stdout.write(_("Loading %(name)s…") % {"name": name})
            result = module.load(home=home, stdout=self.stdout)
            if name == "core":
                home = result
        if create_admin:
            self._create_admin()
        self.stdout.write(self.style.SUCCESS(_("Demo content is ready.")))

    def _create_admin(self):
        username, password = DEMO_ADMIN
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                _("The admin account '%(name)s' already exists.") % {"name": username}
            )
            return
        User.objects.create_superuser(username, "admin@example.gov.cn", password)
        self.stdout.write(
            self.style.WARNING(
                _(
                    "Created the admin account: login '%(name)s', password '%(password)s'. "
                    "Change this password at once (Account settings in the admin)."
                )
                % {"name": username, "password": password}
            )
        )
