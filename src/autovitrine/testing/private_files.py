"""A pytest plugin loaded before Django (``-p`` in pyproject's options): the run's private files
(signatures, handover documents, workshop photos) go to a temporary folder, removed at the end.

The file fields of private documents take their storage when the models are imported, before any
fixture can change a setting, so without this every run wrote them into the checkout's
``var/private``, beside ``make run``'s own."""

import os
import shutil
import tempfile

import pytest

_RUN_FOLDER = "AUTOVITRINE_TEST_PRIVATE_MEDIA_ROOT"

if _RUN_FOLDER not in os.environ:  # the run's first process; its xdist workers inherit it
    os.environ[_RUN_FOLDER] = tempfile.mkdtemp(prefix="autovitrine-tests-private-")
os.environ["PRIVATE_MEDIA_ROOT"] = os.environ[_RUN_FOLDER]


def pytest_unconfigure(config: pytest.Config) -> None:
    if "PYTEST_XDIST_WORKER" not in os.environ:
        shutil.rmtree(os.environ.pop(_RUN_FOLDER), ignore_errors=True)
