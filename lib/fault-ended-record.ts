/**
 * The record the fault's branch writes under an experiment's records prefix when the fault has
 * ended, holding that time: the sampling loop reads it to know when the After windows start. This
 * module imports nothing: the handlers' bundles take it in.
 */
export const FAULT_ENDED_RECORD = "fault-ended.json";
