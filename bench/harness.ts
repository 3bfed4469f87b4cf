/** The payload tests' network harness, for the benchmarks. */

export { startDocument } from "../test/payload/support/fault";
export type { AgentOptions, FaultRun } from "../test/payload/support/fault";
export { armed, restoredWithin, faultPid } from "../test/payload/support/scenario";
export { World, SERVER_V4 } from "../test/payload/support/world";
export { run, must, sleep, within } from "../test/payload/support/exec";
