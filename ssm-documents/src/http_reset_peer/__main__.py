"""`python3 -m http_reset_peer inject|cleanup`: the document's Action, run by its script through
ssm-documents/src/bootstrap.py."""

import os
import sys

from .report import refuse
from .state import symlinks_in_state


def main(argv):
    role = argv[1] if len(argv) > 1 else ""
    if role not in ("inject", "cleanup"):
        print("usage: python3 -m http_reset_peer inject|cleanup", file=sys.stderr)
        return 2
    links = symlinks_in_state()
    if links:
        summary = {"action": role.capitalize(), "experimentId": os.environ.get("SSM_ExperimentId", "")}
        return refuse(summary, "the state directory holds symbolic links (%s): remove them" % ", ".join(links))
    # Imported only for the role asked: Cleanup has no use for the proxy's modules.
    if role == "inject":
        from .inject import inject_main

        return inject_main()
    from .cleanup import cleanup_main

    return cleanup_main()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
