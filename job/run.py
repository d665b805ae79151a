"""Pivot Cross-Intel Sharing: ThreatConnect runs Job apps as Python, so this runner only
starts the bundled, statically linked pivot-share (all the logic is there) with the
arguments and environment ThreatConnect gave it, unchanged. Standard library only."""

import os
import stat
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY = os.path.join(HERE, "bin", "pivot-share")


def out_path():
    """tc_out_path from the arguments, if ThreatConnect passed them there (else the
    working directory, as tcex writes message.tc when it has no out path)."""
    args = sys.argv[1:]
    for i, a in enumerate(args):
        if a == "--tc_out_path" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--tc_out_path="):
            return a.split("=", 1)[1]
    return "."


def fail(message):
    """The reason in message.tc (what ThreatConnect shows), on stderr, and exit 1."""
    sys.stderr.write("pivot-share runner: " + message + "\n")
    try:
        with open(os.path.join(out_path(), "message.tc"), "w") as f:
            f.write(message[:254] + "\n")
    except OSError:
        pass
    sys.exit(1)


def noexec(path):
    """True when the file system holding path is mounted noexec."""
    try:
        return bool(os.statvfs(path).f_flag & getattr(os, "ST_NOEXEC", 8))
    except OSError:
        return False


def main():
    if not os.path.isfile(BINARY):
        fail("Failed: the package is incomplete: bin/pivot-share is missing from " + HERE + ".")
    mode = os.stat(BINARY).st_mode
    want = mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
    if mode != want:
        # Unzipping may drop the executable bit.
        try:
            os.chmod(BINARY, want)
        except OSError as e:
            fail("Failed: cannot make bin/pivot-share executable (" + e.strerror + ").")
    if noexec(BINARY):
        fail("Failed: the app folder " + HERE + " is on a file system mounted noexec, so "
             "ThreatConnect's job host cannot run the bundled program. Ask the administrator to "
             "install apps on a file system mounted with exec (or remount it exec).")
    try:
        os.execv(BINARY, [BINARY] + sys.argv[1:])  # the environment passes unchanged
    except OSError as e:
        fail("Failed: cannot start bin/pivot-share (" + e.strerror + "): is this a Linux x86_64 job host?")


if __name__ == "__main__":
    main()
