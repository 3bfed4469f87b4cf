"""Running the host's commands (iptables and its kin) side by side: an iptables call spends most of
its time starting up, so two at once take little more than one."""

import subprocess


def start_all(argvs):
    """Starts the commands side by side, each waiting for its input: a Popen, or the OSError that
    kept it from starting."""
    started = []
    for argv in argvs:
        try:
            started.append(
                subprocess.Popen(
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    universal_newlines=True,
                )
            )
        except OSError as e:
            started.append(e)
    return started


def finish_all(started, stdin_texts):
    """Gives each started command its input and returns (code, stdout, stderr) of each, in order."""
    results = []
    for p, stdin_text in zip(started, stdin_texts):
        if isinstance(p, OSError):
            results.append((127, "", str(p)))
        else:
            out, err = p.communicate(stdin_text)
            results.append((p.returncode, out, err))
    return results


def run_all(commands):
    """Runs (argv, stdin text) commands side by side; see start_all and finish_all."""
    return finish_all(start_all([argv for argv, _ in commands]), [text for _, text in commands])


def run(argv, stdin_text=None):
    return run_all([(argv, stdin_text)])[0]
