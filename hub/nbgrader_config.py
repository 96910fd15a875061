"""System-wide nbgrader configuration of a class on one server.

``hub/setup.sh`` installs it as ``<prefix>/venv/etc/jupyter/nbgrader_config.py`` (or where
``GDHUB_JUPYTER_ETC`` says, e.g. ``/etc/jupyter``) with the exchange root and course id appended;
every user's Jupyter server and every ``nbgrader`` or ``gdcourse`` command of the hub's
environment reads it. The course's own ``autograde/nbgrader_config.py`` keeps the root
set here (it only falls back to a course-local exchange when none is configured).

Learners need nothing else. The two exchange plugins come from ``hub/gdcourse_hub`` (installed in
the hub's environment by ``setup.sh``; ``pip install ./hub`` elsewhere):

* ``PrivateSubmit``: a submission in ``inbound/`` is ``0770``/``0640`` — its learner and the
  instructors' group, nobody else — instead of nbgrader's ``0777``/``0644``, and it is never
  readable by others while it is being copied;
* ``PrivateReleaseFeedback``: a released feedback page is readable by its learner alone (a POSIX
  ACL) and the instructors' group, instead of by anyone who knows its name.
"""

c = get_config()  # noqa: F821 - provided by traitlets

c.Exchange.root = "/srv/nbgrader/exchange"
c.CourseDirectory.course_id = "gdcourse"
# fetched assignments land in ~/gdcourse/<assignment>/, as the course's own config expects
c.Exchange.path_includes_course = True

try:
    import gdcourse_hub.exchange  # noqa: F401 - only where the plugins are installed
except ImportError:
    # another Python on this machine reading /etc/jupyter: nbgrader's own classes, rather than
    # an nbgrader that cannot start
    pass
else:
    c.ExchangeFactory.submit = "gdcourse_hub.exchange.PrivateSubmit"
    c.ExchangeFactory.release_feedback = "gdcourse_hub.exchange.PrivateReleaseFeedback"
