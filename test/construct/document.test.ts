import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { FaultDocument } from "../../lib";
import { faultTemplate, newStack } from "./support";

const yamlContent = parse(readFileSync(join(__dirname, "../../ssm-documents/http-reset-peer.yaml"), "utf8"));

describe("the SSM document", () => {
  test("is deployed exactly as the repository holds it, as a Command document", () => {
    const { template } = faultTemplate();
    template.resourceCountIs("AWS::SSM::Document", 1);
    template.hasResourceProperties("AWS::SSM::Document", {
      Name: FaultDocument.DEFAULT_NAME,
      DocumentType: "Command",
      DocumentFormat: "JSON",
      UpdateMethod: "NewVersion",
      Content: yamlContent,
    });
  });

  test("takes its step timeout from the document", () => {
    const document = new FaultDocument(newStack(), "Document");
    expect(document.stepTimeoutSeconds).toBe(yamlContent.mainSteps[0].inputs.timeoutSeconds);
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
