"""nbgrader exchange plugins for a class whose learners are real unix users on one server.

nbgrader's own exchange leaves privacy to an unlistable ``inbound/`` folder and a random suffix:
a submission is ``0777`` with ``0644`` files, so a learner who learns its path (a shared screen,
a log line) reads it; a released feedback page is ``0644`` under a name derived from a secret.
These two subclasses, selected with ``c.ExchangeFactory.submit`` and
``c.ExchangeFactory.release_feedback`` (``hub/nbgrader_config.py``), keep nbgrader's layout,
names and behaviour and change only who may read:

* :class:`PrivateSubmit` — a submission is copied into a ``0700`` folder and then opened to the
  group of ``inbound/`` (the instructors': ``inbound/`` is setgid, so every submission carries
  its group): folders ``0770``, files ``0640``. Other learners get nothing, at any moment.
* :class:`PrivateReleaseFeedback` — a feedback page is written ``0600`` and then given a POSIX
  ACL: read for its learner (the unix user named like the student id), read for the group of
  ``feedback/`` (setgid as well), nothing for others. Where ACLs are not supported or the student
  is not a local user, the page falls back to nbgrader's ``0644`` and a warning says so.
"""

from __future__ import annotations

import errno
import glob
import os
import pwd
import re
import secrets
import shutil
import struct

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import notebook_hash

FILE_MODE = 0o640     # the learner writes, the instructors' group reads
DIR_MODE = 0o770      # the instructors' group may also remove a submission (as nbgrader's 0777)

# POSIX ACL as Linux stores it in the ``system.posix_acl_access`` extended attribute
# (include/uapi/linux/posix_acl_xattr.h): a version, then (tag, permissions, id) entries in
# tag order. Written directly, so that no ``acl`` package is needed.
_ACL_XATTR = "system.posix_acl_access"
_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_UNDEFINED_ID = 0xFFFFFFFF
_R, _W = 4, 2


def acl_for_reader(uid: int) -> bytes:
    """The ACL "owner rw, user ``uid`` r, owning group r, others nothing" as xattr bytes.

    Parameters
    ----------
    uid
        The one extra user who may read the file.

    Returns
    -------
    bytes
        The value of ``system.posix_acl_access``; the file's mode becomes ``0640``.
    """
    entries = [(_USER_OBJ, _R | _W, _UNDEFINED_ID), (_USER, _R, uid),
               (_GROUP_OBJ, _R, _UNDEFINED_ID), (_MASK, _R, _UNDEFINED_ID),
               (_OTHER, 0, _UNDEFINED_ID)]
    return struct.pack("<I", _ACL_VERSION) + b"".join(struct.pack("<HHI", *e) for e in entries)


def acl_readers(path: str) -> list[int]:
    """The uids a file's ACL names (empty without an ACL): for checks and tests.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    list of int
        The ``ACL_USER`` entries' uids.
    """
    try:
        data = os.getxattr(path, _ACL_XATTR)
    except OSError:
        return []
    uids = []
    for off in range(4, len(data) - 7, 8):
        tag, _perm, ident = struct.unpack_from("<HHI", data, off)
        if tag == _USER:
            uids.append(ident)
    return uids


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's ``submit``, with the copy in ``inbound/`` readable only by its learner and the
    instructors' group (nbgrader makes it ``0777``/``0644``)."""

    def copy_files(self) -> None:
        """Copy the assignment to ``inbound/`` privately, then to the learner's cache.

        The same steps, names and checks as nbgrader's ``ExchangeSubmit.copy_files`` (size limit,
        ignore rules, missing-notebook check, timestamp and submission secret), except that the
        submission folder is created ``0700`` before anything is copied into it, and only opened
        to the group when complete.
        """
        self.init_release()
        submission_secret = secrets.token_hex(64)
        dest_path = os.path.join(self.inbound_path, self.assignment_filename)
        if self.add_random_string:
            cache_path = os.path.join(self.cache_path, self.assignment_filename.rsplit("+", 1)[0])
        else:
            cache_path = os.path.join(self.cache_path, self.assignment_filename)
        self.log.info("Source: %s", self.src_path)
        self.log.info("Destination: %s", dest_path)
        self.check_filename_diff()

        os.mkdir(dest_path, 0o700)
        # nbgrader's do_copy (size limit, ignore patterns) needs a folder that does not exist
        # yet: copy into a hidden one inside the private folder, then move the entries up
        stage = os.path.join(dest_path, f".incoming-{secrets.token_hex(8)}")
        self.do_copy(self.src_path, stage)
        for name in os.listdir(stage):
            os.rename(os.path.join(stage, name), os.path.join(dest_path, name))
        os.rmdir(stage)
        _write_private(os.path.join(dest_path, "timestamp.txt"), self.timestamp)
        _write_private(os.path.join(dest_path, "submission_secret.txt"), submission_secret)
        self.set_perms(dest_path, fileperms=FILE_MODE, dirperms=DIR_MODE)

        # the learner's own copy (their home), exactly as nbgrader keeps it
        if not os.path.isdir(self.cache_path):
            os.makedirs(self.cache_path)
        self.do_copy(self.src_path, cache_path)
        with open(os.path.join(cache_path, "timestamp.txt"), "w") as fh:
            fh.write(self.timestamp)
        with open(os.path.join(cache_path, "submission_secret.txt"), "w") as fh:
            fh.write(submission_secret)
        self.log.info("Submitted as: %s %s %s", self.coursedir.course_id,
                      self.coursedir.assignment_id, self.timestamp)


class PrivateReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's ``release_feedback``, with each page readable by its learner alone (and the
    instructors' group) instead of by anyone who knows its name."""

    def copy_files(self) -> None:
        """Release every feedback page of the assignment, as nbgrader does, privately.

        Pages are found, named (``<hash of the submission secret>.html``) and replaced
        atomically exactly as by nbgrader's ``ExchangeReleaseFeedback.copy_files``.
        """
        excluded = set(filter(None, (self.coursedir.student_id_exclude or "").split(",")))
        pattern = re.escape(os.path.sep).join([
            self.coursedir.format_path(self.coursedir.feedback_directory, "(?P<student_id>.*)",
                                       self.coursedir.assignment_id, escape=True),
            "(?P<notebook_id>.*).html"])
        for html_file in sorted(glob.glob(os.path.join(self.src_path, "*.html"))):
            m = re.match(pattern, html_file)
            if m is None:
                self.log.error("Could not match '%s' with regexp '%s'", html_file, pattern)
                continue
            student_id, notebook_id = m.group("student_id"), m.group("notebook_id")
            if student_id in excluded:
                self.log.debug("Skipping student '%s'", student_id)
                continue
            folder = os.path.dirname(html_file)
            with open(os.path.join(folder, "timestamp.txt")) as fh:
                timestamp = fh.read()
            with open(os.path.join(folder, "submission_secret.txt")) as fh:
                secret = fh.read()
            checksum = notebook_hash(secret=secret, notebook_id=notebook_id)
            self.log.info("Releasing feedback for student '%s' on assignment '%s/%s/%s' (%s)",
                          student_id, self.coursedir.course_id, self.coursedir.assignment_id,
                          notebook_id, timestamp)
            tmp = os.path.join(self.dest_path, f"{checksum}-tmp.html")
            final = os.path.join(self.dest_path, f"{checksum}.html")
            self._write_for(html_file, tmp, student_id)
            os.replace(tmp, final)
            self.log.info("Feedback released to: %s", final)

    def _write_for(self, src: str, dest: str, student_id: str) -> None:
        """Copy ``src`` to a new ``dest`` that only its owner, ``student_id`` and the group read."""
        try:
            os.unlink(dest)          # a leftover of an interrupted release, with its old mode
        except FileNotFoundError:
            pass
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out)
            out.flush()
            try:
                uid = pwd.getpwnam(student_id).pw_uid
                os.setxattr(out.fileno(), _ACL_XATTR, acl_for_reader(uid))
            except KeyError:
                self._fallback(out.fileno(), f"no local user named {student_id!r}")
            except OSError as exc:
                if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
                    raise
                self._fallback(out.fileno(), f"no POSIX ACLs here ({exc.strerror})")

    def _fallback(self, fd: int, why: str) -> None:
        # nbgrader's own mode: the learner must be able to fetch it
        os.fchmod(fd, 0o644)
        self.log.warning("feedback page readable by anyone who knows its name: %s", why)
