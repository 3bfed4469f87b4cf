export * from "./http-reset-peer-fault";
export { HttpResetPeerDashboard, type HttpResetPeerDashboardProps } from "./http-reset-peer-dashboard";
export * from "./http-reset-peer-target";
export * from "./fault-document";
export * from "./fault-role";
export type { FaultSchedule } from "./fault-schedules";
export { InjectionSequence, ResetAt, type FaultTunables } from "./fault-tunables";
export type { OptInTag } from "./opt-in-tag";
export type { FaultTaskFunctions } from "./task-functions";
