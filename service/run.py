"""Pivot as a ThreatConnect API Service: ThreatConnect runs service apps as Python, so this
runner only starts the bundled, statically linked pivot-service (all the logic is there) with
the arguments and environment ThreatConnect gave it, unchanged. Standard library only."""

import os
import stat
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY = os.path.join(HERE, "bin", "pivot-service")


def fail(message):
    """The reason on stderr (the service's log) and exit 1."""
    sys.stderr.write("pivot-service runner: " + message + "\n")
    sys.exit(1)


def noexec(path):
    """True when the file system holding path is mounted noexec."""
    try:
        return bool(os.statvfs(path).f_flag & getattr(os, "ST_NOEXEC", 8))
    except OSError:
        return False


def main():
    if not os.path.isfile(BINARY):
        fail("the package is incomplete: bin/pivot-service is missing from " + HERE + ".")
    mode = os.stat(BINARY).st_mode
    want = mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
    if mode != want:
        # Unzipping may drop the executable bit.
        try:
            os.chmod(BINARY, want)
        except OSError as e:
            fail("cannot make bin/pivot-service executable (" + e.strerror + ").")
    if noexec(BINARY):
        fail("the app folder " + HERE + " is on a file system mounted noexec, so ThreatConnect "
             "cannot run the bundled program. Ask the administrator to install apps on a file "
             "system mounted with exec.")
    try:
        os.execv(BINARY, [BINARY] + sys.argv[1:])  # the environment passes unchanged
    except OSError as e:
        fail("cannot start bin/pivot-service (" + e.strerror + "): is this a Linux x86_64 host?")


if __name__ == "__main__":
    main()
