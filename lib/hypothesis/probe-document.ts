import * as ssm from "aws-cdk-lib/aws-ssm";
import { Stack } from "aws-cdk-lib";
import { Construct } from "constructs";
import { PROBE_PARAMETER, probeScript } from "./probe-script";

export interface ProbeDocumentProps {
  /** Each command probe's name and command. */
  readonly probes: readonly { readonly name: string; readonly command: string }[];
  /** The longest a probe's command may run on an instance, in seconds. */
  readonly timeoutSeconds: number;
}

/**
 * The SSM Command document that runs the hypothesis's command probes: its one parameter picks the
 * probe, and SSM refuses any value but the probes' names, so whoever may send it can run those
 * commands and no other.
 */
export class ProbeDocument extends Construct {
  public readonly documentName: string;
  public readonly documentArn: string;

  constructor(scope: Construct, id: string, props: ProbeDocumentProps) {
    super(scope, id);
    const document = new ssm.CfnDocument(this, "Resource", {
      documentType: "Command",
      documentFormat: "JSON",
      content: {
        schemaVersion: "2.2",
        description: "EC2 HTTP reset peer: runs one of the hypothesis's command probes",
        parameters: {
          [PROBE_PARAMETER]: {
            type: "String",
            description: "The command probe to run",
            allowedValues: props.probes.map((p) => p.name),
          },
        },
        mainSteps: [
          {
            action: "aws:runShellScript",
            name: "probe",
            precondition: { StringEquals: ["platformType", "Linux"] },
            inputs: { timeoutSeconds: String(props.timeoutSeconds), runCommand: probeScript(props.probes) },
          },
        ],
      },
    });
    this.documentName = document.ref;
    this.documentArn = Stack.of(this).formatArn({
      service: "ssm",
      resource: "document",
      resourceName: document.ref,
    });
  }
}
