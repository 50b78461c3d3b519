"""Send a Celery task by its registered name.

Services never import task modules: the tasks import the services (a task takes ids and calls one
service), so an import the other way would close a cycle. A service names the task instead, and
this looks it up in the app's registry at send time, when every app's ``ready()`` has imported its
tasks. ``tests/test_import_graph.py`` checks that every name sent and every name in the beat
schedule is registered. The registered task object is used (not ``send_task``), so eager mode, the
task's own options and test doubles of ``delay`` keep working.
"""

from config.celery import app


def send(task_name: str, *args) -> None:
    """Queue ``task_name`` with ``args`` (ids and plain values only)."""
    app.tasks[task_name].delay(*args)
