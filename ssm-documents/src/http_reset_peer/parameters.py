"""The document's parameters, as the agent passes them: SSM_<Name> environment variables, already
checked against the document's patterns by the script. Each is named here as the document names it,
in snake case (TargetServicePort: target_service_port)."""

import time
from collections import namedtuple

from .filters import RequestFilter
from .moments import MOMENTS

# How long passed-on connections may outlive the window before they are reset (see proxy.py).
FORWARD_GRACE_SECONDS = 10
# How long the warden waits for the proxy to stop before SIGKILL.
PROXY_GRACE_SECONDS = 1.0


class Parameters(
    namedtuple(
        "Parameters",
        "experiment_id target_service_port network_interface duration_seconds reset_percentage"
        " reset_at reset_after_bytes reset_methods reset_paths observe_recovery_seconds",
    )
):
    """One injection's parameters. reset_at is a ResetMoment (moments.py); reset_methods and
    reset_paths are tuples, in the order given."""

    __slots__ = ()

    @classmethod
    def from_environment(cls, env):
        """The parameters from the agent's SSM_* variables. An Inject without ExperimentId names the
        run itself."""
        experiment_id = env.get("SSM_ExperimentId") or "manual-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        split = lambda name: tuple(v for v in env["SSM_" + name].split(",") if v)
        return cls(
            experiment_id=experiment_id,
            target_service_port=int(env["SSM_TargetServicePort"]),
            network_interface=env["SSM_NetworkInterface"],
            duration_seconds=int(env["SSM_DurationSeconds"]),
            reset_percentage=int(env["SSM_ResetPercentage"]),
            reset_at=MOMENTS[env["SSM_ResetAt"]],
            reset_after_bytes=int(env["SSM_ResetAfterBytes"]),
            reset_methods=split("ResetMethods"),
            reset_paths=split("ResetPaths"),
            observe_recovery_seconds=int(env["SSM_ObserveRecoverySeconds"]),
        )

    @property
    def request_filter(self):
        return RequestFilter(self.reset_methods, self.reset_paths)

    @property
    def forwards(self):
        """Whether the proxy passes requests on to the service, over connections of its own."""
        return self.reset_at.passes_on or self.request_filter.selective

    @property
    def spares(self):
        """Whether some connections to the port are left alone: those ResetPercentage spares, and
        the proxy's own to the service, which carry the spared mark from their first packet."""
        return self.reset_percentage < 100 or self.forwards

    @property
    def proxy_grace_seconds(self):
        """How long the proxy may take to stop once the window has ended."""
        return PROXY_GRACE_SECONDS + (FORWARD_GRACE_SECONDS if self.forwards else 0)

    def summary(self):
        """The parameters as the report's summary line gives them."""
        return {
            "targetPort": self.target_service_port,
            "interface": self.network_interface,
            "durationSeconds": self.duration_seconds,
            "resetPercentage": self.reset_percentage,
            "resetAt": self.reset_at.name,
            "resetAfterBytes": self.reset_after_bytes,
            "resetMethods": ",".join(self.reset_methods),
            "resetPaths": ",".join(self.reset_paths),
            "observeRecoverySeconds": self.observe_recovery_seconds,
        }
