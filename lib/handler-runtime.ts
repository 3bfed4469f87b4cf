/**
 * Which Node.js runtime the task functions run. The handler bundles are built once, when the
 * package is built, for the oldest Node.js below, and a test (test/package/runtimes.test.ts) runs
 * every bundle on each of them. Of those, the functions get the newest that the app's own
 * aws-cdk-lib offers (a peer dependency: `Runtime.ALL` is the app's copy), so that an app on the
 * newest aws-cdk-lib runs the newest runtime, which cdk-nag's AwsSolutions-L1 and
 * Serverless-LambdaLatestVersion ask for, and an app on the floor still gets one it knows.
 */
import { Annotations } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type { IConstruct } from "constructs";
import { HttpResetPeerValidationError } from "./errors";
import { acknowledge } from "./nag";

/** The Node.js major versions the handler bundles are built and tested for, oldest first. */
export const HANDLER_NODE_MAJORS: readonly number[] = [24, 26];

/** esbuild's target for the bundles: the oldest runtime they run on, so that they run on all of them. */
export const BUNDLE_TARGET = `node${HANDLER_NODE_MAJORS[0]}`;

/** The major version of a `nodejsNN.x` runtime, or undefined for any other runtime. */
const nodeMajor = (runtime: lambda.Runtime): number | undefined => {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return runtime.family === lambda.RuntimeFamily.NODEJS && match ? Number(match[1]) : undefined;
};

/** The Node.js runtimes this app's aws-cdk-lib knows, newest first. */
const knownNodeRuntimes = (): lambda.Runtime[] =>
  lambda.Runtime.ALL.filter((r) => nodeMajor(r) !== undefined && !r.isVariable).sort(
    (a, b) => nodeMajor(b)! - nodeMajor(a)!,
  );

const supportedNames = (): string => HANDLER_NODE_MAJORS.map((major) => `nodejs${major}.x`).join(", ");

/** The task functions' runtime, and why it is not the newest the app's aws-cdk-lib offers, if it is not. */
export interface HandlerRuntime {
  readonly runtime: lambda.Runtime;
  /**
   * Why the default runtime is older than the newest Node.js the app's aws-cdk-lib knows: the
   * reason cdk-nag's latest-runtime rules are acknowledged with.
   * @default - it is the newest, or the user chose it
   */
  readonly notNewestReason?: string;
}

/**
 * The runtime the task functions get: the one given, checked, or else the newest the bundles are
 * tested for among those the app's aws-cdk-lib offers.
 *
 * A runtime below the bundles' target, or not Node.js, is refused at synthesis. A newer Node.js
 * than the bundles are tested for is the user's choice to make: it is taken, with a warning.
 */
export function handlerRuntime(scope: IConstruct, chosen?: lambda.Runtime): HandlerRuntime {
  if (chosen) {
    const major = nodeMajor(chosen);
    if (major === undefined || major < HANDLER_NODE_MAJORS[0]) {
      throw new HttpResetPeerValidationError(
        scope,
        `runtime must be a Node.js runtime from ${BUNDLE_TARGET} on, which the handler bundles are built for ` +
          `(tested on ${supportedNames()}); got ${chosen.name}`,
      );
    }
    if (!HANDLER_NODE_MAJORS.includes(major)) {
      Annotations.of(scope).addWarningV2(
        "ec2-http-reset-peer:untestedRuntime",
        `runtime ${chosen.name}: the handler bundles are built for ${BUNDLE_TARGET} and tested on ${supportedNames()}, not on ${chosen.name}`,
      );
    }
    return { runtime: chosen };
  }
  const known = knownNodeRuntimes();
  const runtime = known.find((r) => HANDLER_NODE_MAJORS.includes(nodeMajor(r)!));
  if (!runtime) {
    throw new HttpResetPeerValidationError(
      scope,
      `this app's aws-cdk-lib offers none of the Node.js runtimes the handler bundles are tested on (${supportedNames()}); ` +
        "upgrade aws-cdk-lib to the version the package's peer dependency names",
    );
  }
  const newest = known[0];
  if (nodeMajor(newest)! === nodeMajor(runtime)!) return { runtime };
  return {
    runtime,
    notNewestReason:
      `The handler bundles are built and tested for ${supportedNames()}; the functions run ${runtime.name}, ` +
      `the newest of those, which Lambda supports. This app's aws-cdk-lib also offers ${newest.name}, ` +
      "on which the bundles have not been tested: the fault's `runtime` prop chooses it.",
  };
}

/**
 * Acknowledges cdk-nag's latest-runtime rules on a function that runs the default runtime when it
 * is not the newest the app's aws-cdk-lib knows, with the reason. Call it once the function exists.
 */
export function acknowledgeNotNewest(scope: IConstruct, choice: HandlerRuntime): void {
  if (!choice.notNewestReason) return;
  acknowledge(scope, "AwsSolutions", "L1", choice.notNewestReason);
  acknowledge(scope, "Serverless", "LambdaLatestVersion", choice.notNewestReason);
}
