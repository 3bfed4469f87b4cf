/**
 * Refuses targets that cannot take the fault, naming each with its reason and fix, before
 * anything is sent: SendCommand would otherwise fail them one by one, late and vaguely.
 */
import type { Instance } from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  type InstanceInformation,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { chunk } from "../aws/chunks";
import { TargetNotReadyError } from "../errors";
import { collectPages } from "../aws/pages";

/** The Harness fault's troubleshooting for InvalidInstanceId. */
const SSM_AGENT_FIX =
  "install the SSM Agent and attach an instance profile that includes AmazonSSMManagedInstanceCore; " +
  "confirm with aws ssm describe-instance-information --filters 'Key=InstanceIds,Values=<id>'";

async function instanceInformation(ssm: SSMClient, ids: string[]): Promise<InstanceInformation[]> {
  const found: InstanceInformation[] = [];
  for (const group of chunk(ids)) {
    const filters = [{ Key: "InstanceIds", Values: group }];
    found.push(
      ...(await collectPages(
        (NextToken) =>
          ssm.send(new DescribeInstanceInformationCommand({ Filters: filters, MaxResults: 50, NextToken })),
        (page) => page.InstanceInformationList,
      )),
    );
  }
  return found;
}

function reason(instance: Instance, info: InstanceInformation | undefined): string | undefined {
  const state = instance.State?.Name ?? "unknown";
  if (state !== "running") return `the instance is ${state}, not running: start it or pick another target`;
  if (!info)
    return `the SSM Agent is not online (the instance is not registered with Systems Manager): ${SSM_AGENT_FIX}`;
  if (info.PingStatus !== "Online")
    return `the SSM Agent is not online (PingStatus ${info.PingStatus}): ${SSM_AGENT_FIX}`;
  if (info.PlatformType !== "Linux")
    return `the instance runs ${info.PlatformType}: the fault runs on Linux only`;
  return undefined;
}

export async function checkReadiness(ssm: SSMClient, targets: Instance[], region: string): Promise<void> {
  const running = targets.filter((t) => t.State?.Name === "running").map((t) => t.InstanceId ?? "");
  const infos = running.length ? await instanceInformation(ssm, running) : [];
  const problems = targets.flatMap((t) => {
    const why = reason(
      t,
      infos.find((i) => i.InstanceId === t.InstanceId),
    );
    return why ? [`${t.InstanceId}: ${why}`] : [];
  });
  if (problems.length) {
    throw new TargetNotReadyError(
      `${problems.length} of ${targets.length} targets in ${region} cannot take the fault. ${problems.join(". ")}`,
    );
  }
}
