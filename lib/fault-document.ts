import { readFileSync } from "node:fs";
import { Stack, Token } from "aws-cdk-lib";
import * as ssm from "aws-cdk-lib/aws-ssm";
import { Construct } from "constructs";
import { HttpResetPeerValidationError } from "./errors";
import { documentAsset, programPartAsset } from "./package-files";
import { MAX_DOCUMENT_NAME_LENGTH, partDigest, partName, pinnedPart, unpinnedPart } from "./document-names";

/**
 * What SSM accepts as a document name (names starting with aws, amazon or amzn are reserved), short
 * enough for the program's parts to be named after it.
 */
const DOCUMENT_NAME_PATTERN = new RegExp(
  `^(?!(aws|amazon|amzn))[A-Za-z0-9_.-]{3,${MAX_DOCUMENT_NAME_LENGTH}}$`,
  "i",
);

/** SSM's step timeout when a step sets none. */
const SSM_DEFAULT_STEP_TIMEOUT_SECONDS = 3600;

/** The document's content, exactly as `ssm-documents/http-reset-peer.yaml` holds it. */
function documentContent(): { mainSteps: DocumentStep[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(documentAsset(), "utf8"));
}

interface DocumentStep {
  readonly action: string;
  readonly inputs?: { readonly timeoutSeconds?: number; readonly sourceInfo?: { readonly name: string } };
}

const isDownload = (step: DocumentStep): boolean => step.action === "aws:downloadContent";

export interface FaultDocumentProps {
  /**
   * Name of the SSM Command document. One name per account and region; a controller and its
   * targets must use the same.
   * @default FaultDocument.DEFAULT_NAME ("Ec2HttpResetPeer")
   */
  readonly documentName?: string;
}

/** The fault's SSM Command document, deployed as the repository holds it. */
export class FaultDocument extends Construct {
  /**
   * The document's name when none is given. Fixed rather than generated, because a controller
   * sends the document by name into other accounts and regions, where the target construct must
   * deploy it under the same name.
   */
  public static readonly DEFAULT_NAME = "Ec2HttpResetPeer";

  /** The document's name: a reference, so that whatever uses it is created after the document. */
  public readonly documentName: string;
  /** The document's ARN in this stack's account and region. */
  public readonly documentArn: string;
  /**
   * The names of the documents that hold the program the document runs, in the order it fetches
   * them. The instances fetch them with ssm:GetDocument, which `AmazonSSMManagedInstanceCore` grants.
   */
  public readonly programPartNames: string[];
  /**
   * The longest an invocation of the document can run: its step's timeout, after which SSM ends
   * it. The state machine's timeout is derived from it.
   */
  public readonly stepTimeoutSeconds: number;

  constructor(scope: Construct, id: string, props: FaultDocumentProps = {}) {
    super(scope, id);
    const name = props.documentName ?? FaultDocument.DEFAULT_NAME;
    if (!Token.isUnresolved(name) && !DOCUMENT_NAME_PATTERN.test(name)) {
      throw new HttpResetPeerValidationError(
        this,
        `documentName ${JSON.stringify(name)} is not a valid SSM document name: ` +
          `3-${MAX_DOCUMENT_NAME_LENGTH} letters, digits, _ . or -, not starting with aws, amazon or amzn`,
      );
    }
    const rendered = documentContent();
    // The program's parts, each a document of its own that the download steps fetch by name: named
    // after this document, so that every fault document in an account has its own.
    const parts = rendered.mainSteps.filter(isDownload).map((step) => {
      const renderedName = unpinnedPart(step.inputs?.sourceInfo?.name ?? "");
      return { renderedName, name: partName(name, partDigest(renderedName)) };
    });
    const named = new Map(parts.map((part) => [part.renderedName, part.name]));
    const content = {
      ...rendered,
      mainSteps: rendered.mainSteps.map((step) =>
        isDownload(step)
          ? {
              ...step,
              inputs: {
                ...step.inputs,
                sourceInfo: {
                  name: pinnedPart(named.get(unpinnedPart(step.inputs?.sourceInfo?.name ?? ""))!),
                },
              },
            }
          : step,
      ),
    };
    const steps = content.mainSteps.filter((step) => !isDownload(step));
    this.stepTimeoutSeconds = Math.max(
      ...steps.map((s) => s.inputs?.timeoutSeconds ?? SSM_DEFAULT_STEP_TIMEOUT_SECONDS),
    );
    const document = new ssm.CfnDocument(this, "Resource", {
      name,
      content,
      documentType: "Command",
      // The template holds the content as an object, which CloudFormation passes on as JSON.
      documentFormat: "JSON",
      // A named document cannot be replaced in place: a content change becomes its new default version.
      updateMethod: "NewVersion",
    });
    // A part's name changes with what it holds, so a new program is new parts: created before the
    // document's new version names them, and the old ones deleted only once the update is done.
    this.programPartNames = parts.map((part, i) => {
      const partDocument = new ssm.CfnDocument(this, `ProgramPart${i + 1}`, {
        name: part.name,
        content: JSON.parse(readFileSync(programPartAsset(part.renderedName), "utf8")),
        documentType: "Command",
        documentFormat: "JSON",
      });
      document.addDependency(partDocument);
      return part.name;
    });
    // The reference, not the literal name, so that whatever uses the name is created after the document.
    this.documentName = document.ref;
    this.documentArn = Stack.of(this).formatArn({ service: "ssm", resource: "document", resourceName: name });
  }
}
