"""The course's nbgrader configuration (plain nbgrader, the formgrader and ``gdcourse`` all read it).

Paths are computed from this file's location (traitlets defines ``__file__`` while it loads a
config file), so it works whatever the current directory:

* source (with solutions and hidden tests): ``<course>/solutions/<assignment>/``
* release (learner copies, committed):      ``<course>/course/<assignment>/``
* submitted / autograded / feedback:         ``<course>/autograde/{submitted,autograded,feedback}/<student>/<assignment>/``
* gradebook:                                  ``<course>/autograde/gradebook.db`` (absolute sqlite URL)
* exchange: ``$GDCOURSE_EXCHANGE`` or ``<course>/autograde/exchange`` (set it to a shared
  folder, e.g. ``/srv/nbgrader/exchange``, on a JupyterHub)

Use it with plain nbgrader from the course root as
``JUPYTER_CONFIG_PATH=$PWD/autograde nbgrader <command> ...`` or ``cd autograde && nbgrader ...``.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

c.CourseDirectory.course_id = os.environ.get("GDCOURSE_COURSE_ID", "gdcourse")
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.submitted_directory = "autograde/submitted"
c.CourseDirectory.autograded_directory = "autograde/autograded"
c.CourseDirectory.feedback_directory = "autograde/feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# never release editor or OS litter, nor paired scripts (they would carry the solutions)
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store", "*.sol.py",
]

c.Exchange.root = os.environ.get("GDCOURSE_EXCHANGE", os.path.join(HERE, "exchange"))
if "GDCOURSE_EXCHANGE" not in os.environ:
    # nbgrader never creates the exchange, and without it the formgrader disables release and
    # collect; the course-local default is git-ignored, so a fresh clone needs it made here.
    try:
        os.makedirs(c.Exchange.root, exist_ok=True)
    except OSError:
        pass
c.Exchange.path_includes_course = True

# Plain `nbgrader autograde` stays usable (it is NOT the hardened pipeline: use `gdcourse grade`):
# a deleted test cell is re-inserted, and numpy warnings on stderr do not cost points (nbgrader's
# IgnorePattern does nothing unless enabled).
c.OverwriteCells.add_missing_cells = True
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r".*Warning.*"
c.Execute.timeout = 60

# Learner text is rendered for the instructor (formgrader) and in feedback: never run its HTML.
# nbgrader's own templates ignore `sanitize_html` for markdown cells, so every exporter also runs
# nbconvert's SanitizeHTML preprocessor (markdown, raw cells, HTML outputs; scripts dropped).
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.preprocessors = ["nbconvert.preprocessors.sanitize.SanitizeHTML"]

# Feedback never shows hidden tests (their source, their tracebacks), also for plain
# `nbgrader generate_feedback`; `gdcourse feedback --show-hidden` turns this off.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "gdcourse.commands.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# The hardened grader's own settings (gdcourse grade); all can be overridden on its command line.
c.GdGrade.workers = 2
c.GdGrade.cell_timeout = 30.0
c.GdGrade.timeout = 600.0
c.GdGrade.sandbox = os.environ.get("GDCOURSE_SANDBOX", "auto")  # auto | bwrap | none
c.GdGrade.memory_mb = 3072
c.GdGrade.nproc = 64

# A course-local override file (git-ignored), e.g. written by tests or by an instructor.
_local = os.path.join(HERE, "nbgrader_config_local.py")
if os.path.exists(_local):
    load_subconfig(_local)  # noqa: F821 - provided by traitlets
