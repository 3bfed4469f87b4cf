/** The safety lever, read with the function's own identity, where the fault is deployed. */
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { LEVER } from "../../lib/safety-lever-states";
import { safetyLeverParameter } from "../input/environment";
import { SafetyLeverEngagedError } from "../errors";
import { homeClient } from "../aws/sdk-config";

/** The lever's parameter name when it is engaged; undefined when released. */
export async function engagedLever(): Promise<string | undefined> {
  const name = safetyLeverParameter();
  const ssm = homeClient(SSMClient);
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
  return Parameter?.Value === LEVER.engaged ? name : undefined;
}

/** Refuses an experiment while the lever is engaged. */
export async function refuseWhileEngaged(): Promise<void> {
  const lever = await engagedLever();
  if (lever) {
    throw new SafetyLeverEngagedError(
      `The safety lever ${lever} is engaged: no experiment of this fault runs until it is set to ${LEVER.released}`,
    );
  }
}
