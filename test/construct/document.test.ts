import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { FaultDocument } from "../../lib";
import { programParts } from "../../scripts/program-parts";
import { faultTemplate, newStack } from "./support";

const yamlContent = parse(readFileSync(join(__dirname, "../../ssm-documents/http-reset-peer.yaml"), "utf8"));

const parts = programParts();

describe("the SSM document", () => {
  test("is deployed exactly as the repository holds it, as a Command document", () => {
    const { template } = faultTemplate();
    template.hasResourceProperties("AWS::SSM::Document", {
      Name: FaultDocument.DEFAULT_NAME,
      DocumentType: "Command",
      DocumentFormat: "JSON",
      UpdateMethod: "NewVersion",
      Content: yamlContent,
    });
  });

  test("comes with its program's parts, each deployed as the repository holds it, before the document names them", () => {
    const { template } = faultTemplate();
    template.resourceCountIs("AWS::SSM::Document", 1 + parts.length);
    const documents = template.findResources("AWS::SSM::Document");
    const [mainId] = Object.entries(documents).find(
      ([, d]) => d.Properties.Name === FaultDocument.DEFAULT_NAME,
    )!;
    for (const part of parts) {
      const [partId, resource] = Object.entries(documents).find(([, d]) => d.Properties.Name === part.name)!;
      expect(resource.Properties).toEqual({
        Name: part.name,
        DocumentType: "Command",
        DocumentFormat: "JSON",
        Content: JSON.parse(part.text),
      });
      expect(documents[mainId].DependsOn).toContain(partId);
    }
  });

  test("under another name, names its parts after it, and fetches those", () => {
    const document = new FaultDocument(newStack(), "Document", { documentName: "GameDayReset" });
    expect(document.programPartNames).toEqual(
      parts.map((p) => p.name.replace(FaultDocument.DEFAULT_NAME, "GameDayReset")),
    );
    const template = Template.fromStack(Stack.of(document));
    const main = Object.values(template.findResources("AWS::SSM::Document")).find(
      (d) => d.Properties.Name === "GameDayReset",
    )!;
    const fetched = (
      main.Properties.Content.mainSteps as { action: string; inputs: { sourceInfo?: { name: string } } }[]
    )
      .filter((step) => step.action === "aws:downloadContent")
      .map((step) => step.inputs.sourceInfo!.name);
    expect(fetched).toEqual(document.programPartNames.map((name) => `${name}:1`));
  });

  test("takes its step timeout from the document's script step", () => {
    const document = new FaultDocument(newStack(), "Document");
    const script = yamlContent.mainSteps.find((s: { action: string }) => s.action === "aws:runShellScript");
    expect(document.stepTimeoutSeconds).toBe(script.inputs.timeoutSeconds);
  });

  test("refuses a name too long for its parts' names to stay within SSM's 128 characters", () => {
    expect(() => new FaultDocument(newStack(), "Document", { documentName: "a".repeat(104) })).toThrow(
      'documentName "' + "a".repeat(104) + '" is not a valid SSM document name: 3-103 letters',
    );
    expect(() => new FaultDocument(newStack(), "Document", { documentName: "a".repeat(103) })).not.toThrow();
  });

  test("refuses a name SSM would refuse", () => {
    expect(() => new FaultDocument(newStack(), "Document", { documentName: "AWS-Mine" })).toThrow(
      /not a valid SSM document name/,
    );
    expect(() => new FaultDocument(newStack(), "Document", { documentName: "a b" })).toThrow(
      /not a valid SSM document name/,
    );
  });
});
