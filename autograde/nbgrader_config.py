"""The course's nbgrader configuration (plain nbgrader, the formgrader and ``gdcourse`` all read it).

Paths are computed from this file's location (traitlets defines ``__file__`` while it loads a
config file), so it works whatever the current directory:

* source (with solutions and hidden tests): ``<course>/solutions/<assignment>/``
* release (learner copies, committed):      ``<course>/course/<assignment>/``
* submitted / autograded / feedback:         ``<course>/autograde/{submitted,autograded,feedback}/<student>/<assignment>/``
* gradebook:                                  ``<course>/autograde/gradebook.db`` (absolute sqlite URL)
* exchange: ``$GDCOURSE_EXCHANGE``; else the ``Exchange.root`` another nbgrader config file on
  Jupyter's config path sets (``/etc/jupyter``, the environment's ``etc/jupyter``, ``~/.jupyter``:
  a JupyterHub's system-wide setting is kept); else ``<course>/autograde/exchange``

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

_SCANNING = "_GDCOURSE_EXCHANGE_SCAN"


def _exchange_root_elsewhere() -> str | None:
    """The ``Exchange.root`` set by another nbgrader config file on Jupyter's config path.

    nbgrader loads this file after the system-wide and user-wide ones (it is found in the working
    directory or first on ``JUPYTER_CONFIG_PATH``), so whatever it sets wins: it must not replace
    a shared exchange configured for every user of a server with a course-local folder. The
    folders are read in Jupyter's priority order, highest first, and the first file naming a root
    decides, as it would without this file.
    """
    try:
        from jupyter_core.paths import jupyter_config_path
        from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader
    except ImportError:
        return None
    me = os.path.realpath(__file__)
    os.environ[_SCANNING] = "1"     # another course's copy of this file must not scan again
    try:
        for folder in jupyter_config_path():
            # nbgrader reads the .json after the .py of one folder: the .json wins
            for name, loader in (("nbgrader_config.json", JSONFileConfigLoader),
                                 ("nbgrader_config.py", PyFileConfigLoader)):
                path = os.path.join(folder, name)
                if not os.path.isfile(path) or os.path.realpath(path) == me:
                    continue
                try:
                    other = loader(name, path=folder).load_config()
                except Exception:  # noqa: BLE001 - a broken file is nbgrader's to report
                    continue
                if "Exchange" in other and other.Exchange.get("root"):
                    return str(other.Exchange.root)
    finally:
        os.environ.pop(_SCANNING, None)
    return None


if _SCANNING not in os.environ:
    if os.environ.get("GDCOURSE_EXCHANGE"):
        c.Exchange.root = os.environ["GDCOURSE_EXCHANGE"]
    else:
        _elsewhere = _exchange_root_elsewhere()
        if _elsewhere:
            # set here too: `gdcourse` reads only this file, and must collect where learners submit
            c.Exchange.root = _elsewhere
        else:
            c.Exchange.root = os.path.join(HERE, "exchange")
            # nbgrader never creates the exchange, and without it the formgrader disables release
            # and collect; the course-local default is git-ignored, so a fresh clone needs it.
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
