/**
 * EC2 DescribeInstances as the API behaves: MaxResults (5 to 1000) with NextToken, not together with
 * InstanceIds; Filters on tag:KEY, tag-key, tag-value, instance-state-name and instance-id, with
 * wildcards; InstanceIds naming an unknown instance fail the whole call with
 * InvalidInstanceID.NotFound.
 */
import { EC2ServiceException, type DescribeInstancesCommandInput, type Instance } from "@aws-sdk/client-ec2";
import { serviceError } from "./errors";
import { stateCode, type FakeInstance, type Fleet } from "./fleet";
import { page } from "./pages";

const error = (code: string, message: string) => serviceError(EC2ServiceException, code, message);

const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** EC2's filter values: `*` any run of characters, `?` one character. */
function glob(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "s");
}

function matches(instance: FakeInstance, name: string, values: string[]): boolean {
  const any = (candidates: string[]) => candidates.some((c) => values.some((v) => glob(v).test(c)));
  if (name.startsWith("tag:")) {
    const value = instance.tags[name.slice(4)];
    return value !== undefined && any([value]);
  }
  switch (name) {
    case "tag-key":
      return any(Object.keys(instance.tags));
    case "tag-value":
      return any(Object.values(instance.tags));
    case "instance-state-name":
      return any([instance.state]);
    case "instance-state-code":
      return any([String(stateCode(instance.state))]);
    case "instance-id":
      return any([instance.id]);
    case "platform":
      return instance.platform === "Windows" && any(["windows"]);
    default:
      throw error("InvalidParameterValue", `The filter '${name}' is invalid`);
  }
}

export function asInstance(i: FakeInstance): Instance {
  return {
    InstanceId: i.id,
    InstanceType: "t3.micro",
    State: { Code: stateCode(i.state), Name: i.state },
    Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
    PlatformDetails: i.platform === "Windows" ? "Windows" : "Linux/UNIX",
    ...(i.platform === "Windows" ? { Platform: "windows" } : {}),
  } as Instance;
}

export class FakeEc2 {
  constructor(private readonly fleet: Fleet) {}

  DescribeInstances(input: DescribeInstancesCommandInput) {
    const ids = input.InstanceIds ?? [];
    if (ids.length && input.MaxResults !== undefined) {
      throw error(
        "InvalidParameterCombination",
        "The parameter instancesSet cannot be used with the parameter maxResults",
      );
    }
    if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
      throw error(
        "InvalidParameterValue",
        `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
      );
    }
    const malformed = ids.filter((id) => !INSTANCE_ID.test(id));
    if (malformed.length) throw error("InvalidInstanceID.Malformed", `Invalid id: "${malformed[0]}"`);
    const unknown = ids.filter((id) => !this.fleet.get(id));
    if (unknown.length) {
      throw error(
        "InvalidInstanceID.NotFound",
        unknown.length === 1
          ? `The instance ID '${unknown[0]}' does not exist`
          : `The instance IDs '${unknown.join(", ")}' do not exist`,
      );
    }
    let instances = ids.length ? ids.map((id) => this.fleet.get(id) as FakeInstance) : this.fleet.all();
    for (const filter of input.Filters ?? []) {
      if (!filter.Name) throw error("InvalidParameterValue", "A filter must have a name");
      if (filter.Values && filter.Values.length > 200) {
        throw error("InvalidParameterValue", `The filter '${filter.Name}' has more than 200 values`);
      }
      instances = instances.filter((i) => matches(i, filter.Name as string, filter.Values ?? []));
    }
    // Without MaxResults the API answers everything at once (up to its own limits).
    const { items, nextToken } = page(instances, input.MaxResults ?? 10000, input.NextToken, () =>
      error("InvalidParameterValue", "The specified nextToken is not valid"),
    );
    return {
      Reservations: items.map((i) => ({
        ReservationId: `r-${i.id.slice(2)}`,
        OwnerId: "111111111111",
        Instances: [asInstance(i)],
        Groups: [],
      })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }
}
