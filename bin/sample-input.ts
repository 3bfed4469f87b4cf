import type { TunableInput } from "../lib/tunable-input";

/**
 * An execution input to paste into the Step Functions console ("Start execution"): for five
 * minutes, half the connections to port 8080 of a quarter of the instances tagged app=checkout,
 * one instance after another, are reset once 1 KiB of their response body has reached the client.
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
  SEQUENCE: "serial",
  RAMP_TIME: 60,
  DRY_RUN: "True",
};
