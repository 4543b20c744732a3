"""Start the IPython kernel one submission is graded in: its limits first, then the kernel.

    python tools/grading/kernel.py -f CONNECTION_FILE      (the grader's kernel spec runs it)

Read from the environment the grader gives the kernel:

- ``NBLIB_GRADING_ROOT``: the submission's own folder (its working directory, HOME and
  TMPDIR are inside).  An audit hook (:func:`sys.addaudithook`, which Python code cannot
  remove) refuses, with a PermissionError, to open a file for writing, or to delete,
  rename, create or change one, outside that folder; it refuses to start programs
  other than :data:`ALLOWED_PROGRAMS`, and to send signals to other processes.
- ``NBLIB_GRADING_MEMORY``: a limit on the kernel's address space, in bytes
  (``RLIMIT_AS``): past it, allocations fail with MemoryError.

These guard against accidents and casual tampering, not against a determined student:
code in an answer cell can still reach the operating system through C (``ctypes``),
which an audit hook does not see.  README, "Grade a class", says so.
"""

import os
import sys

#: Programs a graded notebook may start: Graphviz's ``dot`` (04 draws graphs with it)
#: and fontconfig's ``fc-list`` (matplotlib lists the system's fonts with it).
ALLOWED_PROGRAMS = frozenset({"dot", "fc-list"})

#: Where a notebook may write besides its own folder.
ALLOWED_DEVICES = ("/dev/null", "/dev/tty", "/dev/shm/")

#: Audit events that change the file system, and which of their arguments are paths.
_CHANGES = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
            "os.symlink": (1,), "os.link": (1,), "os.chmod": (0,), "os.chown": (0,),
            "os.truncate": (0,), "os.utime": (0,), "shutil.rmtree": (0,)}
_STARTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
           "pty.spawn"}
_SIGNALS = {"os.kill", "os.killpg"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _inside(path, root: str) -> bool:
    if isinstance(path, int):           # a file descriptor: already open
        return True
    path = os.path.realpath(os.fsdecode(path))
    return (path == root or path.startswith(root + os.sep)
            or any(path == device.rstrip("/") or path.startswith(device)
                   for device in ALLOWED_DEVICES))


def _program(event: str, args: tuple) -> str:
    """The name of the program an audit event starts."""
    if event == "subprocess.Popen":
        executable, argv = args[0], args[1]
        if executable is None:
            argv = [argv] if isinstance(argv, (str, bytes)) else list(argv)
            executable = argv[0] if argv else ""
        return os.path.basename(os.fsdecode(executable))
    if event == "os.system":
        return "a shell"
    return os.path.basename(os.fsdecode(args[1] if event == "os.spawn" else args[0]))


def guard(root: str):
    """The audit hook keeping a graded notebook's changes inside ``root``."""
    root = os.path.realpath(root)
    me = os.getpid()

    def refuse(what: str):
        raise PermissionError(f"grading: {what} is not allowed here (a graded notebook "
                              "may only write inside its own folder)")

    def hook(event, args):
        if event == "open":
            path, flags = args[0], args[2]
            if isinstance(flags, int) and flags & _WRITE_FLAGS and not _inside(path, root):
                refuse(f"writing {os.fsdecode(path)}")
        elif event in _CHANGES:
            for index in _CHANGES[event]:
                if not _inside(args[index], root):
                    refuse(f"{event.split('.')[-1]} {os.fsdecode(args[index])}")
        elif event in _STARTS:
            program = _program(event, args)
            if program not in ALLOWED_PROGRAMS:
                refuse(f"starting {program}")
        elif event in _SIGNALS and args[0] not in (me, 0):
            refuse(f"sending a signal to process {args[0]}")
    return hook


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    memory = int(os.environ.get("NBLIB_GRADING_MEMORY", "0") or 0)
    if memory > 0:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    sys.addaudithook(guard(os.environ["NBLIB_GRADING_ROOT"]))
    from ipykernel import kernelapp
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
