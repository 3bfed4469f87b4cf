import type { TunableInput } from "../lib/tunable-input";

/**
 * An execution input to paste into the Step Functions console ("Start execution"): for five
 * minutes, on half the connections to port 8080 of a quarter of the instances tagged app=checkout,
 * one instance after another, the first response to a request under /api/ is reset once 1 KiB of
 * its body has reached the client; other requests (the load balancer's health checks) are answered.
 * DRY_RUN=True checks the targets and injects nothing: remove it to run the fault.
 */
export const SAMPLE_EXECUTION_INPUT: TunableInput = {
  EC2_INSTANCE_TAG: "app:checkout",
  INSTANCE_AFFECTED_PERC: 25,
  TARGET_SERVICE_PORT: 8080,
  TOTAL_CHAOS_DURATION: 300,
  RESET_PERCENTAGE: 50,
  RESET_AT: "response",
  RESET_AFTER_BYTES: 1024,
  RESET_PATHS: "/api/",
  SEQUENCE: "serial",
  RAMP_TIME: 60,
  DRY_RUN: "True",
};
