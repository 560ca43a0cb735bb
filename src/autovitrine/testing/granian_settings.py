"""Settings of the granian server the browser tests start: production's, plus what the tests
themselves run with (fast password hashing, tasks run at once, no manifest of built assets)."""

from autovitrine.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

import faulthandler  # noqa: E402
import signal  # noqa: E402

faulthandler.register(signal.SIGUSR1, all_threads=True)
