/**
 * Parameter Store's String parameters: GetParameter and PutParameter (Overwrite required to
 * change one), the allowed pattern checked, and each change told as Parameter Store tells
 * EventBridge ("Parameter Store Change": the name and the operation, never the value).
 */
import {
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterPatternMismatchException,
} from "@aws-sdk/client-ssm";

export interface ParameterChange {
  readonly name: string;
  readonly operation: "Create" | "Update";
  readonly at: Date;
}

interface Parameter {
  value: string;
  readonly allowedPattern?: string;
  version: number;
}

export class FakeParameterStore {
  private readonly parameters = new Map<string, Parameter>();
  private readonly listeners: ((change: ParameterChange) => void)[] = [];

  /** Calls `listener` on every change, as Parameter Store sends it to EventBridge. */
  onChange(listener: (change: ParameterChange) => void): void {
    this.listeners.push(listener);
  }

  GetParameter(input: { Name: string }) {
    const p = this.parameters.get(input.Name);
    if (!p) throw new ParameterNotFound({ message: "", $metadata: {} });
    return { Parameter: { Name: input.Name, Type: "String", Value: p.value, Version: p.version } };
  }

  PutParameter(input: { Name: string; Value: string; Overwrite?: boolean; AllowedPattern?: string }) {
    const existing = this.parameters.get(input.Name);
    if (existing && !input.Overwrite) {
      throw new ParameterAlreadyExists({ message: "The parameter already exists.", $metadata: {} });
    }
    const pattern = existing?.allowedPattern ?? input.AllowedPattern;
    if (pattern && !new RegExp(pattern).test(input.Value)) {
      throw new ParameterPatternMismatchException({
        message: `Parameter value, cannot be validated against allowedPattern: ${pattern}`,
        $metadata: {},
      });
    }
    const parameter = existing ?? { value: input.Value, allowedPattern: pattern, version: 0 };
    parameter.value = input.Value;
    parameter.version++;
    this.parameters.set(input.Name, parameter);
    const change = { name: input.Name, operation: existing ? "Update" : "Create", at: new Date() } as const;
    for (const listener of this.listeners) listener(change);
    return { Version: parameter.version, Tier: "Standard" };
  }
}
