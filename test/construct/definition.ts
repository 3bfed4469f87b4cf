/** The state machine's definition rendered to ASL, for the tests that read its states. */
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { buildDefinition, type DefinedHypothesis } from "../../lib/fault-definition";
import { newStack } from "./support";

export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Variable: string; Next: string; StringEquals?: string; BooleanEquals?: boolean }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath: string }[];
  Retry?: { ErrorEquals: string[] }[];
  SecondsPath?: string;
  MaxConcurrencyPath?: string;
  ItemReader?: Record<string, unknown>;
  ItemBatcher?: Record<string, unknown>;
  ItemProcessor?: Asl & { ProcessorConfig?: Record<string, unknown> };
  Branches?: Asl[];
  Resource?: string;
  ResultPath?: string | null;
  Error?: string;
  ErrorPath?: string;
  CausePath?: string;
  Parameters?: Record<string, unknown>;
}

export interface Asl {
  StartAt: string;
  States: Record<string, AslState>;
}

/**
 * The definition with stand-ins for the functions; with a hypothesis, and a steady-state check
 * function unless told otherwise; with `sampled`, the sampler's too.
 */
export function renderAsl(
  hypothesis?: DefinedHypothesis,
  checkSteadyState = Boolean(hypothesis),
  sampled = false,
): Asl {
  const stack = newStack();
  const fn = (name: string) =>
    lambda.Function.fromFunctionArn(stack, name, `arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
  const definition = buildDefinition(
    stack,
    {
      resolveTargets: fn("resolve"),
      sendCommand: fn("send"),
      checkProgress: fn("check"),
      cleanup: fn("cleanup"),
      report: fn("report"),
      stopExperiments: fn("stop"),
      ...(checkSteadyState ? { checkSteadyState: fn("steady") } : {}),
      ...(sampled ? { sampleProbes: fn("sample") } : {}),
    },
    s3.Bucket.fromBucketName(stack, "Records", "records-bucket"),
    hypothesis,
  );
  const graph = new sfn.StateGraph(definition.startState, "test");
  return stack.resolve(graph.toGraphJson());
}
