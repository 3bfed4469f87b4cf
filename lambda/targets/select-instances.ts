/** Finds the instances an experiment may target, by ID or by tag, in every page of DescribeInstances. */
import { DescribeInstancesCommand, type EC2Client, type Filter, type Instance } from "@aws-sdk/client-ec2";
import { chunk } from "../aws/chunks";
import { TargetNotFoundError } from "../errors";
import { collectPages } from "../aws/pages";
import { carriesTag, formatTag, type Tag } from "./tags";

async function describeInstances(ec2: EC2Client, filters: Filter[]): Promise<Instance[]> {
  const reservations = await collectPages(
    (NextToken) => ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken })),
    (page) => page.Reservations,
  );
  return reservations.flatMap((r) => r.Instances ?? []);
}

/**
 * Every named instance, whatever its state. Filtering by instance-id rather than passing
 * InstanceIds makes a missing instance absent instead of failing the whole call, so that each
 * missing one can be named.
 */
export async function instancesById(ec2: EC2Client, ids: string[], region: string): Promise<Instance[]> {
  const found: Instance[] = [];
  for (const group of chunk(ids)) {
    found.push(...(await describeInstances(ec2, [{ Name: "instance-id", Values: group }])));
  }
  const missing = ids.filter((id) => !found.some((i) => i.InstanceId === id));
  if (missing.length) {
    throw new TargetNotFoundError(
      `EC2_INSTANCE_ID names instances that do not exist in ${region}: ${missing.join(", ")}. ` +
        "Check the IDs, and that REGION is the instances' region",
    );
  }
  return ids.map((id) => found.find((i) => i.InstanceId === id) as Instance);
}

/** Every running instance that carries the tag. */
export async function runningInstancesByTag(ec2: EC2Client, tag: Tag, region: string): Promise<Instance[]> {
  // A filter on an empty tag value is not documented to match, so an empty value is checked here.
  const byTag = tag.value
    ? { Name: `tag:${tag.key}`, Values: [tag.value] }
    : { Name: "tag-key", Values: [tag.key] };
  const instances = await describeInstances(ec2, [
    byTag,
    { Name: "instance-state-name", Values: ["running"] },
  ]);
  const matching = instances.filter((i) => carriesTag(i.Tags, tag));
  if (!matching.length) {
    throw new TargetNotFoundError(
      `No running instance in ${region} carries the tag ${formatTag(tag)} (EC2_INSTANCE_TAG). ` +
        "Check the tag's key and value (case matters) and REGION",
    );
  }
  return matching;
}
