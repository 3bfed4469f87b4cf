"""The state directory, /run/http-reset-peer (or HTTP_RESET_PEER_STATE_DIR): the host-wide lock,
and a folder per experiment with its pid files, counters and how its window ended. The script
checks that it and every folder above it are root's alone; the fault follows no symbolic link in it.
"""

import fcntl
import json
import os

STATE_ROOT = os.environ.get("HTTP_RESET_PEER_STATE_DIR") or "/run/http-reset-peer"
EXPERIMENTS = os.path.join(STATE_ROOT, "experiments")


def experiment_dir(experiment_id):
    return os.path.join(EXPERIMENTS, experiment_id)


def open_state_file(path, flags):
    """Files of the state directory are never reached through a symbolic link."""
    return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def write_json_atomically(path, value):
    tmp = path + ".tmp"
    with os.fdopen(open_state_file(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as f:
        json.dump(value, f)
    os.rename(tmp, path)


def read_json(path):
    try:
        with os.fdopen(open_state_file(path, os.O_RDONLY)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def remove_tree(path):
    """shutil.rmtree, imported only when there is a folder to remove: its import alone would delay
    the fault's onset by milliseconds, and an injection removes nothing before its rules are in."""
    if os.path.lexists(path):
        import shutil

        shutil.rmtree(path, ignore_errors=True)


def take_lock():
    """The host-wide lock: one injection at a time. The proxy and warden inherit it, so it is held
    until the last process of the fault is gone. Returns its descriptor, or None when it is held."""
    fd = open_state_file(os.path.join(STATE_ROOT, "lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def symlinks_in_state():
    """The state directory's own entries that are symbolic links: the fault follows none of them."""
    paths = [os.path.join(STATE_ROOT, "lock"), EXPERIMENTS]
    if os.path.isdir(EXPERIMENTS) and not os.path.islink(EXPERIMENTS):
        paths += [os.path.join(EXPERIMENTS, name) for name in os.listdir(EXPERIMENTS)]
    return [os.path.relpath(path, STATE_ROOT) for path in paths if os.path.islink(path)]
