#!/usr/bin/python3
"""hangfs: a read-only FUSE mirror of a folder whose reads of some files never
return until released -- hung storage (a dead NFS server) on demand, for tests.

usage: hangfs.py SOURCE MOUNTPOINT --hang NAME [--hang NAME ...] [--released]

Everything under SOURCE is served read-only at MOUNTPOINT (getattr, readdir,
open, read, readlink, statfs pass through). A read() of a file named with
--hang (a path relative to SOURCE) blocks until the filesystem is released;
stat and open of that file answer normally, as on a hung NFS mount where only
the data does not come. Requests are served on many threads, so other files
keep answering while reads hang.

Signals (by PID):
  SIGUSR1  release: blocked reads return their data, later ones answer at once
  SIGUSR2  hang again (after --released or SIGUSR1)
  SIGTERM, SIGINT, SIGHUP
           blocked reads fail with EIO, the mount is detached (umount -l), exit 0;
           a SIGKILL instead makes the kernel fail them (ENOTCONN)

Lines on standard output, flushed at once, for the caller to wait on:
  mounted | hang NAME (a read began to hang) | released | hung | stopping

Uses Debian's python3-fusepy (module fusepy, libfuse2) and /dev/fuse; run it
as root, or as a user allowed to mount FUSE.
"""
import argparse
import errno
import os
import signal
import subprocess
import sys
import threading

try:
    from fusepy import FUSE, FuseOSError, Operations
except ImportError:  # fusepy from PyPI keeps its old module name
    from fuse import FUSE, FuseOSError, Operations

CONTROL_SIGNALS = {signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
STAT_FIELDS = ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_blocks", "st_blksize", "st_rdev")


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class HangFS(Operations):
    use_ns = True  # times in nanoseconds, as os.lstat gives them

    def __init__(self, source, hung, released):
        self.source = os.path.realpath(source)
        self.hung = {name.strip("/") for name in hung}
        self.gate = threading.Event()  # set: reads of hung files pass
        if released:
            self.gate.set()
        self.stopping = False
        self.mutex = threading.Lock()
        self.blocked = {}  # name -> reads blocked right now

    def _real(self, path):
        return os.path.join(self.source, path.lstrip("/"))

    def init(self, path):
        say("mounted")

    def getattr(self, path, fh=None):
        try:
            st = os.lstat(self._real(path))
        except OSError as error:
            raise FuseOSError(error.errno)
        attributes = {key: getattr(st, key) for key in STAT_FIELDS}
        attributes.update(st_atime=st.st_atime_ns, st_mtime=st.st_mtime_ns, st_ctime=st.st_ctime_ns)
        return attributes

    def readdir(self, path, fh):
        try:
            return [".", ".."] + os.listdir(self._real(path))
        except OSError as error:
            raise FuseOSError(error.errno)

    def readlink(self, path):
        try:
            return os.readlink(self._real(path))
        except OSError as error:
            raise FuseOSError(error.errno)

    def statfs(self, path):
        st = os.statvfs(self._real(path))
        return {key: getattr(st, key) for key in (
            "f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree", "f_favail",
            "f_flag", "f_namemax")}

    # raw_fi: open, read and release get libfuse's fuse_file_info, for keep_cache.
    def open(self, path, info):
        if info.flags & (os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_TRUNC):
            raise FuseOSError(errno.EROFS)
        try:
            info.fh = os.open(self._real(path), os.O_RDONLY)
        except OSError as error:
            raise FuseOSError(error.errno)
        # The kernel drops a file's cached pages on open unless told to keep them,
        # and waits for a page under a blocked read without regard to signals: a
        # second process opening the file would be stuck unkillable in open(). Kept
        # instead, its read waits for that page killably, as on a hard NFS mount.
        # Otherwise the cache is dropped, so that a file hung again (SIGUSR2) hangs.
        with self.mutex:
            info.keep_cache = 1 if self.blocked.get(path.strip("/"), 0) > 0 else 0
        return 0

    def read(self, path, size, offset, info):
        name = path.strip("/")
        if name in self.hung and not self.gate.is_set():
            with self.mutex:
                self.blocked[name] = self.blocked.get(name, 0) + 1
            say("hang " + name)
            self.gate.wait()  # releases the GIL: other requests go on
            with self.mutex:
                self.blocked[name] -= 1
        if self.stopping:
            raise FuseOSError(errno.EIO)
        return os.pread(info.fh, size, offset)

    def release(self, path, info):
        os.close(info.fh)
        return 0

    # Read-only: everything that would change the tree.
    def _read_only(self, *args):
        raise FuseOSError(errno.EROFS)

    chmod = chown = create = mkdir = mknod = rename = rmdir = symlink = truncate = unlink = utimens = \
        link = write = setxattr = removexattr = _read_only


def control(filesystem, mountpoint):
    """Waits for the control signals (blocked in every thread) and acts on them."""
    while True:
        received = signal.sigwait(CONTROL_SIGNALS)
        if received == signal.SIGUSR1:
            filesystem.gate.set()
            say("released")
        elif received == signal.SIGUSR2:
            filesystem.gate.clear()
            say("hung")
        else:
            say("stopping")
            filesystem.stopping = True
            filesystem.gate.set()  # blocked reads now fail with EIO
            subprocess.run(["umount", "-l", mountpoint], stderr=subprocess.DEVNULL, check=False)
            os._exit(0)  # closing /dev/fuse ends whatever is left (ENOTCONN)


def main():
    parser = argparse.ArgumentParser(description="A read-only FUSE mirror whose reads of some files hang.")
    parser.add_argument("source")
    parser.add_argument("mountpoint")
    parser.add_argument("--hang", action="append", default=[], metavar="NAME",
                        help="a file (relative to SOURCE) whose reads block until released; repeatable")
    parser.add_argument("--released", action="store_true", help="start released (SIGUSR2 hangs)")
    arguments = parser.parse_args()
    if not os.path.isdir(arguments.source):
        parser.error(f"{arguments.source} is not a folder")
    filesystem = HangFS(arguments.source, arguments.hang, arguments.released)
    # Blocked before libfuse starts its threads, so that they inherit the mask and
    # only the control thread receives these signals.
    signal.pthread_sigmask(signal.SIG_BLOCK, CONTROL_SIGNALS)
    threading.Thread(target=control, args=(filesystem, os.path.abspath(arguments.mountpoint)), daemon=True).start()
    FUSE(filesystem, arguments.mountpoint, raw_fi=True, foreground=True, nothreads=False, ro=True,
         fsname="hangfs", subtype="hangfs")


if __name__ == "__main__":
    main()
