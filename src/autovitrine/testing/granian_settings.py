"""Settings of the granian server the browser tests start: production's, plus what the tests
themselves run with (fast password hashing, tasks run at once, no manifest of built assets), and
the URL that makes the server forget one test's in-memory state before the next
(``testing.granian_urls``)."""

from autovitrine.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ROOT_URLCONF = "autovitrine.testing.granian_urls"

import faulthandler  # noqa: E402
import signal  # noqa: E402

faulthandler.register(signal.SIGUSR1, all_threads=True)
