"""What the unit tests share: parameters as the agent would pass them."""

from http_reset_peer.parameters import Parameters

AGENT_DEFAULTS = {
    "SSM_ExperimentId": "exp-1",
    "SSM_TargetServicePort": "80",
    "SSM_NetworkInterface": "eth0",
    "SSM_DurationSeconds": "30",
    "SSM_ResetPercentage": "100",
    "SSM_ResetAt": "request",
    "SSM_ResetAfterBytes": "0",
    "SSM_ResetMethods": "",
    "SSM_ResetPaths": "",
    "SSM_ObserveRecoverySeconds": "30",
}


def parameters(**given):
    """Parameters from the document's defaults, with `given` (SSM names without the prefix) on top."""
    env = dict(AGENT_DEFAULTS, **{"SSM_" + name: value for name, value in given.items()})
    return Parameters.from_environment(env)
